//! SQLite schema and migrations, versioned with `PRAGMA user_version`.
//!
//! The audit table refuses UPDATE and DELETE through triggers, and a
//! challenge's code, amount, payee and credential cannot be changed once
//! written, so even a bug elsewhere in this crate cannot rewrite history or
//! the terms a customer signed.

use rusqlite::Connection;

/// Migrations in order; entry `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    r"
CREATE TABLE credentials (
    id            TEXT PRIMARY KEY,
    state         TEXT NOT NULL CHECK (state IN ('issued', 'active', 'blocked', 'revoked')),
    failures      INTEGER NOT NULL,
    failure_limit INTEGER NOT NULL CHECK (failure_limit BETWEEN 1 AND 5),
    key_version   INTEGER NOT NULL,
    sealed_seed   BLOB NOT NULL,
    activated     INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE TABLE challenges (
    id            BLOB PRIMARY KEY,
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    code          TEXT NOT NULL,
    amount_minor  INTEGER,
    payee         TEXT,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    used_at       INTEGER
) STRICT;
CREATE INDEX challenges_by_credential ON challenges (credential_id);
CREATE TRIGGER challenge_terms_are_fixed
    BEFORE UPDATE OF id, credential_id, code, amount_minor, payee, created_at, expires_at ON challenges
    BEGIN SELECT RAISE(ABORT, 'a challenge cannot change'); END;
CREATE TABLE audit (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    at            INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    credential_id TEXT,
    detail        TEXT NOT NULL
);
CREATE INDEX audit_by_credential ON audit (credential_id, seq);
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
",
    r"
CREATE INDEX challenges_by_expiry ON challenges (expires_at);
",
    // Lock ladder, repeated wrong responses, the webhook outbox (issue 12).
    r"
ALTER TABLE credentials ADD COLUMN lock_ladder TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN lock_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN locked_until INTEGER;
ALTER TABLE challenges ADD COLUMN wrong_tags BLOB NOT NULL DEFAULT x'';
CREATE TABLE outbox_events (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      TEXT NOT NULL UNIQUE,
    event_type    TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    body          TEXT NOT NULL
) STRICT;
CREATE TRIGGER outbox_events_are_fixed BEFORE UPDATE ON outbox_events
    BEGIN SELECT RAISE(ABORT, 'an outbox event cannot change'); END;
CREATE TABLE webhook_cursors (
    endpoint TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
) STRICT;
CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    event_seq       INTEGER NOT NULL REFERENCES outbox_events (seq),
    endpoint        TEXT NOT NULL,
    credential_id   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER NOT NULL DEFAULT 0,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    last_error      TEXT,
    UNIQUE (event_seq, endpoint)
) STRICT;
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint, state, credential_id, seq);
",
    // The contact-centre console (issue 13): operators with Argon2id PHC
    // strings, sessions known only by the SHA-256 of their token, and the
    // failed-sign-in counters per account and per client address.
    r"
CREATE TABLE operators (
    name          TEXT PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'supervisor')),
    password_hash TEXT NOT NULL,
    disabled      INTEGER NOT NULL CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;
CREATE TABLE console_sessions (
    token_sha256  TEXT PRIMARY KEY,
    operator      TEXT NOT NULL REFERENCES operators (name),
    created_at    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL
) STRICT;
CREATE INDEX console_sessions_by_operator ON console_sessions (operator);
CREATE TABLE console_throttle (
    scope            TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    subject          TEXT NOT NULL,
    failures         INTEGER NOT NULL,
    first_failure_at INTEGER NOT NULL,
    locked_until     INTEGER NOT NULL,
    PRIMARY KEY (scope, subject)
) STRICT;
",
    // Two-channel credentials (DESIGN 2b). Existing rows are envelope-only
    // and settled: their sealed K keeps opening and verifying unchanged.
    // `sealed_seed` (K) is empty while a two-channel credential awaits its
    // first activation code; `sealed_secret` (S) is set for two-channel only.
    r"
ALTER TABLE credentials ADD COLUMN kind TEXT NOT NULL DEFAULT 'envelope_only'
    CHECK (kind IN ('envelope_only', 'two_channel'));
ALTER TABLE credentials ADD COLUMN sealed_secret BLOB;
ALTER TABLE credentials ADD COLUMN activation TEXT NOT NULL DEFAULT 'settled'
    CHECK (activation IN ('settled', 'code_needed', 'pending'));
ALTER TABLE credentials ADD COLUMN activation_expires_at INTEGER;
",
    // Signing sessions (issue 14): a challenge shown on the hosted payer
    // page. The link token and the browser key it is exchanged for are kept
    // only as SHA-256; the challenge's terms are copied so a session stays
    // readable after a reissue drops its challenge. No foreign key to the
    // challenge for that reason; the purge deletes both by expiry.
    r"
CREATE TABLE signing_sessions (
    id             BLOB PRIMARY KEY,
    credential_id  TEXT NOT NULL REFERENCES credentials (id),
    challenge_id   BLOB NOT NULL UNIQUE,
    token_sha256   TEXT NOT NULL UNIQUE,
    browser_sha256 TEXT,
    document_code  TEXT NOT NULL,
    description    TEXT NOT NULL,
    requester      TEXT NOT NULL,
    return_url     TEXT NOT NULL,
    amount_minor   INTEGER,
    payee          TEXT,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'blocked', 'expired')),
    completed_at   INTEGER
) STRICT;
CREATE INDEX signing_sessions_by_expiry ON signing_sessions (expires_at);
CREATE TRIGGER signing_session_terms_are_fixed
    BEFORE UPDATE OF id, credential_id, challenge_id, token_sha256, document_code, description,
        requester, return_url, amount_minor, payee, created_at, expires_at ON signing_sessions
    BEGIN SELECT RAISE(ABORT, 'a signing session cannot change its terms'); END;
",
];

/// The schema version this build writes.
#[cfg(test)]
pub(crate) const VERSION: usize = MIGRATIONS.len();

/// Brings the schema up to date in one transaction.
pub(crate) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let version: usize = tx.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    for (index, migration) in MIGRATIONS.iter().enumerate().skip(version) {
        tx.execute_batch(migration)?;
        tx.pragma_update(None, "user_version", index + 1)?;
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> usize {
        conn.query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn a_version_one_database_is_upgraded_in_place_and_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute("INSERT INTO meta (key, value) VALUES ('k', 'v')", [])
            .unwrap();

        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), MIGRATIONS.len());
        let indexes: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'challenges_by_expiry'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 1);
        let kept: String = conn
            .query_row("SELECT value FROM meta WHERE key = 'k'", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(kept, "v");
        // Running again is a no-op, not a "index already exists" failure.
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), MIGRATIONS.len());
    }

    #[test]
    fn a_version_two_credential_becomes_envelope_only_and_settled() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(MIGRATIONS[1]).unwrap();
        conn.pragma_update(None, "user_version", 2).unwrap();
        conn.execute(
            "INSERT INTO credentials VALUES ('old', 'active', 1, 3, 2, X'0102', 1, 5, 6)",
            [],
        )
        .unwrap();
        migrate(&mut conn).unwrap();
        assert_eq!(version(&conn), VERSION);
        let row: (String, Option<Vec<u8>>, String, Option<i64>, Vec<u8>) = conn
            .query_row(
                "SELECT kind, sealed_secret, activation, activation_expires_at, sealed_seed
                 FROM credentials WHERE id = 'old'",
                [],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get(1)?,
                        row.get(2)?,
                        row.get(3)?,
                        row.get(4)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(
            row,
            (
                "envelope_only".into(),
                None,
                "settled".into(),
                None,
                vec![1, 2]
            )
        );
        let bad = conn.execute("UPDATE credentials SET kind = 'other'", []);
        assert!(bad.is_err(), "the kind is checked");
    }
}
