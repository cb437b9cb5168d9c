//! The bank's own books: customers, their browser sessions, and payments
//! with the signing session each waits on. In memory, and with
//! `--data-dir` also in `bank.json` next to the verifier's data (written
//! whole after each change, to a temporary file renamed over the old one),
//! so a restart keeps customers, sessions and statements along with their
//! credentials.
//!
//! Nothing here is a MobiPass secret: the envelope and the activation code
//! pass through the pages once and are never kept. Browser sessions are
//! stored by the SHA-256 of their cookie token, so the table holds nothing a
//! visitor could present.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::signed_return::Outcome;

/// A customer of the demo bank.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Customer {
    /// The name typed at sign-up.
    pub name: String,
    /// The MobiPass credential the bank issued.
    pub credential_id: String,
}

/// Where a payment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PaymentState {
    /// Sent to the signing page, no final outcome back yet.
    Pending,
    /// Signed: booked on the statement.
    Accepted,
    /// The credential was blocked on the signing page: not booked.
    Blocked,
    /// The signing session expired: not booked.
    Expired,
}

impl From<Outcome> for PaymentState {
    fn from(outcome: Outcome) -> Self {
        match outcome {
            Outcome::Accepted => Self::Accepted,
            Outcome::Blocked => Self::Blocked,
            Outcome::Expired => Self::Expired,
        }
    }
}

/// A transfer the customer asked for.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Payment {
    /// The verifier's signing session (not a secret).
    pub session_id: String,
    /// Whose.
    pub credential_id: String,
    /// The recipient's name.
    pub payee_name: String,
    /// The recipient's account.
    pub account: String,
    /// Minor units.
    pub amount_minor: u64,
    /// Amount and account bound into the signature.
    pub linked: bool,
    /// Unix seconds when asked.
    pub created: u64,
    /// Where it stands.
    pub state: PaymentState,
    /// A sign-in with MobiPass, not a transfer.
    pub sign_in: bool,
    /// A sign-in's SHA-256 of the nonce in the browser's `bank_login`
    /// cookie; taken (`None`) once the sign-in opened its session.
    pub nonce: Option<[u8; 32]>,
}

/// The SHA-256 of a sign-in nonce, as the books keep it.
pub fn nonce_key(nonce: &str) -> [u8; 32] {
    session_key(nonce)
}

/// Why a return cannot be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettleError {
    /// No payment waits on this session.
    Unknown,
    /// The session's outcome was already booked (a replayed return).
    AlreadySettled,
}

#[derive(Default)]
struct Books {
    customers: HashMap<String, Customer>,
    sessions: HashMap<[u8; 32], String>,
    payments: Vec<Payment>,
}

/// The books as `bank.json` holds them (session keys in hex).
#[derive(serde::Serialize, serde::Deserialize)]
struct Saved {
    customers: Vec<Customer>,
    sessions: Vec<(String, String)>,
    payments: Vec<Payment>,
}

/// The books, shared by every handler.
#[derive(Clone, Default)]
pub struct Bank {
    books: Arc<Mutex<Books>>,
    file: Option<Arc<PathBuf>>,
}

/// A fresh random token (hex of 256 bits), for cookies.
pub fn random_token() -> Zeroizing<String> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    getrandom::fill(bytes.as_mut()).expect("the OS random source failed");
    Zeroizing::new(hex::encode(bytes.as_ref()))
}

fn session_key(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Now in unix seconds.
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Bank {
    /// Books kept in `file` too: read back if it exists.
    pub fn open(file: &Path) -> std::io::Result<Self> {
        let books = match std::fs::read(file) {
            Ok(bytes) => {
                let saved: Saved = serde_json::from_slice(&bytes)
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                let mut sessions = HashMap::new();
                for (key, id) in saved.sessions {
                    let mut raw = [0u8; 32];
                    hex::decode_to_slice(&key, &mut raw)
                        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
                    sessions.insert(raw, id);
                }
                Books {
                    customers: saved
                        .customers
                        .into_iter()
                        .map(|c| (c.credential_id.clone(), c))
                        .collect(),
                    sessions,
                    payments: saved.payments,
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Books::default(),
            Err(error) => return Err(error),
        };
        Ok(Self {
            books: Arc::new(Mutex::new(books)),
            file: Some(Arc::new(file.to_owned())),
        })
    }

    /// Writes the books to their file, if they have one. A failure is
    /// logged and the bank goes on from memory.
    fn save(&self, books: &Books) {
        let Some(file) = &self.file else {
            return;
        };
        let saved = Saved {
            customers: books.customers.values().cloned().collect(),
            sessions: books
                .sessions
                .iter()
                .map(|(k, v)| (hex::encode(k), v.clone()))
                .collect(),
            payments: books.payments.clone(),
        };
        if let Err(error) = write_atomically(file, &saved) {
            tracing::error!(%error, file = %file.display(), "demo bank: cannot save the books");
        }
    }

    fn books(&self) -> MutexGuard<'_, Books> {
        // A panic while holding the lock leaves the maps consistent (each
        // change is one insert), so a poisoned lock is still usable.
        self.books.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a new customer and opens a browser session; returns its token.
    pub fn add_customer(&self, customer: Customer) -> Zeroizing<String> {
        let token = random_token();
        let mut books = self.books();
        books
            .sessions
            .insert(session_key(&token), customer.credential_id.clone());
        books
            .customers
            .insert(customer.credential_id.clone(), customer);
        self.save(&books);
        token
    }

    /// A customer by credential id.
    pub fn customer(&self, credential_id: &str) -> Option<Customer> {
        self.books().customers.get(credential_id).cloned()
    }

    /// Opens a browser session for a known customer; returns its token.
    pub fn open_session(&self, credential_id: &str) -> Zeroizing<String> {
        let token = random_token();
        let mut books = self.books();
        books
            .sessions
            .insert(session_key(&token), credential_id.to_owned());
        self.save(&books);
        token
    }

    /// The customer a session cookie belongs to.
    pub fn customer_for(&self, token: &str) -> Option<Customer> {
        let books = self.books();
        let id = books.sessions.get(&session_key(token))?;
        books.customers.get(id).cloned()
    }

    /// Ends a browser session.
    pub fn sign_out(&self, token: &str) {
        let mut books = self.books();
        books.sessions.remove(&session_key(token));
        self.save(&books);
    }

    /// Records a payment waiting for its signature.
    pub fn add_payment(&self, payment: Payment) {
        let mut books = self.books();
        books.payments.push(payment);
        self.save(&books);
    }

    /// A payment by its signing session.
    pub fn payment(&self, session_id: &str) -> Option<Payment> {
        self.books()
            .payments
            .iter()
            .find(|p| p.session_id == session_id)
            .cloned()
    }

    /// All of a customer's payments, in the order asked.
    pub fn payments_of(&self, credential_id: &str) -> Vec<Payment> {
        self.books()
            .payments
            .iter()
            .filter(|p| p.credential_id == credential_id)
            .cloned()
            .collect()
    }

    /// Books the final outcome of a pending payment, once.
    pub fn settle(&self, session_id: &str, outcome: Outcome) -> Result<Payment, SettleError> {
        let mut books = self.books();
        let payment = books
            .payments
            .iter_mut()
            .find(|p| p.session_id == session_id)
            .ok_or(SettleError::Unknown)?;
        if payment.state != PaymentState::Pending {
            return Err(SettleError::AlreadySettled);
        }
        payment.state = outcome.into();
        let settled = payment.clone();
        self.save(&books);
        Ok(settled)
    }

    /// Completes an accepted sign-in once, for the browser holding its
    /// nonce: a session token for the customer, or `None` (not accepted,
    /// another browser, or already used).
    pub fn login(&self, session_id: &str, nonce: &str) -> Option<Zeroizing<String>> {
        use subtle::ConstantTimeEq;
        let presented = nonce_key(nonce);
        let credential_id = {
            let mut books = self.books();
            let payment = books
                .payments
                .iter_mut()
                .find(|p| p.session_id == session_id && p.state == PaymentState::Accepted)?;
            let expected = payment.nonce.filter(|_| payment.sign_in)?;
            if !bool::from(expected.ct_eq(&presented)) {
                return None;
            }
            payment.nonce = None;
            let id = payment.credential_id.clone();
            self.save(&books);
            id
        };
        Some(self.open_session(&credential_id))
    }

    /// A customer's accepted payments, newest first.
    pub fn statement(&self, credential_id: &str) -> Vec<Payment> {
        let books = self.books();
        let mut rows: Vec<Payment> = books
            .payments
            .iter()
            .filter(|p| {
                p.credential_id == credential_id && p.state == PaymentState::Accepted && !p.sign_in
            })
            .cloned()
            .collect();
        rows.reverse();
        rows
    }
}

/// `file` replaced whole by a private temporary file renamed over it.
fn write_atomically(file: &Path, saved: &Saved) -> std::io::Result<()> {
    use std::io::Write as _;
    let bytes = serde_json::to_vec_pretty(saved).map_err(std::io::Error::other)?;
    let temporary = file.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut out = options.open(&temporary)?;
    out.write_all(&bytes)?;
    out.sync_all()?;
    std::fs::rename(&temporary, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payment(session_id: &str, credential_id: &str) -> Payment {
        Payment {
            session_id: session_id.into(),
            credential_id: credential_id.into(),
            payee_name: "Electronic Store".into(),
            account: "KZ12 3456".into(),
            amount_minor: 1250,
            linked: true,
            created: 1,
            state: PaymentState::Pending,
            sign_in: false,
            nonce: None,
        }
    }

    #[test]
    fn a_session_token_finds_its_customer_until_sign_out() {
        let bank = Bank::default();
        let token = bank.add_customer(Customer {
            name: "Alice".into(),
            credential_id: "alice-1".into(),
        });
        assert_eq!(bank.customer_for(&token).unwrap().name, "Alice");
        assert!(bank.customer_for("not a token").is_none());
        bank.sign_out(&token);
        assert!(bank.customer_for(&token).is_none());
    }

    #[test]
    fn a_payment_settles_once_and_only_accepted_ones_reach_the_statement() {
        let bank = Bank::default();
        bank.add_payment(payment("s1", "alice-1"));
        bank.add_payment(payment("s2", "alice-1"));
        bank.add_payment(payment("s3", "bob-1"));
        assert!(
            bank.statement("alice-1").is_empty(),
            "pending is not booked"
        );
        assert_eq!(
            bank.settle("s1", Outcome::Accepted).unwrap().state,
            PaymentState::Accepted
        );
        assert_eq!(
            bank.settle("s1", Outcome::Accepted).unwrap_err(),
            SettleError::AlreadySettled
        );
        assert_eq!(
            bank.settle("s9", Outcome::Accepted).unwrap_err(),
            SettleError::Unknown
        );
        bank.settle("s2", Outcome::Blocked).unwrap();
        bank.settle("s3", Outcome::Accepted).unwrap();
        let rows = bank.statement("alice-1");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].session_id, "s1");
    }

    #[test]
    fn books_with_a_file_come_back_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bank.json");
        let bank = Bank::open(&file).unwrap();
        let token = bank.add_customer(Customer {
            name: "Alice".into(),
            credential_id: "alice-1".into(),
        });
        bank.add_payment(payment("s1", "alice-1"));
        bank.settle("s1", Outcome::Accepted).unwrap();
        let again = Bank::open(&file).unwrap();
        assert_eq!(again.customer_for(&token).unwrap().name, "Alice");
        assert_eq!(again.statement("alice-1").len(), 1);
        assert_eq!(
            again.settle("s1", Outcome::Accepted).unwrap_err(),
            SettleError::AlreadySettled,
            "a settled payment stays settled"
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(token.as_str()),
            "only the session's hash is kept"
        );
        std::fs::write(&file, "not json").unwrap();
        assert!(
            Bank::open(&file).is_err(),
            "damaged books are refused, not replaced"
        );
    }

    #[test]
    fn an_accepted_sign_in_opens_one_session_for_the_browser_with_its_nonce() {
        let bank = Bank::default();
        bank.add_customer(Customer {
            name: "Alice".into(),
            credential_id: "alice-1".into(),
        });
        let mut login = payment("s1", "alice-1");
        login.amount_minor = 0;
        login.account = String::new();
        login.sign_in = true;
        login.nonce = Some(nonce_key("nonce-a"));
        bank.add_payment(login);
        assert!(
            bank.login("s1", "nonce-a").is_none(),
            "not before it is accepted"
        );
        bank.settle("s1", Outcome::Accepted).unwrap();
        assert!(
            bank.login("s1", "nonce-b").is_none(),
            "not for another browser"
        );
        let token = bank.login("s1", "nonce-a").expect("a session");
        assert_eq!(bank.customer_for(&token).unwrap().name, "Alice");
        assert!(bank.login("s1", "nonce-a").is_none(), "only once");
        assert!(
            bank.statement("alice-1").is_empty(),
            "a sign-in is no payment"
        );
    }
}
