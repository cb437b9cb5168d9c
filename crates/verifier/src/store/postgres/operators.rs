//! Console operators on PostgreSQL: each method one transaction; failure
//! counters and sessions are locked `FOR UPDATE`, so nodes sharing the
//! database count every failure once and end a session once.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;

use super::{PgStore, append_audit, storage};
use crate::clock::from_millis;
use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::AuditEvent;
use crate::operators::{ConsoleSession, Operator, OperatorName, Role, operator_from_row};
use crate::store::operators::{
    FailedSignIn, NewOperator, NewSession, OperatorRow, OperatorStore, SignInCheck, Throttle,
    from_address, sign_in_actor, unknown_operator,
};

async fn throttle_row(
    client: &impl GenericClient,
    scope: &str,
    subject: &str,
    lock: &str,
) -> Result<Option<Throttle>, VerifierError> {
    let row = client
        .query_opt(
            &format!(
                "SELECT failures, first_failure_at, locked_until FROM console_throttle
                 WHERE scope = $1 AND subject = $2 {lock}"
            ),
            &[&scope, &subject],
        )
        .await?;
    row.map(|row| {
        Ok(Throttle {
            failures: u32::try_from(row.get::<_, i64>(0)).map_err(storage)?,
            first_failure_at: row.get(1),
            locked_until: row.get(2),
        })
    })
    .transpose()
}

async fn locked_now(
    client: &impl GenericClient,
    account: &str,
    address: &str,
    now: i64,
) -> Result<bool, VerifierError> {
    Ok(
        Throttle::locked(throttle_row(client, "account", account, "").await?, now)
            || Throttle::locked(throttle_row(client, "address", address, "").await?, now),
    )
}

async fn operator_row(
    client: &impl GenericClient,
    name: &str,
    lock: &str,
) -> Result<Option<OperatorRow>, VerifierError> {
    let row = client
        .query_opt(
            &format!("SELECT role, password_hash, disabled FROM operators WHERE name = $1 {lock}"),
            &[&name],
        )
        .await?;
    row.map(|row| {
        Ok(OperatorRow {
            role: Role::from_stored(row.get(0))?,
            password_hash: row.get(1),
            disabled: row.get(2),
        })
    })
    .transpose()
}

impl PgStore {
    /// Runs `work` in one transaction on a pooled connection.
    pub(super) async fn in_transaction<T, F>(&self, work: F) -> Result<T, VerifierError>
    where
        F: for<'t> FnOnce(
                &'t deadpool_postgres::Transaction<'t>,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<T, VerifierError>> + Send + 't>,
            > + Send,
        T: Send,
    {
        let mut conn = self.conn().await?;
        let client = &mut *conn;
        let result: Result<T, VerifierError> = async {
            let tx = client.transaction().await?;
            let value = work(&tx).await?;
            tx.commit().await?;
            Ok(value)
        }
        .await;
        conn.release();
        result
    }
}

#[async_trait]
impl OperatorStore for PgStore {
    async fn add_operator(&self, new: NewOperator) -> Result<(), VerifierError> {
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let inserted = tx
                    .execute(
                        "INSERT INTO operators (name, role, password_hash, disabled, created_at, updated_at)
                         VALUES ($1, $2, $3, FALSE, $4, $4) ON CONFLICT (name) DO NOTHING",
                        &[
                            &new.name.as_str(),
                            &new.role.as_str(),
                            &new.password_hash,
                            &new.now,
                        ],
                    )
                    .await?;
                if inserted == 0 {
                    return Err(VerifierError::InvalidInput(
                        "an operator with this name exists already".into(),
                    ));
                }
                let detail = format!("{} added as {}", new.name, new.role.as_str());
                append_audit(tx, new.now, &new.actor, "operator_added", None, &detail).await
            })
        })
        .await
    }

    async fn set_operator_password(
        &self,
        name: &OperatorName,
        hash: String,
        actor: &Actor,
        now: i64,
    ) -> Result<(), VerifierError> {
        let (name, actor) = (name.clone(), actor.clone());
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let changed = tx
                    .execute(
                        "UPDATE operators SET password_hash = $2, updated_at = $3 WHERE name = $1",
                        &[&name.as_str(), &hash, &now],
                    )
                    .await?;
                if changed == 0 {
                    return Err(unknown_operator());
                }
                tx.execute(
                    "DELETE FROM console_sessions WHERE operator = $1",
                    &[&name.as_str()],
                )
                .await?;
                let detail = format!("password of {name} changed; its sessions ended");
                append_audit(tx, now, &actor, "operator_password_changed", None, &detail).await
            })
        })
        .await
    }

    async fn disable_operator(
        &self,
        name: &OperatorName,
        actor: &Actor,
        now: i64,
    ) -> Result<(), VerifierError> {
        let (name, actor) = (name.clone(), actor.clone());
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let changed = tx
                    .execute(
                        "UPDATE operators SET disabled = TRUE, updated_at = $2 WHERE name = $1",
                        &[&name.as_str(), &now],
                    )
                    .await?;
                if changed == 0 {
                    return Err(unknown_operator());
                }
                tx.execute(
                    "DELETE FROM console_sessions WHERE operator = $1",
                    &[&name.as_str()],
                )
                .await?;
                let detail = format!("{name} disabled; its sessions ended");
                append_audit(tx, now, &actor, "operator_disabled", None, &detail).await
            })
        })
        .await
    }

    async fn operators(&self) -> Result<Vec<Operator>, VerifierError> {
        self.in_transaction(|tx| {
            Box::pin(async move {
                let rows = tx
                    .query(
                        "SELECT name, role, disabled, created_at FROM operators ORDER BY name",
                        &[],
                    )
                    .await?;
                rows.iter()
                    .map(|row| operator_from_row(row.get(0), row.get(1), row.get(2), row.get(3)))
                    .collect()
            })
        })
        .await
    }

    async fn sign_in_check(
        &self,
        account: &str,
        address: &str,
        now: i64,
    ) -> Result<SignInCheck, VerifierError> {
        let (account, address) = (account.to_owned(), address.to_owned());
        self.in_transaction(move |tx| {
            Box::pin(async move {
                Ok(SignInCheck {
                    locked: locked_now(tx, &account, &address, now).await?,
                    operator: operator_row(tx, &account, "").await?,
                })
            })
        })
        .await
    }

    async fn record_sign_in_locked(
        &self,
        _account: &str,
        operator: Option<&OperatorName>,
        address: &str,
        now: i64,
    ) -> Result<(), VerifierError> {
        let actor = sign_in_actor(operator);
        let detail = from_address(address);
        self.in_transaction(move |tx| {
            Box::pin(async move {
                append_audit(
                    tx,
                    now,
                    &actor,
                    "console_sign_in_refused_locked",
                    None,
                    &detail,
                )
                .await
            })
        })
        .await
    }

    async fn record_sign_in_failure(&self, failed: FailedSignIn) -> Result<bool, VerifierError> {
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let actor = sign_in_actor(failed.operator.as_ref());
                let detail = from_address(&failed.address);
                append_audit(tx, failed.now, &actor, "console_sign_in_failed", None, &detail)
                    .await?;
                let mut locked = false;
                for (scope, subject) in
                    [("account", &failed.account), ("address", &failed.address)]
                {
                    // A row to lock, so two nodes counting at once count twice.
                    tx.execute(
                        "INSERT INTO console_throttle (scope, subject, failures, first_failure_at, locked_until)
                         VALUES ($1, $2, 0, $3, 0) ON CONFLICT (scope, subject) DO NOTHING",
                        &[&scope, subject, &failed.now],
                    )
                    .await?;
                    let row = throttle_row(tx, scope, subject, "FOR UPDATE").await?;
                    let row = row.filter(|row| row.failures > 0);
                    let (next, locks) = Throttle::after_failure(row, failed.rule, failed.now);
                    tx.execute(
                        "UPDATE console_throttle SET failures = $3, first_failure_at = $4, locked_until = $5
                         WHERE scope = $1 AND subject = $2",
                        &[
                            &scope,
                            subject,
                            &i64::from(next.failures),
                            &next.first_failure_at,
                            &next.locked_until,
                        ],
                    )
                    .await?;
                    if locks {
                        locked = true;
                        let detail = format!("{scope} locked after repeated failures, {detail}");
                        append_audit(tx, failed.now, &actor, "console_sign_in_locked", None, &detail)
                            .await?;
                    }
                }
                Ok(locked)
            })
        })
        .await
    }

    async fn start_session(&self, new: NewSession) -> Result<bool, VerifierError> {
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let name = new.operator.as_str();
                let usable = operator_row(tx, name, "FOR SHARE")
                    .await?
                    .is_some_and(|row| !row.disabled);
                if !usable || locked_now(tx, name, &new.address, new.now).await? {
                    return Ok(false);
                }
                tx.execute(
                    "INSERT INTO console_sessions (token_sha256, operator, created_at, last_seen)
                     VALUES ($1, $2, $3, $3)",
                    &[&new.token_hash, &name, &new.now],
                )
                .await?;
                tx.execute(
                    "DELETE FROM console_throttle WHERE scope = 'account' AND subject = $1",
                    &[&name],
                )
                .await?;
                let detail = from_address(&new.address);
                append_audit(
                    tx,
                    new.now,
                    &new.operator.actor(),
                    "console_signed_in",
                    None,
                    &detail,
                )
                .await?;
                Ok(true)
            })
        })
        .await
    }

    async fn touch_session(
        &self,
        token_hash: String,
        idle_ms: i64,
        absolute_ms: i64,
        now: i64,
    ) -> Result<Option<ConsoleSession>, VerifierError> {
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let found = tx
                    .query_opt(
                        "SELECT s.operator, s.created_at, s.last_seen, o.role, o.disabled
                         FROM console_sessions s JOIN operators o ON o.name = s.operator
                         WHERE s.token_sha256 = $1 FOR UPDATE OF s",
                        &[&token_hash],
                    )
                    .await?;
                let Some(row) = found else {
                    return Ok(None);
                };
                let operator: String = row.get(0);
                let (created, last_seen): (i64, i64) = (row.get(1), row.get(2));
                let disabled: bool = row.get(4);
                let stale = disabled
                    || now.saturating_sub(last_seen) >= idle_ms
                    || now.saturating_sub(created) >= absolute_ms;
                let operator = OperatorName::new(operator)?;
                if stale {
                    tx.execute(
                        "DELETE FROM console_sessions WHERE token_sha256 = $1",
                        &[&token_hash],
                    )
                    .await?;
                    append_audit(
                        tx,
                        now,
                        &operator.actor(),
                        "console_session_expired",
                        None,
                        "",
                    )
                    .await?;
                    return Ok(None);
                }
                tx.execute(
                    "UPDATE console_sessions SET last_seen = $2 WHERE token_sha256 = $1",
                    &[&token_hash, &now],
                )
                .await?;
                Ok(Some(ConsoleSession {
                    operator,
                    role: Role::from_stored(row.get(3))?,
                }))
            })
        })
        .await
    }

    async fn end_session(&self, token_hash: String, now: i64) -> Result<(), VerifierError> {
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let row = tx
                    .query_opt(
                        "DELETE FROM console_sessions WHERE token_sha256 = $1 RETURNING operator",
                        &[&token_hash],
                    )
                    .await?;
                if let Some(row) = row {
                    let actor = OperatorName::new(row.get::<_, String>(0))?.actor();
                    append_audit(tx, now, &actor, "console_signed_out", None, "").await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn record_identity_check(
        &self,
        id: &CredentialId,
        how: &str,
        actor: &Actor,
        now: i64,
    ) -> Result<(), VerifierError> {
        let (id, how, actor) = (id.clone(), how.to_owned(), actor.clone());
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let exists = tx
                    .query_opt("SELECT 1 FROM credentials WHERE id = $1", &[&id.as_str()])
                    .await?;
                if exists.is_none() {
                    return Err(VerifierError::UnknownCredential);
                }
                append_audit(tx, now, &actor, "identity_checked", Some(&id), &how).await
            })
        })
        .await
    }

    async fn audit_filtered(
        &self,
        credential: Option<&str>,
        actor: Option<&str>,
        action: Option<&str>,
        from: Option<i64>,
        to: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, VerifierError> {
        let credential = credential.map(str::to_owned);
        let actor = actor.map(|a| format!("%{}%", crate::store::operators::like_escape(a)));
        let action = action.map(str::to_owned);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.in_transaction(move |tx| {
            Box::pin(async move {
                let rows = tx
                    .query(
                        "SELECT seq, at, actor, action, credential_id, detail FROM audit
                         WHERE ($1::TEXT IS NULL OR credential_id = $1)
                           AND ($2::TEXT IS NULL OR actor LIKE $2 ESCAPE '\\')
                           AND ($3::TEXT IS NULL OR action = $3)
                           AND ($4::BIGINT IS NULL OR at >= $4)
                           AND ($5::BIGINT IS NULL OR at < $5)
                         ORDER BY seq DESC LIMIT $6",
                        &[&credential, &actor, &action, &from, &to, &limit],
                    )
                    .await?;
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
            })
        })
        .await
    }
}
