//! The SQL of each operation, run by the writer thread inside a savepoint of
//! the batch transaction (or by a reader for queries).

use rusqlite::{Connection, OptionalExtension, params};

use crate::clock::{from_millis, to_millis};
use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::{AuditEvent, CredentialStatus, State, Verified};
use crate::outbox::{Delivery, DeliveryInfo, OutboxCounts};
use crate::rules::{self, Activation, ChallengeRow, CredentialRow, CredentialUpdate};
use crate::seal::SealedSeed;
use crate::sealing_key::SealingKey;
use crate::store::{
    Attempt, Change, NewActivation, NewChallenge, NewKey, OutboxClaim, OutboxReport, Purge,
    issue_detail, purge_detail, stored_events,
};

pub(super) fn append_audit(
    conn: &Connection,
    now: i64,
    actor: &Actor,
    action: &str,
    credential: Option<&CredentialId>,
    detail: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit (at, actor, action, credential_id, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        now,
        actor.as_str(),
        action,
        credential.map(CredentialId::as_str),
        detail
    ])?;
    Ok(())
}

/// Appends the outbox events of a change, in the caller's transaction.
fn append_events(
    conn: &Connection,
    credential: &CredentialId,
    now: i64,
    events: &[crate::outbox::NewEvent],
    record_rejections: bool,
) -> rusqlite::Result<()> {
    for event in stored_events(events, credential, now, record_rejections) {
        conn.prepare_cached(
            "INSERT INTO outbox_events (event_id, event_type, credential_id, created_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            event.id,
            event.kind.as_str(),
            credential.as_str(),
            now,
            event.body
        ])?;
    }
    Ok(())
}

fn write_credential(
    conn: &Connection,
    id: &CredentialId,
    update: &CredentialUpdate,
    now: i64,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "UPDATE credentials SET state = ?2, failures = ?3, activated = ?4, lock_step = ?5,
             locked_until = ?6, updated_at = ?7 WHERE id = ?1",
    )?
    .execute(params![
        id.as_str(),
        update.state.as_str(),
        update.failures,
        update.activated,
        update.lock_step,
        update.locked_until,
        now
    ])?;
    Ok(())
}

fn load_credential(conn: &Connection, id: &CredentialId) -> Result<CredentialRow, VerifierError> {
    let row = conn
        .prepare_cached(
            "SELECT state, failures, failure_limit, key_version, sealed_seed, activated,
                    lock_ladder, lock_step, locked_until,
                    kind, sealed_secret, activation, activation_expires_at
             FROM credentials WHERE id = ?1",
        )?
        .query_row([id.as_str()], |row| {
            Ok((
                (
                    row.get::<_, String>(0)?,
                    row.get::<_, u8>(1)?,
                    row.get::<_, u8>(2)?,
                    row.get::<_, u32>(3)?,
                    row.get::<_, Vec<u8>>(4)?,
                    row.get::<_, bool>(5)?,
                ),
                (
                    row.get::<_, String>(6)?,
                    row.get::<_, u8>(7)?,
                    row.get::<_, Option<i64>>(8)?,
                ),
                (
                    row.get::<_, String>(9)?,
                    row.get::<_, Option<Vec<u8>>>(10)?,
                    row.get::<_, String>(11)?,
                    row.get::<_, Option<i64>>(12)?,
                ),
            ))
        })
        .optional()?;
    let (
        (state, failures, limit, key_version, sealed, activated),
        (ladder, lock_step, locked_until),
        (kind, sealed_secret, activation, expires_at),
    ) = row.ok_or(VerifierError::UnknownCredential)?;
    Ok(CredentialRow {
        state: State::from_stored(&state)?,
        failures,
        limit,
        key_version,
        sealed: SealedSeed(sealed),
        activated,
        ladder: rules::parse_ladder(&ladder)?,
        lock_step,
        locked_until,
        kind: rules::kind_from_stored(&kind)?,
        sealed_secret: sealed_secret.map(SealedSeed),
        activation: Activation::from_stored(&activation, expires_at)?,
    })
}

pub(crate) fn issue(
    conn: &Connection,
    master: &SealingKey,
    new: &NewKey,
) -> Result<(), VerifierError> {
    let kind = new.issue_kind();
    let seal = rules::seal_new(master, &new.id, 1, kind, &new.secret)?;
    let (activation, expires_at) = seal.activation.to_stored();
    let inserted = conn
        .prepare_cached(
            "INSERT INTO credentials
                (id, state, failures, failure_limit, key_version, sealed_seed, activated, created_at, updated_at,
                 lock_ladder, kind, sealed_secret, activation, activation_expires_at)
             VALUES (?1, 'issued', 0, ?2, 1, ?3, 0, ?4, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            new.id.as_str(),
            new.policy.failure_limit,
            seal.sealed.0,
            new.now,
            rules::format_ladder(&new.policy.temporary_lock_minutes),
            kind.name(),
            seal.sealed_secret.map(|s| s.0),
            activation,
            expires_at
        ])?;
    if inserted == 0 {
        return Err(VerifierError::AlreadyExists);
    }
    append_audit(
        conn,
        new.now,
        &new.actor,
        "issued",
        Some(&new.id),
        &issue_detail(None, kind),
    )?;
    append_events(
        conn,
        &new.id,
        new.now,
        &[rules::issued_event(&new.policy)],
        false,
    )?;
    Ok(())
}

pub(crate) fn reissue(
    conn: &Connection,
    master: &SealingKey,
    new: &NewKey,
) -> Result<mobipass_scheme::EnvelopeKind, VerifierError> {
    let current = load_credential(conn, &new.id)?;
    rules::may_reissue(current.state)?;
    let version = current.key_version + 1;
    let kind = current.kind;
    let seal = rules::seal_new(master, &new.id, version, kind, &new.secret)?;
    let (activation, expires_at) = seal.activation.to_stored();
    conn.prepare_cached(
        "UPDATE credentials SET state = 'issued', failures = 0, key_version = ?2,
             sealed_seed = ?3, activated = 0, lock_step = 0, locked_until = NULL, updated_at = ?4,
             sealed_secret = ?5, activation = ?6, activation_expires_at = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        new.id.as_str(),
        version,
        seal.sealed.0,
        new.now,
        seal.sealed_secret.map(|s| s.0),
        activation,
        expires_at
    ])?;
    conn.prepare_cached("DELETE FROM challenges WHERE credential_id = ?1 AND used_at IS NULL")?
        .execute([new.id.as_str()])?;
    append_audit(
        conn,
        new.now,
        &new.actor,
        "reissued",
        Some(&new.id),
        &issue_detail(Some(version), kind),
    )?;
    append_events(
        conn,
        &new.id,
        new.now,
        &[rules::reissued_event(version)],
        false,
    )?;
    Ok(kind)
}

pub(crate) fn activation_code(
    conn: &Connection,
    master: &SealingKey,
    new: &NewActivation,
) -> Result<(), VerifierError> {
    let current = load_credential(conn, &new.credential)?;
    let activated = rules::activate(master, &new.credential, &current, &new.code, new.expires_at)?;
    let (activation, expires_at) = activated.activation.to_stored();
    conn.prepare_cached(
        "UPDATE credentials SET state = 'issued', activated = 0, key_version = ?2, sealed_seed = ?3,
             sealed_secret = ?4, activation = ?5, activation_expires_at = ?6, updated_at = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        new.credential.as_str(),
        activated.key_version,
        activated.sealed.0,
        activated.sealed_secret.0,
        activation,
        expires_at,
        new.now
    ])?;
    append_audit(
        conn,
        new.now,
        &new.actor,
        "activation_code",
        Some(&new.credential),
        &activated.audit_detail,
    )?;
    Ok(())
}

pub(crate) fn challenge(conn: &Connection, new: &NewChallenge) -> Result<(), VerifierError> {
    let row: Option<(String, String, Option<i64>)> = conn
        .prepare_cached(
            "SELECT state, activation, activation_expires_at FROM credentials WHERE id = ?1",
        )?
        .query_row([new.credential.as_str()], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let (state, activation, expires_at) = row.ok_or(VerifierError::UnknownCredential)?;
    rules::may_challenge(
        State::from_stored(&state)?,
        Activation::from_stored(&activation, expires_at)?,
        new.now,
    )?;
    conn.prepare_cached(
        "INSERT INTO challenges (id, credential_id, code, amount_minor, payee, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        &new.id.as_bytes()[..],
        new.credential.as_str(),
        new.code,
        new.amount_minor,
        new.payee,
        new.now,
        new.expires_at
    ])?;
    let detail = if new.amount_minor.is_some() {
        "linked"
    } else {
        "plain"
    };
    append_audit(
        conn,
        new.now,
        &new.actor,
        "challenge",
        Some(&new.credential),
        detail,
    )?;
    if let Some(session) = &new.session {
        super::signing::insert(conn, new, session)?;
    }
    Ok(())
}

pub(crate) fn verify(
    conn: &Connection,
    master: &SealingKey,
    attempt: &Attempt,
) -> Result<Verified, VerifierError> {
    // This runs in the writer: the time it actually judges the response.
    let now = to_millis(attempt.clock.now());
    let credential = load_credential(conn, &attempt.credential)?;
    let challenge = conn
        .prepare_cached(
            "SELECT code, amount_minor, payee, expires_at, used_at IS NOT NULL, wrong_tags
             FROM challenges WHERE id = ?1 AND credential_id = ?2",
        )?
        .query_row(
            params![
                &attempt.challenge.as_bytes()[..],
                attempt.credential.as_str()
            ],
            |row| {
                Ok(ChallengeRow {
                    code: row.get(0)?,
                    amount_minor: row.get(1)?,
                    payee: row.get(2)?,
                    expires_at: row.get(3)?,
                    used: row.get(4)?,
                    wrong_tags: row.get(5)?,
                })
            },
        )
        .optional()?;
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
        write_credential(conn, &attempt.credential, update, now)?;
    }
    if let Some(tags) = &verdict.wrong_tags {
        conn.prepare_cached("UPDATE challenges SET wrong_tags = ?2 WHERE id = ?1")?
            .execute(params![&attempt.challenge.as_bytes()[..], tags])?;
    }
    if verdict.confirms_activation {
        conn.prepare_cached(
            "UPDATE credentials SET activation = 'settled', activation_expires_at = NULL WHERE id = ?1",
        )?
        .execute([attempt.credential.as_str()])?;
    }
    if verdict.consume_challenge {
        conn.prepare_cached("UPDATE challenges SET used_at = ?2 WHERE id = ?1")?
            .execute(params![&attempt.challenge.as_bytes()[..], now])?;
    }
    for (action, detail) in verdict.audit_rows() {
        append_audit(
            conn,
            now,
            &attempt.actor,
            action,
            Some(&attempt.credential),
            &detail,
        )?;
    }
    append_events(
        conn,
        &attempt.credential,
        now,
        &verdict.events,
        attempt.record_rejections,
    )?;
    let verified = verdict.verified();
    if let Some(session) = &attempt.session {
        super::signing::finish(
            conn,
            session,
            &attempt.credential,
            &verified.outcome,
            &attempt.actor,
            now,
        )?;
    }
    Ok(verified)
}

pub(crate) fn change(conn: &Connection, change: &Change) -> Result<(), VerifierError> {
    let credential = load_credential(conn, &change.credential)?;
    let update = change.action.apply(&credential)?;
    write_credential(conn, &change.credential, &update, change.now)?;
    append_events(
        conn,
        &change.credential,
        change.now,
        &[change.action.event()],
        false,
    )?;
    append_audit(
        conn,
        change.now,
        &change.actor,
        change.action.audit_name(),
        Some(&change.credential),
        change.action.audit_detail(),
    )?;
    Ok(())
}

pub(crate) fn purge_challenges(conn: &Connection, purge: &Purge) -> Result<u64, VerifierError> {
    // A session expires with its challenge: at most as many sessions as
    // challenges expired before the same instant, so they go no later.
    super::signing::purge(conn, purge.expired_before, purge.max_rows)?;
    let removed = conn
        .prepare_cached(
            "DELETE FROM challenges WHERE id IN \
             (SELECT id FROM challenges WHERE expires_at < ?1 LIMIT ?2)",
        )?
        .execute(params![purge.expired_before, purge.max_rows])?;
    let removed = removed as u64;
    if removed > 0 {
        append_audit(
            conn,
            purge.now,
            &purge.actor,
            "purge_challenges",
            None,
            &purge_detail(removed, purge.expired_before),
        )?;
    }
    Ok(removed)
}

/// Re-wraps every seed from `old` to `new`; the caller owns the transaction.
pub(crate) fn rotate(
    conn: &Connection,
    old: &SealingKey,
    new: &SealingKey,
    actor: &Actor,
    now: i64,
) -> Result<usize, VerifierError> {
    type Row = (String, u32, Vec<u8>, Option<Vec<u8>>);
    let rows: Vec<Row> = conn
        .prepare("SELECT id, key_version, sealed_seed, sealed_secret FROM credentials")?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut update =
        conn.prepare("UPDATE credentials SET sealed_seed = ?2, sealed_secret = ?3 WHERE id = ?1")?;
    for (id, version, sealed, secret) in rows.iter().cloned() {
        let id = CredentialId::new(id)?;
        let (sealed, secret) = rules::reseal(
            old,
            new,
            &id,
            version,
            &SealedSeed(sealed),
            secret.map(SealedSeed).as_ref(),
        )?;
        update.execute(params![id.as_str(), sealed.0, secret.map(|s| s.0)])?;
    }
    set_fingerprint(conn, new)?;
    append_audit(
        conn,
        now,
        actor,
        "master_key_rotated",
        None,
        &format!("{} seeds", rows.len()),
    )?;
    Ok(rows.len())
}

pub(crate) fn set_fingerprint(conn: &Connection, master: &SealingKey) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('master_key_fingerprint', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [master.fingerprint()],
    )?;
    Ok(())
}

/// Records `master` as the database's key unless one is recorded already.
pub(crate) fn claim_fingerprint(conn: &Connection, master: &SealingKey) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('master_key_fingerprint', ?1)
         ON CONFLICT (key) DO NOTHING",
        [master.fingerprint()],
    )?;
    Ok(())
}

pub(crate) fn fingerprint(conn: &Connection) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT value FROM meta WHERE key = 'master_key_fingerprint'",
        [],
        |row| row.get(0),
    )
    .optional()
}

pub(crate) fn status(
    conn: &Connection,
    id: &CredentialId,
    now: i64,
) -> Result<CredentialStatus, VerifierError> {
    let row = conn
        .prepare_cached(
            "SELECT state, failures, failure_limit, key_version, created_at, updated_at,
                    lock_ladder, lock_step, locked_until,
                    kind, activation, activation_expires_at
             FROM credentials WHERE id = ?1",
        )?
        .query_row([id.as_str()], |row| {
            Ok((
                (
                    row.get::<_, String>(0)?,
                    row.get::<_, u8>(1)?,
                    row.get::<_, u8>(2)?,
                    row.get::<_, u32>(3)?,
                    row.get::<_, i64>(4)?,
                    row.get::<_, i64>(5)?,
                ),
                (
                    row.get::<_, String>(6)?,
                    row.get::<_, u8>(7)?,
                    row.get::<_, Option<i64>>(8)?,
                ),
                (
                    row.get::<_, String>(9)?,
                    row.get::<_, String>(10)?,
                    row.get::<_, Option<i64>>(11)?,
                ),
            ))
        })
        .optional()?;
    let (
        (state, failures, limit, key_version, created, updated),
        (ladder, lock_step, locked_until),
        (kind, activation, expires_at),
    ) = row.ok_or(VerifierError::UnknownCredential)?;
    let activation = Activation::from_stored(&activation, expires_at)?;
    Ok(CredentialStatus {
        id: id.clone(),
        kind: rules::kind_from_stored(&kind)?,
        activation_code_needed: activation == Activation::CodeNeeded,
        activation_expires_at: expires_at.map(from_millis),
        state: State::from_stored(&state)?,
        failures,
        limit,
        temporary_lock_minutes: rules::parse_ladder(&ladder)?,
        lock_step,
        locked_until: rules::current_lock(locked_until, now).map(from_millis),
        key_version,
        created: from_millis(created),
        updated: from_millis(updated),
    })
}

pub(crate) fn audit(
    conn: &Connection,
    id: Option<&CredentialId>,
    limit: usize,
) -> Result<Vec<AuditEvent>, VerifierError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let map = |row: &rusqlite::Row<'_>| {
        Ok(AuditEvent {
            seq: row.get(0)?,
            at: from_millis(row.get(1)?),
            actor: row.get(2)?,
            action: row.get(3)?,
            credential: row.get(4)?,
            detail: row.get(5)?,
        })
    };
    let columns = "SELECT seq, at, actor, action, credential_id, detail FROM audit";
    let events = match id {
        Some(id) => conn
            .prepare_cached(&format!(
                "{columns} WHERE credential_id = ?1 ORDER BY seq DESC LIMIT ?2"
            ))?
            .query_map(params![id.as_str(), limit], map)?
            .collect::<Result<Vec<_>, _>>()?,
        None => conn
            .prepare_cached(&format!("{columns} ORDER BY seq DESC LIMIT ?1"))?
            .query_map([limit], map)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(events)
}

/// Starts tracking `endpoint` at the newest event, if it is new.
pub(crate) fn outbox_register(conn: &Connection, endpoint: &str) -> Result<(), VerifierError> {
    conn.prepare_cached(
        "INSERT INTO webhook_cursors (endpoint, last_seq)
         VALUES (?1, (SELECT coalesce(max(seq), 0) FROM outbox_events))
         ON CONFLICT (endpoint) DO NOTHING",
    )?
    .execute([endpoint])?;
    Ok(())
}

/// Fans new events out to `endpoint` and claims its due deliveries (at most
/// one per credential: the oldest open one), leased until `now + lease`.
/// The writer serialises this with every change, so each event below the
/// newest seq is committed and the cursor may move straight to it.
pub(crate) fn outbox_claim(
    conn: &Connection,
    claim: &OutboxClaim,
) -> Result<Vec<Delivery>, VerifierError> {
    let floor: Option<i64> = conn
        .prepare_cached("SELECT last_seq FROM webhook_cursors WHERE endpoint = ?1")?
        .query_row([claim.endpoint.as_str()], |row| row.get(0))
        .optional()?;
    let Some(floor) = floor else {
        return Ok(Vec::new());
    };
    let types = claim_types(&claim.events);
    conn.prepare_cached(&format!(
        "INSERT INTO webhook_deliveries (event_seq, endpoint, credential_id, created_at, next_attempt_at)
         SELECT seq, ?1, credential_id, ?3, 0 FROM outbox_events
         WHERE seq > ?2 AND event_type IN ({types}) ORDER BY seq
         ON CONFLICT (event_seq, endpoint) DO NOTHING"
    ))?
    .execute(params![claim.endpoint, floor, claim.now])?;
    conn.prepare_cached(
        "UPDATE webhook_cursors SET last_seq = (SELECT coalesce(max(seq), 0) FROM outbox_events)
         WHERE endpoint = ?1 AND last_seq < (SELECT coalesce(max(seq), 0) FROM outbox_events)",
    )?
    .execute([claim.endpoint.as_str()])?;
    let rows = conn
        .prepare_cached(
            "SELECT d.seq, e.event_id, e.event_type, d.credential_id, e.body, d.attempts
             FROM webhook_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
             WHERE d.endpoint = ?1 AND d.state = 'pending'
               AND d.next_attempt_at <= ?2 AND d.claimed_until <= ?2
               AND NOT EXISTS (SELECT 1 FROM webhook_deliveries o
                   WHERE o.endpoint = d.endpoint AND o.credential_id = d.credential_id
                     AND o.state = 'pending' AND o.event_seq < d.event_seq)
             ORDER BY d.event_seq LIMIT ?3",
        )?
        .query_map(params![claim.endpoint, claim.now, claim.max], |row| {
            Ok(Delivery {
                seq: row.get(0)?,
                event_id: row.get(1)?,
                event_type: row.get(2)?,
                credential_id: row.get(3)?,
                body: row.get(4)?,
                attempts: row.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut lease =
        conn.prepare_cached("UPDATE webhook_deliveries SET claimed_until = ?2 WHERE seq = ?1")?;
    for delivery in &rows {
        lease.execute(params![delivery.seq, claim.now.saturating_add(claim.lease)])?;
    }
    Ok(rows)
}

/// The `IN (...)` list of event types (fixed names, never input text).
pub(crate) fn claim_types(events: &[crate::outbox::EventType]) -> String {
    if events.is_empty() {
        return "''".to_owned();
    }
    events
        .iter()
        .map(|t| format!("'{}'", t.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Records the result of one delivery attempt.
pub(crate) fn outbox_report(conn: &Connection, report: &OutboxReport) -> Result<(), VerifierError> {
    match &report.error {
        None => {
            conn.prepare_cached(
                "UPDATE webhook_deliveries SET state = 'delivered', attempts = attempts + 1,
                     claimed_until = 0, last_error = NULL WHERE seq = ?1 AND state = 'pending'",
            )?
            .execute([report.seq])?;
        }
        Some(error) => {
            let row: Option<(u32, i64)> = conn
                .prepare_cached(
                    "SELECT attempts, created_at FROM webhook_deliveries WHERE seq = ?1 AND state = 'pending'",
                )?
                .query_row([report.seq], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()?;
            let Some((attempts, created)) = row else {
                return Ok(());
            };
            let (state, next) = crate::outbox::after_failure(attempts + 1, created, report.now);
            conn.prepare_cached(
                "UPDATE webhook_deliveries SET state = ?2, attempts = attempts + 1, next_attempt_at = ?3,
                     claimed_until = 0, last_error = ?4 WHERE seq = ?1",
            )?
            .execute(params![report.seq, state, next, error])?;
        }
    }
    Ok(())
}

/// Puts failed deliveries (one, or all) back in line, as if new.
pub(crate) fn outbox_redeliver(
    conn: &Connection,
    seq: Option<i64>,
    now: i64,
) -> Result<u64, VerifierError> {
    let changed = conn
        .prepare_cached(
            "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?2,
                 created_at = ?2, claimed_until = 0
             WHERE state = 'failed' AND (?1 IS NULL OR seq = ?1)",
        )?
        .execute(params![seq, now])?;
    Ok(changed as u64)
}

pub(crate) fn outbox_failed(
    conn: &Connection,
    limit: usize,
) -> Result<Vec<DeliveryInfo>, VerifierError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    Ok(conn
        .prepare_cached(
            "SELECT d.seq, d.endpoint, e.event_id, e.event_type, d.credential_id, d.attempts, d.last_error
             FROM webhook_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
             WHERE d.state = 'failed' ORDER BY d.seq LIMIT ?1",
        )?
        .query_map([limit], |row| {
            Ok(DeliveryInfo {
                seq: row.get(0)?,
                endpoint: row.get(1)?,
                event_id: row.get(2)?,
                event_type: row.get(3)?,
                credential_id: row.get(4)?,
                attempts: row.get(5)?,
                last_error: row.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

pub(crate) fn outbox_counts(conn: &Connection) -> Result<OutboxCounts, VerifierError> {
    let (pending, failed): (i64, i64) = conn.query_row(
        "SELECT count(*) FILTER (WHERE state = 'pending'), count(*) FILTER (WHERE state = 'failed')
         FROM webhook_deliveries WHERE state <> 'delivered'",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    Ok(OutboxCounts {
        pending: pending as u64,
        failed: failed as u64,
    })
}
