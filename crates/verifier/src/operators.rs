//! Contact-centre operators: who may sign in to the console, their password
//! hashes, their sessions and the throttling of failed sign-ins.
//!
//! All of it is state, so all of it lives here in the library's store (same
//! tables and behaviour on SQLite and PostgreSQL); the console's pages,
//! cookies and CSRF tokens live in the server crate, which only ever asks
//! [`Verifier`] and shows the answer.
//!
//! What is stored: the operator's name, role, an Argon2id PHC string (never
//! the password), and for each session the SHA-256 of its random 256-bit
//! token (never the token). A disabled operator, a changed password, an idle
//! or too old session all end the session at the next request, because every
//! request looks the session up again ([`Verifier::console_session`]).

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use zeroize::Zeroizing;

use crate::clock::{from_millis, to_millis};
use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::AuditEvent;
use crate::store::operators::{
    FailedSignIn, NewOperator, NewSession, OperatorRow, SignInCheck, ThrottleRule,
};
use crate::verifier::Verifier;

/// Shortest password an operator may have, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (Argon2 would take more, but nobody types this).
pub const MAX_PASSWORD_CHARS: usize = 256;
/// Longest operator name: `console:` plus this fits an audit actor.
pub const MAX_OPERATOR_NAME_LEN: usize = 48;
/// Failed sign-ins (per account, and per client address) that lock it.
pub const SIGN_IN_FAILURES_BEFORE_LOCK: u32 = 5;
/// How long a locked account or address stays locked; also the window in
/// which failures are counted.
pub const SIGN_IN_LOCK: Duration = Duration::from_secs(15 * 60);

/// What an operator may do in the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Find, block, unblock after the identity check, activation codes.
    Agent,
    /// Everything an agent does, plus issue, reissue, revoke and the audit log.
    Supervisor,
}

impl Role {
    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Supervisor => "supervisor",
        }
    }

    pub(crate) fn from_stored(text: &str) -> Result<Self, VerifierError> {
        match text {
            "agent" => Ok(Self::Agent),
            "supervisor" => Ok(Self::Supervisor),
            _ => Err(VerifierError::Storage(format!(
                "unknown operator role {text:?} in the database"
            ))),
        }
    }
}

impl std::str::FromStr for Role {
    type Err = VerifierError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_stored(text)
            .map_err(|_| VerifierError::InvalidInput("a role is agent or supervisor".into()))
    }
}

/// An operator's sign-in name: 1 to 48 of `A-Z a-z 0-9 . _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OperatorName(String);

impl OperatorName {
    /// Validates a name.
    pub fn new(text: impl Into<String>) -> Result<Self, VerifierError> {
        let text = text.into();
        let valid = !text.is_empty()
            && text.len() <= MAX_OPERATOR_NAME_LEN
            && !text.chars().all(|c| c == '.')
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if !valid {
            return Err(VerifierError::InvalidInput(format!(
                "an operator name is 1 to {MAX_OPERATOR_NAME_LEN} characters of A-Z a-z 0-9 . _ -, not only dots"
            )));
        }
        Ok(Self(text))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The audit actor of this operator's console actions: `console:NAME`.
    pub fn actor(&self) -> Actor {
        Actor::new(format!("console:{}", self.0)).expect("a valid name makes a valid actor")
    }
}

impl std::fmt::Display for OperatorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password, checked for length; wiped from memory when dropped.
pub struct Password(Zeroizing<String>);

impl Password {
    /// A password for [`Verifier::add_operator`] and [`Verifier::set_operator_password`]:
    /// at least [`MIN_PASSWORD_CHARS`] characters, not only spaces.
    pub fn new(text: Zeroizing<String>) -> Result<Self, VerifierError> {
        let chars = text.chars().count();
        if chars < MIN_PASSWORD_CHARS || text.trim().is_empty() {
            return Err(VerifierError::InvalidInput(format!(
                "a password has at least {MIN_PASSWORD_CHARS} characters"
            )));
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(VerifierError::InvalidInput(format!(
                "a password has at most {MAX_PASSWORD_CHARS} characters"
            )));
        }
        Ok(Self(text))
    }

    fn bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// An operator as listed (no hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    /// Sign-in name.
    pub name: OperatorName,
    /// What they may do.
    pub role: Role,
    /// Disabled operators cannot sign in and have no sessions.
    pub disabled: bool,
    /// When the operator was added.
    pub created: SystemTime,
}

/// A session's secret token, as carried by the browser's cookie: 256 random
/// bits as 64 hex digits. Only its SHA-256 is stored; wiped when dropped.
pub struct SessionToken(crate::signing::SigningSecret);

impl SessionToken {
    fn generate() -> Self {
        Self(crate::signing::SigningSecret::generate())
    }

    /// A token from a cookie value; `None` unless it has the right shape.
    pub fn from_cookie(text: &str) -> Option<Self> {
        crate::signing::SigningSecret::parse(text).map(Self)
    }

    /// The token, for the cookie.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub(crate) fn hash(&self) -> String {
        self.0.hash()
    }
}

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session this old ends, used or not.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(15 * 60),
            absolute: Duration::from_secs(8 * 3600),
        }
    }
}

/// A live session: who is signed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleSession {
    /// The operator.
    pub operator: OperatorName,
    /// Their role now (read at each request, so a change applies at once).
    pub role: Role,
}

impl ConsoleSession {
    /// The audit actor for this operator's actions.
    pub fn actor(&self) -> Actor {
        self.operator.actor()
    }
}

/// The answer to a sign-in.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: give the browser the token.
    Accepted {
        /// The new session's token (shown to nobody but the cookie).
        token: SessionToken,
        /// Who is signed in.
        session: ConsoleSession,
    },
    /// Wrong name or password, or a disabled operator (one answer for all).
    Refused,
    /// Too many failures for this account or from this address; the
    /// password was not even checked.
    Locked,
}

/// Which audit events to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this credential's events.
    pub credential: Option<CredentialId>,
    /// Only events whose actor contains this text.
    pub actor: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Events at or after this time.
    pub from: Option<SystemTime>,
    /// Events before this time.
    pub to: Option<SystemTime>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// Argon2id at OWASP's recommended minimum (19 MiB, 2 passes): an operator
/// password is long, and sign-in must stay fast on a shared server.
fn hasher() -> argon2::Argon2<'static> {
    let params = argon2::Params::new(19 * 1024, 2, 1, None).expect("valid Argon2 parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
}

fn hash_password(password: &Password) -> Result<String, VerifierError> {
    use argon2::password_hash::PasswordHasher;
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source failed");
    hasher()
        .hash_password_with_salt(password.bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|_| VerifierError::InvalidInput("the password cannot be hashed".into()))
}

/// A PHC string of a password nobody knows, checked when the name is unknown
/// or disabled so that the answer takes as long as for a real operator.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut random = Zeroizing::new([0u8; 24]);
        getrandom::fill(&mut *random).expect("the OS random source failed");
        let password = Password(Zeroizing::new(hex::encode(*random)));
        hash_password(&password).expect("a random password hashes")
    })
}

/// Checks `password` against a PHC string (its own parameters and salt;
/// the comparison inside is constant-time).
fn password_matches(password: &[u8], phc: &str) -> bool {
    use argon2::password_hash::PasswordVerifier;
    hasher().verify_password(password, phc).is_ok()
}

impl Verifier {
    /// Adds an operator with an Argon2id hash of `password`.
    pub async fn add_operator(
        &self,
        name: &OperatorName,
        role: Role,
        password: &Password,
        actor: &Actor,
    ) -> Result<(), VerifierError> {
        let hash = self.hash_in_background(password).await?;
        self.store
            .add_operator(NewOperator {
                name: name.clone(),
                role,
                password_hash: hash,
                actor: actor.clone(),
                now: self.now(),
            })
            .await
    }

    /// Replaces an operator's password; their open sessions end.
    pub async fn set_operator_password(
        &self,
        name: &OperatorName,
        password: &Password,
        actor: &Actor,
    ) -> Result<(), VerifierError> {
        let hash = self.hash_in_background(password).await?;
        self.store
            .set_operator_password(name, hash, actor, self.now())
            .await
    }

    /// Disables an operator: no more sign-ins, and their sessions end at once.
    pub async fn disable_operator(
        &self,
        name: &OperatorName,
        actor: &Actor,
    ) -> Result<(), VerifierError> {
        self.store.disable_operator(name, actor, self.now()).await
    }

    /// Every operator, by name.
    pub async fn operators(&self) -> Result<Vec<Operator>, VerifierError> {
        self.store.operators().await
    }

    async fn hash_in_background(&self, password: &Password) -> Result<String, VerifierError> {
        let copy = Password(password.0.clone());
        tokio::task::spawn_blocking(move || hash_password(&copy))
            .await
            .map_err(|_| VerifierError::Storage("hashing the password failed".into()))?
    }

    /// Signs an operator in from `address`. Failures are counted per
    /// account and per address; [`SIGN_IN_FAILURES_BEFORE_LOCK`] of them in
    /// [`SIGN_IN_LOCK`] lock that account or address for [`SIGN_IN_LOCK`].
    /// Every failure and every lock is audited (never the password).
    pub async fn console_sign_in(
        &self,
        name: &str,
        password: &Zeroizing<String>,
        address: IpAddr,
    ) -> Result<SignIn, VerifierError> {
        let rule = ThrottleRule {
            failures: SIGN_IN_FAILURES_BEFORE_LOCK,
            lock_ms: i64::try_from(SIGN_IN_LOCK.as_millis()).unwrap_or(i64::MAX),
        };
        let account = name.trim().to_owned();
        let address = address.to_string();
        let check = self
            .store
            .sign_in_check(&account, &address, self.now())
            .await?;
        let SignInCheck { locked, operator } = check;
        let valid_name = OperatorName::new(account.clone()).ok();
        if locked {
            self.store
                .record_sign_in_locked(&account, valid_name.as_ref(), &address, self.now())
                .await?;
            return Ok(SignIn::Locked);
        }
        let (phc, usable) = match &operator {
            Some(OperatorRow {
                password_hash,
                disabled,
                ..
            }) => (password_hash.clone(), !disabled),
            None => (dummy_hash().to_owned(), false),
        };
        let typed = password.clone();
        let matches = tokio::task::spawn_blocking(move || password_matches(typed.as_bytes(), &phc))
            .await
            .map_err(|_| VerifierError::Storage("checking the password failed".into()))?;
        match (matches && usable, operator, valid_name) {
            (true, Some(row), Some(name)) => {
                let token = SessionToken::generate();
                let accepted = self
                    .store
                    .start_session(NewSession {
                        token_hash: token.hash(),
                        operator: name.clone(),
                        address,
                        now: self.now(),
                    })
                    .await?;
                if !accepted {
                    return Ok(SignIn::Locked);
                }
                Ok(SignIn::Accepted {
                    token,
                    session: ConsoleSession {
                        operator: name,
                        role: row.role,
                    },
                })
            }
            (_, _, valid_name) => {
                let locked = self
                    .store
                    .record_sign_in_failure(FailedSignIn {
                        account,
                        operator: valid_name,
                        address,
                        rule,
                        now: self.now(),
                    })
                    .await?;
                Ok(if locked {
                    SignIn::Locked
                } else {
                    SignIn::Refused
                })
            }
        }
    }

    /// The live session `token` names, if any: `None` when unknown, idle
    /// longer than `policy.idle`, older than `policy.absolute`, or its
    /// operator disabled (an ended session is deleted). A live session's
    /// last use is set to now.
    pub async fn console_session(
        &self,
        token: &SessionToken,
        policy: SessionPolicy,
    ) -> Result<Option<ConsoleSession>, VerifierError> {
        let idle = i64::try_from(policy.idle.as_millis()).unwrap_or(i64::MAX);
        let absolute = i64::try_from(policy.absolute.as_millis()).unwrap_or(i64::MAX);
        self.store
            .touch_session(token.hash(), idle, absolute, self.now())
            .await
    }

    /// Ends a session (sign-out); audited.
    pub async fn console_sign_out(&self, token: &SessionToken) -> Result<(), VerifierError> {
        self.store.end_session(token.hash(), self.now()).await
    }

    /// Unblocks a credential after the operator recorded how the customer's
    /// identity was checked: the note is audited (`identity_checked`) in the
    /// same transaction as the unblock, and nothing happens without it.
    pub async fn unblock_after_identity_check(
        &self,
        id: &CredentialId,
        how: &str,
        actor: &Actor,
    ) -> Result<(), VerifierError> {
        let how = crate::ids::block_reason(how).map_err(|_| {
            VerifierError::InvalidInput(format!(
                "say how the identity was checked: one line of 1 to {} visible characters",
                crate::ids::MAX_REASON_LEN
            ))
        })?;
        self.store
            .record_identity_check(id, how, actor, self.now())
            .await?;
        self.unblock(id, actor).await
    }

    /// Audit events matching `filter`, newest first.
    pub async fn audit_filtered(
        &self,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEvent>, VerifierError> {
        self.store
            .audit_filtered(
                filter.credential.as_ref().map(CredentialId::as_str),
                filter.actor.as_deref(),
                filter.action.as_deref(),
                filter.from.map(to_millis),
                filter.to.map(to_millis),
                filter.limit.clamp(1, 10_000),
            )
            .await
    }
}

pub(crate) fn operator_from_row(
    name: String,
    role: &str,
    disabled: bool,
    created: i64,
) -> Result<Operator, VerifierError> {
    Ok(Operator {
        name: OperatorName(name),
        role: Role::from_stored(role)?,
        disabled,
        created: from_millis(created),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_or_blank_passwords_are_refused_with_the_minimum() {
        for bad in ["", "short", "elevenchars", "            "] {
            let error = Password::new(Zeroizing::new(bad.into())).unwrap_err();
            assert!(
                error.to_string().contains("at least 12"),
                "{bad:?}: {error}"
            );
        }
        assert!(Password::new(Zeroizing::new("twelve chars".into())).is_ok());
        assert!(Password::new(Zeroizing::new("x".repeat(MAX_PASSWORD_CHARS + 1))).is_err());
    }

    #[test]
    fn a_hash_is_an_argon2id_phc_string_that_checks_only_its_password() {
        let password = Password::new(Zeroizing::new("correct horse battery".into())).unwrap();
        let phc = hash_password(&password).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(!phc.contains("correct"));
        assert!(password_matches(b"correct horse battery", &phc));
        assert!(!password_matches(b"correct horse batterY", &phc));
        assert!(!password_matches(b"correct horse battery", dummy_hash()));
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let password = Password::new(Zeroizing::new("a long secret password".into())).unwrap();
        assert!(!format!("{password:?}").contains("secret"));
        let token = SessionToken::generate();
        assert!(!format!("{token:?}").contains(token.as_str()));
        assert_eq!(token.as_str().len(), 64);
        assert_ne!(token.hash(), token.as_str());
    }

    #[test]
    fn operator_names_are_checked_and_make_console_actors() {
        let name = OperatorName::new("aigerim.k").unwrap();
        assert_eq!(name.actor().as_str(), "console:aigerim.k");
        for bad in [
            "",
            "a b",
            "a:b",
            "..",
            &"x".repeat(MAX_OPERATOR_NAME_LEN + 1),
        ] {
            assert!(OperatorName::new(bad).is_err(), "{bad:?}");
        }
        assert!(OperatorName::new("x".repeat(MAX_OPERATOR_NAME_LEN)).is_ok());
    }

    #[test]
    fn cookie_tokens_must_be_64_hex_digits() {
        assert!(SessionToken::from_cookie(&"a".repeat(64)).is_some());
        for bad in ["", "abc", &"g".repeat(64), &"a".repeat(65)] {
            assert!(SessionToken::from_cookie(bad).is_none(), "{bad:?}");
        }
    }
}
