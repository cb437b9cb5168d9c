//! Signing sessions on SQLite: the session rows written inside the
//! challenge and verify jobs, and the two operations of their own.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::ops::append_audit;
use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::Outcome;
use crate::signing::{SessionState, SigningSessionId};
use crate::store::NewChallenge;
use crate::store::signing::{
    NewSessionRow, SESSION_COLUMNS, SessionRow, SigningStore, session_detail,
};

/// Writes the session of a new challenge (inside the challenge's job).
pub(super) fn insert(
    conn: &Connection,
    new: &NewChallenge,
    row: &NewSessionRow,
) -> Result<(), VerifierError> {
    conn.prepare_cached(
        "INSERT INTO signing_sessions
            (id, credential_id, challenge_id, token_sha256, document_code, description,
             requester, return_url, amount_minor, payee, created_at, expires_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'pending')",
    )?
    .execute(params![
        &row.id.as_bytes()[..],
        new.credential.as_str(),
        &new.id.as_bytes()[..],
        row.token_sha256,
        new.code,
        row.description,
        row.requester,
        row.return_url,
        new.amount_minor,
        new.payee,
        new.now,
        new.expires_at
    ])?;
    append_audit(
        conn,
        new.now,
        &new.actor,
        "signing_session",
        Some(&new.credential),
        &session_detail(&row.id, "created"),
    )?;
    Ok(())
}

/// Records what a verdict meant for its session (inside the verify job).
pub(super) fn finish(
    conn: &Connection,
    id: &SigningSessionId,
    credential: &CredentialId,
    outcome: &Outcome,
    actor: &Actor,
    now: i64,
) -> Result<(), VerifierError> {
    let Some(state) = SessionState::after(outcome) else {
        return Ok(());
    };
    let changed = conn
        .prepare_cached(
            "UPDATE signing_sessions SET state = ?2, completed_at = ?3
             WHERE id = ?1 AND credential_id = ?4 AND state = 'pending'",
        )?
        .execute(params![
            &id.as_bytes()[..],
            state.as_str(),
            now,
            credential.as_str()
        ])?;
    if changed > 0 {
        append_audit(
            conn,
            now,
            actor,
            "signing_session",
            Some(credential),
            &session_detail(id, state.as_str()),
        )?;
    }
    Ok(())
}

/// Deletes up to `max_rows` sessions that expired before `before`.
pub(super) fn purge(conn: &Connection, before: i64, max_rows: u32) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "DELETE FROM signing_sessions WHERE id IN
         (SELECT id FROM signing_sessions WHERE expires_at < ?1 LIMIT ?2)",
    )?
    .execute(params![before, max_rows])
}

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    Ok(SessionRow {
        id: row.get(0)?,
        credential: row.get(1)?,
        browser_sha256: row.get(2)?,
        document_code: row.get(3)?,
        description: row.get(4)?,
        requester: row.get(5)?,
        return_url: row.get(6)?,
        amount_minor: row.get(7)?,
        payee: row.get(8)?,
        created_at: row.get(9)?,
        expires_at: row.get(10)?,
        state: row.get(11)?,
        completed_at: row.get(12)?,
        failures: row.get(13)?,
        limit: row.get(14)?,
        challenge_id: row.get(15)?,
    })
}

#[async_trait]
impl SigningStore for SqliteStore {
    async fn open_signing_link(
        &self,
        token_sha256: String,
        browser_sha256: String,
        now: i64,
    ) -> Result<Option<SigningSessionId>, VerifierError> {
        self.write(move |conn, _| {
            let found: Option<(Vec<u8>, String)> = conn
                .prepare_cached(
                    "SELECT id, credential_id FROM signing_sessions
                     WHERE token_sha256 = ?1 AND browser_sha256 IS NULL",
                )?
                .query_row([&token_sha256], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            let Some((id, credential)) = found else {
                return Ok(None);
            };
            conn.prepare_cached("UPDATE signing_sessions SET browser_sha256 = ?2 WHERE id = ?1")?
                .execute(params![id, browser_sha256])?;
            let id = SigningSessionId::from_stored(id)?;
            append_audit(
                conn,
                now,
                &Actor::new("signing-page").expect("a valid actor"),
                "signing_session",
                Some(&CredentialId::new(credential)?),
                &session_detail(&id, "link opened"),
            )?;
            Ok(Some(id))
        })
        .await
    }

    async fn signing_session(
        &self,
        id: SigningSessionId,
    ) -> Result<Option<SessionRow>, VerifierError> {
        self.read(move |conn| {
            Ok(conn
                .prepare_cached(&format!("SELECT {SESSION_COLUMNS} WHERE s.id = ?1"))?
                .query_row([&id.as_bytes()[..]], row)
                .optional()?)
        })
        .await
    }
}
