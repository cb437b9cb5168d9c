//! Console operators on SQLite: writes go through the writer thread like
//! every other mutation, so a failure count or a session touch is as
//! serialised and durable as a verification.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::SqliteStore;
use super::ops::append_audit;
use crate::clock::from_millis;
use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::AuditEvent;
use crate::operators::{ConsoleSession, Operator, OperatorName, Role, operator_from_row};
use crate::store::operators::{
    FailedSignIn, NewOperator, NewSession, OperatorRow, OperatorStore, SignInCheck, Throttle,
    from_address, sign_in_actor, unknown_operator,
};

fn throttle_row(
    conn: &Connection,
    scope: &str,
    subject: &str,
) -> rusqlite::Result<Option<Throttle>> {
    conn.prepare_cached(
        "SELECT failures, first_failure_at, locked_until FROM console_throttle
         WHERE scope = ?1 AND subject = ?2",
    )?
    .query_row(params![scope, subject], |row| {
        Ok(Throttle {
            failures: row.get(0)?,
            first_failure_at: row.get(1)?,
            locked_until: row.get(2)?,
        })
    })
    .optional()
}

fn put_throttle(
    conn: &Connection,
    scope: &str,
    subject: &str,
    row: Throttle,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO console_throttle (scope, subject, failures, first_failure_at, locked_until)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (scope, subject) DO UPDATE SET failures = excluded.failures,
             first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until",
    )?
    .execute(params![
        scope,
        subject,
        row.failures,
        row.first_failure_at,
        row.locked_until
    ])?;
    Ok(())
}

fn locked_now(conn: &Connection, account: &str, address: &str, now: i64) -> rusqlite::Result<bool> {
    Ok(
        Throttle::locked(throttle_row(conn, "account", account)?, now)
            || Throttle::locked(throttle_row(conn, "address", address)?, now),
    )
}

fn operator_row(conn: &Connection, name: &str) -> rusqlite::Result<Option<OperatorRow>> {
    conn.prepare_cached("SELECT role, password_hash, disabled FROM operators WHERE name = ?1")?
        .query_row([name], |row| {
            let role: String = row.get(0)?;
            Ok((role, row.get::<_, String>(1)?, row.get::<_, i64>(2)? != 0))
        })
        .optional()?
        .map(|(role, password_hash, disabled)| {
            Role::from_stored(&role)
                .map(|role| OperatorRow {
                    role,
                    password_hash,
                    disabled,
                })
                .map_err(|e| rusqlite::Error::InvalidParameterName(e.to_string()))
        })
        .transpose()
}

#[async_trait]
impl OperatorStore for SqliteStore {
    async fn add_operator(&self, new: NewOperator) -> Result<(), VerifierError> {
        self.write(move |conn, _| {
            let inserted = conn.execute(
                "INSERT INTO operators (name, role, password_hash, disabled, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 0, ?4, ?4) ON CONFLICT (name) DO NOTHING",
                params![
                    new.name.as_str(),
                    new.role.as_str(),
                    new.password_hash,
                    new.now
                ],
            )?;
            if inserted == 0 {
                return Err(VerifierError::InvalidInput(
                    "an operator with this name exists already".into(),
                ));
            }
            let detail = format!("{} added as {}", new.name, new.role.as_str());
            append_audit(conn, new.now, &new.actor, "operator_added", None, &detail)?;
            Ok(())
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
        self.write(move |conn, _| {
            let changed = conn.execute(
                "UPDATE operators SET password_hash = ?2, updated_at = ?3 WHERE name = ?1",
                params![name.as_str(), hash, now],
            )?;
            if changed == 0 {
                return Err(unknown_operator());
            }
            conn.execute(
                "DELETE FROM console_sessions WHERE operator = ?1",
                [name.as_str()],
            )?;
            let detail = format!("password of {name} changed; its sessions ended");
            append_audit(
                conn,
                now,
                &actor,
                "operator_password_changed",
                None,
                &detail,
            )?;
            Ok(())
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
        self.write(move |conn, _| {
            let changed = conn.execute(
                "UPDATE operators SET disabled = 1, updated_at = ?2 WHERE name = ?1",
                params![name.as_str(), now],
            )?;
            if changed == 0 {
                return Err(unknown_operator());
            }
            conn.execute(
                "DELETE FROM console_sessions WHERE operator = ?1",
                [name.as_str()],
            )?;
            let detail = format!("{name} disabled; its sessions ended");
            append_audit(conn, now, &actor, "operator_disabled", None, &detail)?;
            Ok(())
        })
        .await
    }

    async fn operators(&self) -> Result<Vec<Operator>, VerifierError> {
        self.read(|conn| {
            let mut statement = conn.prepare_cached(
                "SELECT name, role, disabled, created_at FROM operators ORDER BY name",
            )?;
            let rows = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, i64>(2)? != 0,
                        row.get::<_, i64>(3)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            rows.into_iter()
                .map(|(name, role, disabled, created)| {
                    operator_from_row(name, &role, disabled, created)
                })
                .collect()
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
        self.read(move |conn| {
            Ok(SignInCheck {
                locked: locked_now(conn, &account, &address, now)?,
                operator: operator_row(conn, &account)?,
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
        self.write(move |conn, _| {
            append_audit(
                conn,
                now,
                &actor,
                "console_sign_in_refused_locked",
                None,
                &detail,
            )?;
            Ok(())
        })
        .await
    }

    async fn record_sign_in_failure(&self, failed: FailedSignIn) -> Result<bool, VerifierError> {
        self.write(move |conn, _| {
            let actor = sign_in_actor(failed.operator.as_ref());
            let detail = from_address(&failed.address);
            append_audit(
                conn,
                failed.now,
                &actor,
                "console_sign_in_failed",
                None,
                &detail,
            )?;
            let mut locked = false;
            for (scope, subject) in [("account", &failed.account), ("address", &failed.address)] {
                let row = throttle_row(conn, scope, subject)?;
                let (next, locks) = Throttle::after_failure(row, failed.rule, failed.now);
                put_throttle(conn, scope, subject, next)?;
                if locks {
                    locked = true;
                    let detail = format!("{scope} locked after repeated failures, {detail}");
                    append_audit(
                        conn,
                        failed.now,
                        &actor,
                        "console_sign_in_locked",
                        None,
                        &detail,
                    )?;
                }
            }
            Ok(locked)
        })
        .await
    }

    async fn start_session(&self, new: NewSession) -> Result<bool, VerifierError> {
        self.write(move |conn, _| {
            let name = new.operator.as_str();
            let usable = operator_row(conn, name)?.is_some_and(|row| !row.disabled);
            if !usable || locked_now(conn, name, &new.address, new.now)? {
                return Ok(false);
            }
            conn.execute(
                "INSERT INTO console_sessions (token_sha256, operator, created_at, last_seen)
                 VALUES (?1, ?2, ?3, ?3)",
                params![new.token_hash, name, new.now],
            )?;
            conn.execute(
                "DELETE FROM console_throttle WHERE scope = 'account' AND subject = ?1",
                [name],
            )?;
            let detail = from_address(&new.address);
            append_audit(
                conn,
                new.now,
                &new.operator.actor(),
                "console_signed_in",
                None,
                &detail,
            )?;
            Ok(true)
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
        self.write(move |conn, _| {
            let found = conn
                .prepare_cached(
                    "SELECT s.operator, s.created_at, s.last_seen, o.role, o.disabled
                     FROM console_sessions s JOIN operators o ON o.name = s.operator
                     WHERE s.token_sha256 = ?1",
                )?
                .query_row([&token_hash], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, i64>(4)? != 0,
                    ))
                })
                .optional()?;
            let Some((operator, created, last_seen, role, disabled)) = found else {
                return Ok(None);
            };
            let stale = disabled
                || now.saturating_sub(last_seen) >= idle_ms
                || now.saturating_sub(created) >= absolute_ms;
            if stale {
                conn.execute(
                    "DELETE FROM console_sessions WHERE token_sha256 = ?1",
                    [&token_hash],
                )?;
                let actor = OperatorName::new(operator)?.actor();
                append_audit(conn, now, &actor, "console_session_expired", None, "")?;
                return Ok(None);
            }
            conn.execute(
                "UPDATE console_sessions SET last_seen = ?2 WHERE token_sha256 = ?1",
                params![token_hash, now],
            )?;
            Ok(Some(ConsoleSession {
                operator: OperatorName::new(operator)?,
                role: Role::from_stored(&role)?,
            }))
        })
        .await
    }

    async fn end_session(&self, token_hash: String, now: i64) -> Result<(), VerifierError> {
        self.write(move |conn, _| {
            let operator: Option<String> = conn
                .query_row(
                    "DELETE FROM console_sessions WHERE token_sha256 = ?1 RETURNING operator",
                    [&token_hash],
                    |row| row.get(0),
                )
                .optional()?;
            if let Some(operator) = operator {
                let actor = OperatorName::new(operator)?.actor();
                append_audit(conn, now, &actor, "console_signed_out", None, "")?;
            }
            Ok(())
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
        self.write(move |conn, _| {
            let exists: Option<i64> = conn
                .query_row(
                    "SELECT 1 FROM credentials WHERE id = ?1",
                    [id.as_str()],
                    |row| row.get(0),
                )
                .optional()?;
            if exists.is_none() {
                return Err(VerifierError::UnknownCredential);
            }
            append_audit(conn, now, &actor, "identity_checked", Some(&id), &how)?;
            Ok(())
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
        self.read(move |conn| {
            let mut statement = conn.prepare_cached(
                "SELECT seq, at, actor, action, credential_id, detail FROM audit
                 WHERE (?1 IS NULL OR credential_id = ?1)
                   AND (?2 IS NULL OR actor LIKE ?2 ESCAPE '\\')
                   AND (?3 IS NULL OR action = ?3)
                   AND (?4 IS NULL OR at >= ?4)
                   AND (?5 IS NULL OR at < ?5)
                 ORDER BY seq DESC LIMIT ?6",
            )?;
            let events = statement
                .query_map(params![credential, actor, action, from, to, limit], |row| {
                    Ok(AuditEvent {
                        seq: row.get(0)?,
                        at: from_millis(row.get(1)?),
                        actor: row.get(2)?,
                        action: row.get(3)?,
                        credential: row.get(4)?,
                        detail: row.get(5)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(events)
        })
        .await
    }
}
