//! The PostgreSQL store, for several verifier nodes sharing one database.
//!
//! Each operation is one transaction on a pooled connection. A verification
//! locks its credential row with `SELECT ... FOR UPDATE`, so verifications of
//! one credential are serial across every node, while different credentials
//! proceed in parallel on different connections. Commits are durable
//! (`synchronous_commit` on, PostgreSQL's default) before an outcome returns.
//!
//! The master key sits behind an async `RwLock`: operations hold it shared,
//! a rotation exclusively, so no operation on this node decrypts with a key
//! that a concurrent rotation has just retired. Across nodes, the
//! fingerprint in the `meta` row is authoritative: every transaction that
//! seals or opens a seed reads it `FOR SHARE` first and fails closed ("the
//! master key was rotated; restart with the new key") if it names another
//! key. A rotation takes that row `FOR UPDATE` before anything else, so it
//! waits for every such transaction in flight, and every later one waits
//! for the rotation and then sees the new fingerprint: no seed is ever
//! sealed under a retired key, and no row inserted meanwhile is missed.

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use deadpool_postgres::{Hook, Object, Pool, Runtime};
use tokio::sync::RwLock;

use crate::clock::{Clock, from_millis, to_millis};
use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::{AuditEvent, CredentialStatus, State, Verified};
use crate::outbox::{Delivery, DeliveryInfo, OutboxCounts};
use crate::rules::{self, Activation, ChallengeRow, CredentialRow, CredentialUpdate};
use crate::seal::SealedSeed;
use crate::sealing_key::SealingKey;
use crate::store::{
    Attempt, Change, NewActivation, NewChallenge, NewKey, OutboxClaim, OutboxReport, Purge, Sealer,
    Store, issue_detail, purge_detail, stored_events,
};

mod operators;
mod signing;

/// Key of the advisory lock that serialises migrations between nodes.
const MIGRATION_LOCK: i64 = 0x4d6f_6269_5061_7373; // "MobiPass"

const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE credentials (
    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('issued', 'active', 'blocked', 'revoked')),
    failures      SMALLINT NOT NULL,
    failure_limit SMALLINT NOT NULL CHECK (failure_limit BETWEEN 1 AND 5),
    key_version   INTEGER NOT NULL,
    sealed_seed   BYTEA NOT NULL,
    activated     BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE TABLE challenges (
    id            BYTEA PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    code          TEXT NOT NULL,
    amount_minor  BIGINT,
    payee         TEXT,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    used_at       BIGINT
);
CREATE INDEX challenges_by_credential ON challenges (credential_id);
CREATE TABLE audit (
    seq           BIGSERIAL PRIMARY KEY,
    at            BIGINT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    credential_id TEXT,
    detail        TEXT NOT NULL
);
CREATE INDEX audit_by_credential ON audit (credential_id, seq);
CREATE FUNCTION mobipass_refuse() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;
CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION mobipass_refuse('the audit log is append-only');
CREATE TRIGGER audit_is_not_truncated BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION mobipass_refuse('the audit log is append-only');
CREATE TRIGGER challenge_terms_are_fixed
    BEFORE UPDATE OF id, credential_id, code, amount_minor, payee, created_at, expires_at ON challenges
    FOR EACH ROW EXECUTE FUNCTION mobipass_refuse('a challenge cannot change');
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
",
    r"
CREATE INDEX challenges_by_expiry ON challenges (expires_at);
",
    // Lock ladder, repeated wrong responses, the webhook outbox (issue 12).
    r"
ALTER TABLE credentials ADD COLUMN lock_ladder TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN lock_step SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN locked_until BIGINT;
ALTER TABLE challenges ADD COLUMN wrong_tags BYTEA NOT NULL DEFAULT '';
CREATE TABLE outbox_events (
    seq           BIGSERIAL PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,
    event_type    TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    body          TEXT NOT NULL
);
CREATE TRIGGER outbox_events_are_fixed BEFORE UPDATE ON outbox_events
    FOR EACH ROW EXECUTE FUNCTION mobipass_refuse('an outbox event cannot change');
CREATE TABLE webhook_cursors (
    endpoint TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);
CREATE TABLE webhook_deliveries (
    seq             BIGSERIAL PRIMARY KEY,
    event_seq       BIGINT NOT NULL REFERENCES outbox_events (seq),
    endpoint        TEXT NOT NULL,
    credential_id   TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    claimed_until   BIGINT NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    last_error      TEXT,
    UNIQUE (event_seq, endpoint)
);
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint, state, credential_id, seq);
",
    // The contact-centre console (issue 13); the same tables as SQLite's.
    r"
CREATE TABLE operators (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'supervisor')),
    password_hash TEXT NOT NULL,
    disabled      BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE TABLE console_sessions (
    token_sha256  TEXT PRIMARY KEY,
    operator      TEXT NOT NULL REFERENCES operators (name),
    created_at    BIGINT NOT NULL,
    last_seen     BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_operator ON console_sessions (operator);
CREATE TABLE console_throttle (
    scope            TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    subject          TEXT NOT NULL,
    failures         BIGINT NOT NULL,
    first_failure_at BIGINT NOT NULL,
    locked_until     BIGINT NOT NULL,
    PRIMARY KEY (scope, subject)
);
",
    // Two-channel credentials (DESIGN 2b); see the SQLite schema. Existing
    // rows are envelope-only and settled, so their sealed K keeps verifying.
    r"
ALTER TABLE credentials ADD COLUMN kind TEXT NOT NULL DEFAULT 'envelope_only'
    CHECK (kind IN ('envelope_only', 'two_channel'));
ALTER TABLE credentials ADD COLUMN sealed_secret BYTEA;
ALTER TABLE credentials ADD COLUMN activation TEXT NOT NULL DEFAULT 'settled'
    CHECK (activation IN ('settled', 'code_needed', 'pending'));
ALTER TABLE credentials ADD COLUMN activation_expires_at BIGINT;
ALTER TABLE credentials ADD CONSTRAINT two_channel_has_its_secret
    CHECK ((kind = 'two_channel') = (sealed_secret IS NOT NULL));
ALTER TABLE credentials ADD CONSTRAINT pending_has_its_expiry
    CHECK ((activation = 'pending') = (activation_expires_at IS NOT NULL));
",
    // Signing sessions (issue 14); see the SQLite schema.
    r"
CREATE TABLE signing_sessions (
    id             BYTEA PRIMARY KEY,
    credential_id  TEXT NOT NULL REFERENCES credentials (id),
    challenge_id   BYTEA NOT NULL UNIQUE,
    token_sha256   TEXT NOT NULL UNIQUE,
    browser_sha256 TEXT,
    document_code  TEXT NOT NULL,
    description    TEXT NOT NULL,
    requester      TEXT NOT NULL,
    return_url     TEXT NOT NULL,
    amount_minor   BIGINT,
    payee          TEXT,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'blocked', 'expired')),
    completed_at   BIGINT
);
CREATE INDEX signing_sessions_by_expiry ON signing_sessions (expires_at);
CREATE TRIGGER signing_session_terms_are_fixed
    BEFORE UPDATE OF id, credential_id, challenge_id, token_sha256, document_code, description,
        requester, return_url, amount_minor, payee, created_at, expires_at ON signing_sessions
    FOR EACH ROW EXECUTE FUNCTION mobipass_refuse('a signing session cannot change its terms');
",
];

/// How far (ms) behind the newest events the fan-out cursor stays (see
/// `outbox_claim`).
const FANOUT_MARGIN_MS: i64 = 120_000;

/// The PostgreSQL store.
pub(crate) struct PgStore {
    pool: Pool,
    master: RwLock<Sealer>,
}

fn storage(error: impl std::fmt::Display) -> VerifierError {
    VerifierError::Storage(error.to_string())
}

impl PgStore {
    /// Connects, migrates (under an advisory lock, so nodes starting together
    /// do not race) and checks the master key.
    pub(crate) async fn open(
        url: &str,
        master: SealingKey,
        config: &crate::Config,
    ) -> Result<Self, VerifierError> {
        let manager = super::pg_connect::manager(url)?;
        // Session settings of every pooled connection: no statement waits
        // for a row lock or runs for longer than configured, so one session
        // holding a row (a stuck node, an operator's psql) cannot stall us.
        let session = format!(
            "SET lock_timeout = {}; SET statement_timeout = {}",
            millis(config.pg_lock_timeout),
            millis(config.pg_statement_timeout)
        );
        let pool = Pool::builder(manager)
            .max_size(config.pg_pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(config.pg_pool_wait))
            .post_create(Hook::async_fn(move |client, _| {
                let session = session.clone();
                Box::pin(async move {
                    super::pg_connect::check_durable(client).await?;
                    client
                        .batch_execute(&session)
                        .await
                        .map_err(deadpool_postgres::HookError::Backend)
                })
            }))
            .build()
            .map_err(storage)?;
        let store = Self {
            pool,
            master: RwLock::new(Sealer::new(master)),
        };
        store.migrate().await?;
        store.check_master_key().await?;
        Ok(store)
    }

    /// A pooled connection for one operation.
    async fn conn(&self) -> Result<Conn, VerifierError> {
        Ok(Conn(Some(self.pool.get().await?)))
    }

    async fn migrate(&self) -> Result<(), VerifierError> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        // A migration may build an index over a large table, and waits for
        // another node migrating: neither is a stall to cut short.
        tx.batch_execute("SET LOCAL lock_timeout = 0; SET LOCAL statement_timeout = 0")
            .await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS mobipass_schema (version INTEGER NOT NULL)")
            .await?;
        let version: i32 = tx
            .query_opt("SELECT version FROM mobipass_schema", &[])
            .await?
            .map(|row| row.get(0))
            .unwrap_or(0);
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(migration).await?;
            let next = index as i32 + 1;
            tx.execute("DELETE FROM mobipass_schema", &[]).await?;
            tx.execute(
                "INSERT INTO mobipass_schema (version) VALUES ($1)",
                &[&next],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn check_master_key(&self) -> Result<(), VerifierError> {
        let client = self.pool.get().await?;
        let mine = self.master.read().await.fingerprint.clone();
        client
            .execute(
                "INSERT INTO meta (key, value) VALUES ('master_key_fingerprint', $1)
                 ON CONFLICT (key) DO NOTHING",
                &[&mine],
            )
            .await?;
        let stored: String = client
            .query_one(
                "SELECT value FROM meta WHERE key = 'master_key_fingerprint'",
                &[],
            )
            .await?
            .get(0);
        if stored == mine {
            Ok(())
        } else {
            Err(VerifierError::MasterKey(
                "this is not the master key the database's seeds are sealed under".into(),
            ))
        }
    }
}

/// Whole milliseconds, as PostgreSQL reads a bare timeout number.
fn millis(duration: Duration) -> u128 {
    duration.as_millis().max(1)
}

/// A pooled connection that goes back to the pool only through
/// [`Conn::release`], once its operation ran to the end (successfully or
/// not). Dropped any other way, the caller's future was cancelled mid-query
/// (a request deadline, a client gone): the server may still be running or
/// waiting on a statement of it, so the connection is detached and closed
/// rather than handed, still blocked, to the next operation.
struct Conn(Option<Object>);

impl Conn {
    fn release(mut self) {
        drop(self.0.take());
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            drop(Object::take(object));
        }
    }
}

impl Deref for Conn {
    type Target = Object;
    fn deref(&self) -> &Object {
        self.0.as_ref().expect("a connection until released")
    }
}

impl DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut Object {
        self.0.as_mut().expect("a connection until released")
    }
}

/// Appends the outbox events of a change, in the caller's transaction.
async fn append_events(
    client: &impl GenericClient,
    credential: &CredentialId,
    now: i64,
    events: &[crate::outbox::NewEvent],
    record_rejections: bool,
) -> Result<(), VerifierError> {
    for event in stored_events(events, credential, now, record_rejections) {
        let statement = client
            .prepare_cached(
                "INSERT INTO outbox_events (event_id, event_type, credential_id, created_at, body)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .await?;
        client
            .execute(
                &statement,
                &[
                    &event.id,
                    &event.kind.as_str(),
                    &credential.as_str(),
                    &now,
                    &event.body,
                ],
            )
            .await?;
    }
    Ok(())
}

async fn write_credential(
    client: &impl GenericClient,
    id: &CredentialId,
    update: &CredentialUpdate,
    now: i64,
) -> Result<(), VerifierError> {
    let statement = client
        .prepare_cached(
            "UPDATE credentials SET state = $2, failures = $3, activated = $4, lock_step = $5,
                 locked_until = $6, updated_at = $7 WHERE id = $1",
        )
        .await?;
    client
        .execute(
            &statement,
            &[
                &id.as_str(),
                &update.state.as_str(),
                &i16::from(update.failures),
                &update.activated,
                &i16::from(update.lock_step),
                &update.locked_until,
                &now,
            ],
        )
        .await?;
    Ok(())
}

async fn append_audit(
    client: &impl GenericClient,
    now: i64,
    actor: &Actor,
    action: &str,
    credential: Option<&CredentialId>,
    detail: &str,
) -> Result<(), VerifierError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO audit (at, actor, action, credential_id, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .await?;
    client
        .execute(
            &statement,
            &[
                &now,
                &actor.as_str(),
                &action,
                &credential.map(CredentialId::as_str),
                &detail,
            ],
        )
        .await?;
    Ok(())
}

/// The master key, if the database still names it (read `FOR SHARE`, so a
/// rotation waits for this transaction and this transaction for a rotation).
async fn checked_key<'a>(
    client: &impl GenericClient,
    sealer: &'a Sealer,
    lock: &str,
) -> Result<&'a SealingKey, VerifierError> {
    let statement = client
        .prepare_cached(&format!(
            "SELECT value FROM meta WHERE key = 'master_key_fingerprint' {lock}"
        ))
        .await?;
    let stored: Option<String> = client
        .query_opt(&statement, &[])
        .await?
        .map(|row| row.get(0));
    sealer.checked(stored.as_deref())
}

/// Loads and locks a credential row for the rest of the transaction.
async fn lock_credential(
    client: &impl GenericClient,
    id: &CredentialId,
) -> Result<CredentialRow, VerifierError> {
    let statement = client
        .prepare_cached(
            "SELECT state, failures, failure_limit, key_version, sealed_seed, activated,
                    lock_ladder, lock_step, locked_until,
                    kind, sealed_secret, activation, activation_expires_at
             FROM credentials WHERE id = $1 FOR UPDATE",
        )
        .await?;
    let row = client
        .query_opt(&statement, &[&id.as_str()])
        .await?
        .ok_or(VerifierError::UnknownCredential)?;
    Ok(CredentialRow {
        state: State::from_stored(row.get(0))?,
        failures: u8::try_from(row.get::<_, i16>(1)).map_err(storage)?,
        limit: u8::try_from(row.get::<_, i16>(2)).map_err(storage)?,
        key_version: u32::try_from(row.get::<_, i32>(3)).map_err(storage)?,
        sealed: SealedSeed(row.get(4)),
        activated: row.get(5),
        ladder: rules::parse_ladder(row.get(6))?,
        lock_step: u8::try_from(row.get::<_, i16>(7)).map_err(storage)?,
        locked_until: row.get(8),
        kind: rules::kind_from_stored(row.get(9))?,
        sealed_secret: row.get::<_, Option<Vec<u8>>>(10).map(SealedSeed),
        activation: Activation::from_stored(row.get(11), row.get(12))?,
    })
}

#[async_trait]
impl Store for PgStore {
    async fn issue(&self, new: NewKey) -> Result<(), VerifierError> {
        let sealer = self.master.read().await;
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            let master = checked_key(&tx, &sealer, "FOR SHARE").await?;
            let kind = new.issue_kind();
            let seal = rules::seal_new(master, &new.id, 1, kind, &new.secret)?;
            let (activation, expires_at) = seal.activation.to_stored();
            let inserted = tx
                .execute(
                    "INSERT INTO credentials
                        (id, state, failures, failure_limit, key_version, sealed_seed, activated, created_at, updated_at,
                         lock_ladder, kind, sealed_secret, activation, activation_expires_at)
                     VALUES ($1, 'issued', 0, $2, 1, $3, FALSE, $4, $4, $5, $6, $7, $8, $9)
                     ON CONFLICT (id) DO NOTHING",
                    &[
                        &new.id.as_str(),
                        &i16::from(new.policy.failure_limit),
                        &seal.sealed.0,
                        &new.now,
                        &rules::format_ladder(&new.policy.temporary_lock_minutes),
                        &kind.name(),
                        &seal.sealed_secret.map(|s| s.0),
                        &activation,
                        &expires_at,
                    ],
                )
                .await?;
            if inserted == 0 {
                return Err(VerifierError::AlreadyExists);
            }
            append_audit(
                &tx,
                new.now,
                &new.actor,
                "issued",
                Some(&new.id),
                &issue_detail(None, kind),
            )
            .await?;
            append_events(&tx, &new.id, new.now, &[rules::issued_event(&new.policy)], false).await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        conn.release();
        result
    }

    async fn reissue(&self, new: NewKey) -> Result<mobipass_scheme::EnvelopeKind, VerifierError> {
        let sealer = self.master.read().await;
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            let master = checked_key(&tx, &sealer, "FOR SHARE").await?;
            let current = lock_credential(&tx, &new.id).await?;
            rules::may_reissue(current.state)?;
            let version = current.key_version + 1;
            let kind = current.kind;
            let seal = rules::seal_new(master, &new.id, version, kind, &new.secret)?;
            let (activation, expires_at) = seal.activation.to_stored();
            tx.execute(
                "UPDATE credentials SET state = 'issued', failures = 0, key_version = $2,
                     sealed_seed = $3, activated = FALSE, lock_step = 0, locked_until = NULL,
                     updated_at = $4, sealed_secret = $5, activation = $6,
                     activation_expires_at = $7 WHERE id = $1",
                &[
                    &new.id.as_str(),
                    &(version as i32),
                    &seal.sealed.0,
                    &new.now,
                    &seal.sealed_secret.map(|s| s.0),
                    &activation,
                    &expires_at,
                ],
            )
            .await?;
            tx.execute(
                "DELETE FROM challenges WHERE credential_id = $1 AND used_at IS NULL",
                &[&new.id.as_str()],
            )
            .await?;
            append_audit(
                &tx,
                new.now,
                &new.actor,
                "reissued",
                Some(&new.id),
                &issue_detail(Some(version), kind),
            )
            .await?;
            append_events(
                &tx,
                &new.id,
                new.now,
                &[rules::reissued_event(version)],
                false,
            )
            .await?;
            tx.commit().await?;
            Ok(kind)
        }
        .await;
        conn.release();
        result
    }

    async fn activation_code(&self, new: NewActivation) -> Result<(), VerifierError> {
        let sealer = self.master.read().await;
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            let master = checked_key(&tx, &sealer, "FOR SHARE").await?;
            let current = lock_credential(&tx, &new.credential).await?;
            let activated =
                rules::activate(master, &new.credential, &current, &new.code, new.expires_at)?;
            let (activation, expires_at) = activated.activation.to_stored();
            tx.execute(
                "UPDATE credentials SET state = 'issued', activated = FALSE, key_version = $2,
                     sealed_seed = $3, sealed_secret = $4, activation = $5,
                     activation_expires_at = $6, updated_at = $7
                 WHERE id = $1",
                &[
                    &new.credential.as_str(),
                    &(activated.key_version as i32),
                    &activated.sealed.0,
                    &activated.sealed_secret.0,
                    &activation,
                    &expires_at,
                    &new.now,
                ],
            )
            .await?;
            append_audit(
                &tx,
                new.now,
                &new.actor,
                "activation_code",
                Some(&new.credential),
                &activated.audit_detail,
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        conn.release();
        result
    }

    async fn challenge(&self, new: NewChallenge) -> Result<(), VerifierError> {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            // A shared lock: challenges may be created in parallel, but not while
            // the credential is being blocked, revoked or reissued.
            let statement = tx
                .prepare_cached(
                    "SELECT state, activation, activation_expires_at FROM credentials
                     WHERE id = $1 FOR SHARE",
                )
                .await?;
            let row = tx
                .query_opt(&statement, &[&new.credential.as_str()])
                .await?
                .ok_or(VerifierError::UnknownCredential)?;
            rules::may_challenge(
                State::from_stored(row.get(0))?,
                Activation::from_stored(row.get(1), row.get(2))?,
                new.now,
            )?;
            let statement = tx
                .prepare_cached(
                    "INSERT INTO challenges (id, credential_id, code, amount_minor, payee, created_at, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .await?;
            tx.execute(
                &statement,
                &[
                    &&new.id.as_bytes()[..],
                    &new.credential.as_str(),
                    &new.code,
                    &new.amount_minor,
                    &new.payee,
                    &new.now,
                    &new.expires_at,
                ],
            )
            .await?;
            let detail = if new.amount_minor.is_some() {
                "linked"
            } else {
                "plain"
            };
            append_audit(
                &tx,
                new.now,
                &new.actor,
                "challenge",
                Some(&new.credential),
                detail,
            )
            .await?;
            if let Some(session) = &new.session {
                signing::insert(&tx, &new, session).await?;
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        conn.release();
        result
    }

    async fn verify(&self, attempt: Attempt) -> Result<Verified, VerifierError> {
        let sealer = self.master.read().await;
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            let master = checked_key(&tx, &sealer, "FOR SHARE").await?;
            let credential = lock_credential(&tx, &attempt.credential).await?;
            // Read once the row is ours: a wait for the lock does not stretch
            // the challenge's lifetime.
            let now = to_millis(attempt.clock.now());
            let statement = tx
                .prepare_cached(
                    "SELECT code, amount_minor, payee, expires_at, used_at IS NOT NULL, wrong_tags
                     FROM challenges WHERE id = $1 AND credential_id = $2",
                )
                .await?;
            let challenge = tx
                .query_opt(
                    &statement,
                    &[
                        &&attempt.challenge.as_bytes()[..],
                        &attempt.credential.as_str(),
                    ],
                )
                .await?
                .map(|row| ChallengeRow {
                    code: row.get(0),
                    amount_minor: row.get(1),
                    payee: row.get(2),
                    expires_at: row.get(3),
                    used: row.get(4),
                    wrong_tags: row.get(5),
                });
            let verdict = rules::judge(
                master,
                &attempt.credential,
                &credential,
                attempt.challenge.as_bytes(),
                challenge.as_ref(),
                now,
                &attempt.response,
            )?;
            if let Some(update) = &verdict.credential {
                write_credential(&tx, &attempt.credential, update, now).await?;
            }
            if let Some(tags) = &verdict.wrong_tags {
                let statement = tx
                    .prepare_cached("UPDATE challenges SET wrong_tags = $2 WHERE id = $1")
                    .await?;
                tx.execute(&statement, &[&&attempt.challenge.as_bytes()[..], tags])
                    .await?;
            }
            if verdict.confirms_activation {
                let statement = tx
                    .prepare_cached(
                        "UPDATE credentials SET activation = 'settled', activation_expires_at = NULL WHERE id = $1",
                    )
                    .await?;
                tx.execute(&statement, &[&attempt.credential.as_str()])
                    .await?;
            }
            if verdict.consume_challenge {
                let statement = tx
                    .prepare_cached("UPDATE challenges SET used_at = $2 WHERE id = $1")
                    .await?;
                tx.execute(&statement, &[&&attempt.challenge.as_bytes()[..], &now])
                    .await?;
            }
            for (action, detail) in verdict.audit_rows() {
                append_audit(
                    &tx,
                    now,
                    &attempt.actor,
                    action,
                    Some(&attempt.credential),
                    &detail,
                )
                .await?;
            }
            append_events(
                &tx,
                &attempt.credential,
                now,
                &verdict.events,
                attempt.record_rejections,
            )
            .await?;
            let verified = verdict.verified();
            if let Some(session) = &attempt.session {
                signing::finish(
                    &tx,
                    session,
                    &attempt.credential,
                    &verified.outcome,
                    &attempt.actor,
                    now,
                )
                .await?;
            }
            tx.commit().await?;
            Ok(verified)
        }
        .await;
        conn.release();
        result
    }

    async fn change(&self, change: Change) -> Result<(), VerifierError> {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            let credential = lock_credential(&tx, &change.credential).await?;
            let update = change.action.apply(&credential)?;
            write_credential(&tx, &change.credential, &update, change.now).await?;
            append_events(
                &tx,
                &change.credential,
                change.now,
                &[change.action.event()],
                false,
            )
            .await?;
            append_audit(
                &tx,
                change.now,
                &change.actor,
                change.action.audit_name(),
                Some(&change.credential),
                change.action.audit_detail(),
            )
            .await?;
            tx.commit().await?;
            Ok(())
        }
        .await;
        conn.release();
        result
    }

    async fn rotate_master_key(
        &self,
        new: SealingKey,
        actor: Actor,
        now: i64,
    ) -> Result<usize, VerifierError> {
        let mut sealer = self.master.write().await;
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            // Re-wrapping every seed is one long transaction by design.
            tx.batch_execute("SET LOCAL statement_timeout = 0").await?;
            // First, before any credential row: waits for every transaction that
            // seals or opens a seed, on any node, and holds off new ones.
            let old = checked_key(&tx, &sealer, "FOR UPDATE").await?;
            let rows = tx
                .query(
                    "SELECT id, key_version, sealed_seed, sealed_secret FROM credentials ORDER BY id FOR UPDATE",
                    &[],
                )
                .await?;
            for row in &rows {
                let id = CredentialId::new(row.get::<_, String>(0))?;
                let version = u32::try_from(row.get::<_, i32>(1)).map_err(storage)?;
                let secret = row.get::<_, Option<Vec<u8>>>(3).map(SealedSeed);
                let (sealed, secret) = rules::reseal(
                    old,
                    &new,
                    &id,
                    version,
                    &SealedSeed(row.get(2)),
                    secret.as_ref(),
                )?;
                tx.execute(
                    "UPDATE credentials SET sealed_seed = $2, sealed_secret = $3 WHERE id = $1",
                    &[&id.as_str(), &sealed.0, &secret.map(|s| s.0)],
                )
                .await?;
            }
            tx.execute(
                "UPDATE meta SET value = $1 WHERE key = 'master_key_fingerprint'",
                &[&new.fingerprint()],
            )
            .await?;
            append_audit(
                &tx,
                now,
                &actor,
                "master_key_rotated",
                None,
                &format!("{} seeds", rows.len()),
            )
            .await?;
            tx.commit().await?;
            *sealer = Sealer::new(new);
            Ok(rows.len())
        }
        .await;
        conn.release();
        result
    }

    async fn purge_challenges(&self, purge: Purge) -> Result<u64, VerifierError> {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
                let tx = client.transaction().await?;
                // SKIP LOCKED: nodes purging at once take different rows instead of
                // waiting for each other. (A verification reads its challenge without
                // a row lock; if a purge deletes it meanwhile, that long-expired
                // challenge is refused as expired or unknown, counting nothing.)
                // A session expires with its challenge (see the SQLite store).
                signing::purge(&tx, purge.expired_before, purge.max_rows).await?;
                let removed = tx
                    .execute(
                        "DELETE FROM challenges WHERE id IN \
                     (SELECT id FROM challenges WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
                        &[&purge.expired_before, &i64::from(purge.max_rows)],
                    )
                    .await?;
                if removed > 0 {
                    append_audit(
                        &tx,
                        purge.now,
                        &purge.actor,
                        "purge_challenges",
                        None,
                        &purge_detail(removed, purge.expired_before),
                    )
                    .await?;
                }
                tx.commit().await?;
                Ok(removed)
        }
        .await;
        conn.release();
        result
    }

    async fn clock_skew(&self, clock: &dyn Clock) -> Result<Option<i64>, VerifierError> {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            // Timed around the query alone (not the wait for a pooled
            // connection), against the middle of its round trip.
            let before = to_millis(clock.now());
            let row = client
                .query_one(
                    "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
                    &[],
                )
                .await?;
            let after = to_millis(clock.now());
            let database: i64 = row.get(0);
            Ok(Some(before + (after - before) / 2 - database))
        }
        .await;
        conn.release();
        result
    }

    async fn outbox_register(&self, endpoint: &str) -> Result<(), VerifierError> {
        let conn = self.conn().await?;
        let result: Result<_, VerifierError> = async {
            conn.execute(
                "INSERT INTO webhook_cursors (endpoint, last_seq)
                 VALUES ($1, (SELECT coalesce(max(seq), 0) FROM outbox_events))
                 ON CONFLICT (endpoint) DO NOTHING",
                &[&endpoint],
            )
            .await?;
            Ok(())
        }
        .await;
        conn.release();
        result
    }

    async fn outbox_claim(&self, claim: OutboxClaim) -> Result<Vec<Delivery>, VerifierError> {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            // The cursor row serialises fan-out per endpoint across nodes.
            let floor: Option<i64> = tx
                .query_opt(
                    "SELECT last_seq FROM webhook_cursors WHERE endpoint = $1 FOR UPDATE",
                    &[&claim.endpoint],
                )
                .await?
                .map(|row| row.get(0));
            let Some(floor) = floor else {
                return Ok(Vec::new());
            };
            let types = crate::store::sqlite::claim_types(&claim.events);
            tx.execute(
                &format!(
                    "INSERT INTO webhook_deliveries (event_seq, endpoint, credential_id, created_at, next_attempt_at)
                     SELECT seq, $1, credential_id, $3, 0 FROM outbox_events
                     WHERE seq > $2 AND event_type IN ({types}) ORDER BY seq
                     ON CONFLICT (event_seq, endpoint) DO NOTHING"
                ),
                &[&claim.endpoint, &floor, &claim.now],
            )
            .await?;
            // Sequence numbers are taken at insert, not at commit: an event
            // with a lower number can still commit after a higher one. So
            // the floor only passes events older than FANOUT_MARGIN, far
            // longer than any transaction runs (statement and lock timeouts),
            // and the rows above it are fanned out again (ON CONFLICT
            // skips the ones already done).
            tx.execute(
                "UPDATE webhook_cursors SET last_seq = floor.seq
                 FROM (SELECT coalesce(max(seq), 0) AS seq FROM outbox_events WHERE created_at < $2) AS floor
                 WHERE endpoint = $1 AND last_seq < floor.seq",
                &[&claim.endpoint, &(claim.now - FANOUT_MARGIN_MS)],
            )
            .await?;
            let rows = tx
                .query(
                    "SELECT d.seq, e.event_id, e.event_type, d.credential_id, e.body, d.attempts
                     FROM webhook_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
                     WHERE d.endpoint = $1 AND d.state = 'pending'
                       AND d.next_attempt_at <= $2 AND d.claimed_until <= $2
                       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                           WHERE o.endpoint = d.endpoint AND o.credential_id = d.credential_id
                             AND o.state = 'pending' AND o.event_seq < d.event_seq)
                     ORDER BY d.event_seq LIMIT $3
                     FOR UPDATE OF d SKIP LOCKED",
                    &[&claim.endpoint, &claim.now, &i64::from(claim.max)],
                )
                .await?;
            let mut deliveries = Vec::with_capacity(rows.len());
            for row in &rows {
                let seq: i64 = row.get(0);
                tx.execute(
                    "UPDATE webhook_deliveries SET claimed_until = $2 WHERE seq = $1",
                    &[&seq, &claim.now.saturating_add(claim.lease)],
                )
                .await?;
                deliveries.push(Delivery {
                    seq,
                    event_id: row.get(1),
                    event_type: row.get(2),
                    credential_id: row.get(3),
                    body: row.get(4),
                    attempts: u32::try_from(row.get::<_, i32>(5)).map_err(storage)?,
                });
            }
            tx.commit().await?;
            Ok(deliveries)
        }
        .await;
        conn.release();
        result
    }

    async fn outbox_report(&self, report: OutboxReport) -> Result<(), VerifierError> {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let tx = client.transaction().await?;
            match &report.error {
                None => {
                    tx.execute(
                        "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1,
                             claimed_until = 0, last_error = NULL WHERE seq = $1 AND state = 'pending'",
                        &[&report.seq],
                    )
                    .await?;
                }
                Some(error) => {
                    let row = tx
                        .query_opt(
                            "SELECT attempts, created_at FROM webhook_deliveries
                             WHERE seq = $1 AND state = 'pending' FOR UPDATE",
                            &[&report.seq],
                        )
                        .await?;
                    if let Some(row) = row {
                        let attempts = u32::try_from(row.get::<_, i32>(0)).map_err(storage)? + 1;
                        let (state, next) =
                            crate::outbox::after_failure(attempts, row.get(1), report.now);
                        tx.execute(
                            "UPDATE webhook_deliveries SET state = $2, attempts = attempts + 1,
                                 next_attempt_at = $3, claimed_until = 0, last_error = $4 WHERE seq = $1",
                            &[&report.seq, &state, &next, error],
                        )
                        .await?;
                    }
                }
            }
            tx.commit().await?;
            Ok(())
        }
        .await;
        conn.release();
        result
    }

    async fn outbox_redeliver(&self, seq: Option<i64>, now: i64) -> Result<u64, VerifierError> {
        let conn = self.conn().await?;
        let result: Result<_, VerifierError> = async {
            Ok(conn
                .execute(
                    "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = $2,
                         created_at = $2, claimed_until = 0
                     WHERE state = 'failed' AND ($1::BIGINT IS NULL OR seq = $1)",
                    &[&seq, &now],
                )
                .await?)
        }
        .await;
        conn.release();
        result
    }

    async fn outbox_failed(&self, limit: usize) -> Result<Vec<DeliveryInfo>, VerifierError> {
        let conn = self.conn().await?;
        let result: Result<_, VerifierError> = async {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = conn
                .query(
                    "SELECT d.seq, d.endpoint, e.event_id, e.event_type, d.credential_id, d.attempts, d.last_error
                     FROM webhook_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
                     WHERE d.state = 'failed' ORDER BY d.seq LIMIT $1",
                    &[&limit],
                )
                .await?;
            rows.iter()
                .map(|row| {
                    Ok(DeliveryInfo {
                        seq: row.get(0),
                        endpoint: row.get(1),
                        event_id: row.get(2),
                        event_type: row.get(3),
                        credential_id: row.get(4),
                        attempts: u32::try_from(row.get::<_, i32>(5)).map_err(storage)?,
                        last_error: row.get(6),
                    })
                })
                .collect()
        }
        .await;
        conn.release();
        result
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, VerifierError> {
        let conn = self.conn().await?;
        let result: Result<_, VerifierError> = async {
            let row = conn
                .query_one(
                    "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed')
                     FROM webhook_deliveries WHERE state <> 'delivered'",
                    &[],
                )
                .await?;
            Ok(OutboxCounts {
                pending: u64::try_from(row.get::<_, i64>(0)).unwrap_or(0),
                failed: u64::try_from(row.get::<_, i64>(1)).unwrap_or(0),
            })
        }
        .await;
        conn.release();
        result
    }

    async fn status(&self, id: &CredentialId, now: i64) -> Result<CredentialStatus, VerifierError> {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let statement = client
                .prepare_cached(
                    "SELECT state, failures, failure_limit, key_version, created_at, updated_at,
                            lock_ladder, lock_step, locked_until,
                            kind, activation, activation_expires_at
                     FROM credentials WHERE id = $1",
                )
                .await?;
            let row = client
                .query_opt(&statement, &[&id.as_str()])
                .await?
                .ok_or(VerifierError::UnknownCredential)?;
            let expires_at: Option<i64> = row.get(11);
            let activation = Activation::from_stored(row.get(10), expires_at)?;
            Ok(CredentialStatus {
                id: id.clone(),
                kind: rules::kind_from_stored(row.get(9))?,
                activation_code_needed: activation == Activation::CodeNeeded,
                activation_expires_at: expires_at.map(from_millis),
                state: State::from_stored(row.get(0))?,
                failures: u8::try_from(row.get::<_, i16>(1)).map_err(storage)?,
                limit: u8::try_from(row.get::<_, i16>(2)).map_err(storage)?,
                temporary_lock_minutes: rules::parse_ladder(row.get(6))?,
                lock_step: u8::try_from(row.get::<_, i16>(7)).map_err(storage)?,
                locked_until: rules::current_lock(row.get(8), now).map(from_millis),
                key_version: u32::try_from(row.get::<_, i32>(3)).map_err(storage)?,
                created: from_millis(row.get(4)),
                updated: from_millis(row.get(5)),
            })
        }
        .await;
        conn.release();
        result
    }

    async fn audit(
        &self,
        id: Option<&CredentialId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, VerifierError> {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<_, VerifierError> = async {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let columns = "SELECT seq, at, actor, action, credential_id, detail FROM audit";
            let rows = match id {
                Some(id) => {
                    client
                        .query(
                            &format!(
                                "{columns} WHERE credential_id = $1 ORDER BY seq DESC LIMIT $2"
                            ),
                            &[&id.as_str(), &limit],
                        )
                        .await?
                }
                None => {
                    client
                        .query(&format!("{columns} ORDER BY seq DESC LIMIT $1"), &[&limit])
                        .await?
                }
            };
            Ok(rows
                .iter()
                .map(|row| AuditEvent {
                    seq: row.get(0),
                    at: from_millis(row.get(1)),
                    actor: row.get(2),
                    action: row.get(3),
                    credential: row.get(4),
                    detail: row.get(5),
                })
                .collect())
        }
        .await;
        conn.release();
        result
    }
}
