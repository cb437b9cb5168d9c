//! Signing sessions on PostgreSQL: the session rows written inside the
//! challenge and verify transactions, and the two operations of their own.
//! The link exchange locks the session row `FOR UPDATE`, so two nodes
//! opening one link at once give it to one browser only.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::{PgStore, append_audit};
use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::Outcome;
use crate::signing::{SessionState, SigningSessionId};
use crate::store::NewChallenge;
use crate::store::signing::{
    NewSessionRow, SESSION_COLUMNS, SessionRow, SigningStore, session_detail,
};

/// Writes the session of a new challenge (inside the challenge's transaction).
pub(super) async fn insert(
    client: &impl GenericClient,
    new: &NewChallenge,
    row: &NewSessionRow,
) -> Result<(), VerifierError> {
    let statement = client
        .prepare_cached(
            "INSERT INTO signing_sessions
                (id, credential_id, challenge_id, token_sha256, document_code, description,
                 requester, return_url, amount_minor, payee, created_at, expires_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending')",
        )
        .await?;
    client
        .execute(
            &statement,
            &[
                &&row.id.as_bytes()[..],
                &new.credential.as_str(),
                &&new.id.as_bytes()[..],
                &row.token_sha256,
                &new.code,
                &row.description,
                &row.requester,
                &row.return_url,
                &new.amount_minor,
                &new.payee,
                &new.now,
                &new.expires_at,
            ],
        )
        .await?;
    append_audit(
        client,
        new.now,
        &new.actor,
        "signing_session",
        Some(&new.credential),
        &session_detail(&row.id, "created"),
    )
    .await
}

/// Records what a verdict meant for its session (inside the verify transaction).
pub(super) async fn finish(
    client: &impl GenericClient,
    id: &SigningSessionId,
    credential: &CredentialId,
    outcome: &Outcome,
    actor: &Actor,
    now: i64,
) -> Result<(), VerifierError> {
    let Some(state) = SessionState::after(outcome) else {
        return Ok(());
    };
    let changed = client
        .execute(
            "UPDATE signing_sessions SET state = $2, completed_at = $3
             WHERE id = $1 AND credential_id = $4 AND state = 'pending'",
            &[
                &&id.as_bytes()[..],
                &state.as_str(),
                &now,
                &credential.as_str(),
            ],
        )
        .await?;
    if changed > 0 {
        append_audit(
            client,
            now,
            actor,
            "signing_session",
            Some(credential),
            &session_detail(id, state.as_str()),
        )
        .await?;
    }
    Ok(())
}

/// Deletes up to `max_rows` sessions that expired before `before`.
pub(super) async fn purge(
    client: &impl GenericClient,
    before: i64,
    max_rows: u32,
) -> Result<u64, VerifierError> {
    Ok(client
        .execute(
            "DELETE FROM signing_sessions WHERE id IN
             (SELECT id FROM signing_sessions WHERE expires_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)",
            &[&before, &i64::from(max_rows)],
        )
        .await?)
}

fn row(row: &tokio_postgres::Row) -> SessionRow {
    SessionRow {
        id: row.get(0),
        credential: row.get(1),
        browser_sha256: row.get(2),
        document_code: row.get(3),
        description: row.get(4),
        requester: row.get(5),
        return_url: row.get(6),
        amount_minor: row.get(7),
        payee: row.get(8),
        created_at: row.get(9),
        expires_at: row.get(10),
        state: row.get(11),
        completed_at: row.get(12),
        failures: i64::from(row.get::<_, i16>(13)),
        limit: i64::from(row.get::<_, i16>(14)),
        challenge_id: row.get(15),
    }
}

#[async_trait]
impl SigningStore for PgStore {
    async fn open_signing_link(
        &self,
        token_sha256: String,
        browser_sha256: String,
        now: i64,
    ) -> Result<Option<SigningSessionId>, VerifierError> {
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let found = tx
                    .query_opt(
                        "SELECT id, credential_id FROM signing_sessions
                         WHERE token_sha256 = $1 AND browser_sha256 IS NULL FOR UPDATE",
                        &[&token_sha256],
                    )
                    .await?;
                let Some(found) = found else {
                    return Ok(None);
                };
                let (id, credential): (Vec<u8>, String) = (found.get(0), found.get(1));
                tx.execute(
                    "UPDATE signing_sessions SET browser_sha256 = $2 WHERE id = $1",
                    &[&id, &browser_sha256],
                )
                .await?;
                let id = SigningSessionId::from_stored(id)?;
                append_audit(
                    tx,
                    now,
                    &Actor::new("signing-page").expect("a valid actor"),
                    "signing_session",
                    Some(&CredentialId::new(credential)?),
                    &session_detail(&id, "link opened"),
                )
                .await?;
                Ok(Some(id))
            })
        })
        .await
    }

    async fn signing_session(
        &self,
        id: SigningSessionId,
    ) -> Result<Option<SessionRow>, VerifierError> {
        let conn = self.conn().await?;
        let result = conn
            .query_opt(
                &format!("SELECT {SESSION_COLUMNS} WHERE s.id = $1"),
                &[&&id.as_bytes()[..]],
            )
            .await;
        conn.release();
        Ok(result?.as_ref().map(row))
    }
}
