//! The console's pages end to end over HTTP: an agent finds, blocks and
//! unblocks after the identity check; a supervisor issues, reissues,
//! revokes and reads the audit; the language switch. Every action lands in
//! the audit with the operator's name, and no key part ever does.

mod console_support;

use axum::http::{StatusCode, header};
use console_support::{AGENT, Console, SUPERVISOR};
use mobipass_verifier::{Actor, CredentialId, State};
use mobipass_verifier_server::console::ConsoleSettings;

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

async fn state(console: &Console, text: &str) -> State {
    console.verifier.status(&id(text)).await.unwrap().state
}

#[tokio::test]
async fn an_agent_finds_blocks_and_unblocks_only_with_the_identity_check() {
    let console = Console::start().await;
    console
        .verifier
        .issue(&id("cust-7"), &Actor::new("setup").unwrap())
        .await
        .unwrap();
    let agent = console.signed_in(AGENT).await;
    let unknown = agent.get("/console/find?id=nobody").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.testid("find-error").is_some());
    let invalid = agent.get("/console/find?id=a%20b").await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    let found = agent.get("/console/find?id=cust-7").await;
    assert_eq!(found.status, StatusCode::SEE_OTHER);
    assert_eq!(found.location(), "/console/credentials/cust-7");
    let page = agent.get("/console/credentials/cust-7").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("data-state=\"issued\""));
    assert_eq!(page.testid("failures").as_deref(), Some("0 / 3"));
    assert!(
        page.testid("reissue-form").is_none(),
        "an agent sees no supervisor actions"
    );

    let blocked = agent
        .post(
            "/console/credentials/cust-7/block",
            &[
                ("reason", "lost_device"),
                ("note", "called from a friend's phone"),
            ],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER);
    let page = agent.get(blocked.location()).await;
    assert!(page.testid("done").is_some());
    assert!(page.body.contains("data-state=\"blocked\""));
    assert_eq!(state(&console, "cust-7").await, State::Blocked);

    let refused = agent
        .post(
            "/console/credentials/cust-7/unblock",
            &[("identity", "   ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.testid("action-error").is_some());
    assert_eq!(state(&console, "cust-7").await, State::Blocked);
    let missing = agent.post("/console/credentials/cust-7/unblock", &[]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);

    let unblocked = agent
        .post(
            "/console/credentials/cust-7/unblock",
            &[("identity", "passport number and code word")],
        )
        .await;
    assert_eq!(unblocked.status, StatusCode::SEE_OTHER);
    assert_eq!(state(&console, "cust-7").await, State::Issued);

    let audit = console.audit_actions().await;
    let by_agent: Vec<_> = audit
        .iter()
        .filter(|(actor, _, _)| actor == "console:anna")
        .map(|(_, action, detail)| (action.as_str(), detail.as_str()))
        .collect();
    assert_eq!(
        by_agent,
        [
            ("console_signed_in", "from 127.0.0.1"),
            ("blocked", "lost device: called from a friend's phone"),
            ("identity_checked", "passport number and code word"),
            ("unblocked", ""),
        ]
    );
    let page = agent.get("/console/credentials/cust-7").await;
    assert!(
        page.body.contains("passport number and code word"),
        "recent events shown"
    );
}

#[tokio::test]
async fn a_block_needs_a_reason_from_the_list() {
    let console = Console::start().await;
    console
        .verifier
        .issue(&id("cust-1"), &Actor::new("setup").unwrap())
        .await
        .unwrap();
    let agent = console.signed_in(AGENT).await;
    agent.get("/console/credentials/cust-1").await;
    let page = agent
        .post(
            "/console/credentials/cust-1/block",
            &[("reason", "because")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = agent
        .post(
            "/console/credentials/cust-1/block",
            &[("reason", "other"), ("note", "two\nlines")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(state(&console, "cust-1").await, State::Issued);
}

#[tokio::test]
async fn a_supervisor_issues_reissues_and_revokes_after_confirming() {
    let console = Console::start_with(ConsoleSettings {
        bank_name: "Halyk Test Bank".into(),
        ..ConsoleSettings::default()
    })
    .await;
    let boss = console.signed_in(SUPERVISOR).await;
    assert_eq!(boss.get("/console/issue").await.status, StatusCode::OK);
    let envelope = boss.post("/console/issue", &[("id", "cust-9")]).await;
    assert_eq!(envelope.status, StatusCode::OK);
    assert_eq!(
        envelope.testid("envelope-bank").as_deref(),
        Some("Halyk Test Bank")
    );
    let parts: Vec<String> = envelope
        .body
        .match_indices("data-testid=\"envelope-part\">")
        .map(|(at, m)| envelope.body[at + m.len()..at + m.len() + 11].to_owned())
        .collect();
    assert_eq!(parts.len(), 4);
    assert!(
        parts
            .iter()
            .all(|p| p.len() == 11 && p.as_bytes()[5] == b' ')
    );
    assert_eq!(envelope.headers[header::CACHE_CONTROL], "no-store");
    assert!(envelope.body.contains("data-kind=\"two_channel\""));
    assert!(
        envelope.testid("envelope-needs-code").is_some(),
        "a two-channel envelope says an activation code is also needed"
    );
    let again = boss.post("/console/issue", &[("id", "cust-9")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    boss.get("/console/credentials/cust-9").await;
    let reissued = boss.post("/console/credentials/cust-9/reissue", &[]).await;
    assert_eq!(reissued.status, StatusCode::OK);
    assert!(reissued.testid("envelope").is_some());

    let ask = boss.get("/console/credentials/cust-9/revoke").await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.testid("revoke-form").is_some());
    assert_eq!(
        state(&console, "cust-9").await,
        State::Issued,
        "asking changes nothing"
    );
    let unconfirmed = boss.post("/console/credentials/cust-9/revoke", &[]).await;
    assert_eq!(unconfirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(state(&console, "cust-9").await, State::Issued);
    boss.get("/console/credentials/cust-9/revoke").await;
    let revoked = boss
        .post("/console/credentials/cust-9/revoke", &[("confirm", "yes")])
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    assert_eq!(state(&console, "cust-9").await, State::Revoked);

    let audit = console.audit_actions().await;
    let by_boss: Vec<_> = audit
        .iter()
        .filter(|(actor, _, _)| actor == "console:boss")
        .map(|(_, action, _)| action.as_str())
        .collect();
    assert_eq!(
        by_boss,
        ["console_signed_in", "issued", "reissued", "revoked"]
    );
    let digits: Vec<String> = parts.iter().map(|p| p.replace(' ', "")).collect();
    for (actor, action, detail) in &audit {
        for part in &digits {
            assert!(
                !detail.contains(part.as_str())
                    && !actor.contains(part.as_str())
                    && !action.contains(part.as_str())
            );
        }
    }
    let page = boss.get("/console/credentials/cust-9").await;
    for part in &parts {
        assert!(
            !page.body.contains(part.as_str()),
            "the key is shown only on the envelope"
        );
    }
}

#[tokio::test]
async fn the_audit_log_filters_and_exports_csv() {
    let console = Console::start().await;
    let setup = Actor::new("setup").unwrap();
    for name in ["cust-1", "cust-2"] {
        console
            .verifier
            .issue_envelope_only(&id(name), &setup)
            .await
            .unwrap();
    }
    let agent = console.signed_in(AGENT).await;
    agent.get("/console/credentials/cust-1").await;
    agent
        .post(
            "/console/credentials/cust-1/block",
            &[("reason", "stolen_device"), ("note", "=cmd()")],
        )
        .await;
    let boss = console.signed_in(SUPERVISOR).await;
    let page = boss
        .get("/console/audit?credential=cust-1&actor=anna&action=blocked")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches("<td>blocked</td>").count(),
        1,
        "{}",
        page.body
    );
    assert!(!page.body.contains("<td>issued</td>"));
    let none = boss
        .get("/console/audit?credential=cust-2&action=blocked")
        .await;
    assert!(none.testid("audit-empty").is_some());
    let future = boss.get("/console/audit?from=2999-01-01").await;
    assert!(future.testid("audit-empty").is_some());
    let bad = boss.get("/console/audit?from=yesterday").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let csv = boss.get("/console/audit.csv?credential=cust-1").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        csv.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines[0], "seq,at,actor,action,credential,detail");
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[1].contains("\"console:anna\",\"blocked\",\"cust-1\",\"stolen device: =cmd()\""));
}

#[tokio::test]
async fn the_language_switch_and_accept_language_pick_the_catalogue() {
    let console = Console::start().await;
    let browser = console.browser();
    let english = browser.get("/console/").await;
    assert!(english.body.contains("<html lang=\"en\">"));
    let switched = browser
        .post("/console/lang", &[("lang", "ru"), ("back", "/console/")])
        .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    assert!(
        switched
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("mp_lang=ru"))
    );
    let russian = browser.get("/console/").await;
    assert!(russian.body.contains("<html lang=\"ru\">"));
    assert!(russian.body.contains("Вход"));
    browser
        .post("/console/lang", &[("lang", "kk"), ("back", "/console/")])
        .await;
    let kazakh = browser.get("/console/").await;
    assert!(kazakh.body.contains("<html lang=\"kk\">") && kazakh.body.contains("Кіру"));
    let away = browser
        .post(
            "/console/lang",
            &[("lang", "en"), ("back", "https://evil.example/")],
        )
        .await;
    assert_eq!(away.location(), "/console/", "never an open redirect");
}

#[tokio::test]
async fn a_temporary_lock_shows_until_when() {
    let config = mobipass_verifier::Config {
        temporary_lock_minutes: vec![15],
        ..mobipass_verifier::Config::default()
    };
    let console = Console::start_with_config(ConsoleSettings::default(), config).await;
    let setup = Actor::new("setup").unwrap();
    console
        .verifier
        .issue_envelope_only(&id("cust-3"), &setup)
        .await
        .unwrap();
    let agent = console.signed_in(AGENT).await;
    let page = agent.get("/console/credentials/cust-3").await;
    assert!(page.testid("locked-until").is_none());
    for wrong in ["00000000", "11111111", "22222222"] {
        let challenge = console
            .verifier
            .challenge(&id("cust-3"), None)
            .await
            .unwrap();
        console
            .verifier
            .verify(&id("cust-3"), &challenge.id, wrong, &Actor::service())
            .await
            .unwrap();
    }
    let status = console.verifier.status(&id("cust-3")).await.unwrap();
    assert!(status.locked_until.is_some(), "{status:?}");
    let page = agent.get("/console/credentials/cust-3").await;
    let until = page.testid("locked-until").expect("the lock is shown");
    assert!(until.ends_with("UTC"), "{until}");
}

/// Signs one fresh challenge with the key the customer's app makes from the
/// envelope and `code` (as typed), and returns the library's outcome.
async fn sign_with(
    console: &Console,
    text: &str,
    envelope: &mobipass_scheme::Envelope,
    code: &str,
) -> mobipass_verifier::Outcome {
    use mobipass_scheme::{ActivationCode, Challenge, DocumentCode};
    let code = ActivationCode::parse(code).expect("the page shows a valid activation code");
    let key = envelope.activated(Some(&code)).unwrap();
    let challenge = console.verifier.challenge(&id(text), None).await.unwrap();
    let question = Challenge::Plain(DocumentCode::parse(&challenge.code).unwrap());
    let response = question.respond(&key.ocra_key());
    console
        .verifier
        .verify(
            &id(text),
            &challenge.id,
            response.as_str(),
            &Actor::new("bank").unwrap(),
        )
        .await
        .unwrap()
        .outcome
}

#[tokio::test]
async fn an_agent_reads_out_an_activation_code_that_works_once_shown() {
    let console = Console::start().await;
    let envelope = console
        .verifier
        .issue(&id("cust-2"), &Actor::new("setup").unwrap())
        .await
        .unwrap();
    let agent = console.signed_in(AGENT).await;
    let page = agent.get("/console/credentials/cust-2").await;
    assert!(page.body.contains("data-kind=\"two_channel\""));
    assert!(page.testid("activation-status").is_some(), "{}", page.body);
    assert!(page.testid("activation-form").is_some());

    let shown = agent
        .post("/console/credentials/cust-2/activation-code", &[])
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(
        shown.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let code = shown.testid("activation-code").expect("the code is shown");
    let grouped = regex::Regex::new(r"^[0-9]{4} [0-9]{4}$").unwrap();
    assert!(grouped.is_match(&code), "grouped 4+4 digits: {code:?}");
    let until = shown.testid("activation-until").unwrap();
    assert!(
        regex::Regex::new(r"^[0-9]{2}:[0-9]{2}:[0-9]{2}$")
            .unwrap()
            .is_match(&until),
        "valid until HH:MM:SS without JavaScript: {until:?}"
    );
    assert!(
        shown
            .body
            .contains("<script src=\"/console/static/countdown.js\"></script>")
    );
    let script = agent.get("/console/static/countdown.js").await;
    assert_eq!(script.status, StatusCode::OK);
    assert!(script.body.contains("data-seconds"));

    // A reload is a GET: back to the credential, no code.
    let again = agent
        .get("/console/credentials/cust-2/activation-code")
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), "/console/credentials/cust-2");
    let page = agent.get(again.location()).await;
    let digits = code.replace(' ', "");
    assert!(!page.body.contains(&code) && !page.body.contains(&digits));
    assert!(
        page.testid("activation-status")
            .is_some_and(|text| text.contains("until")),
        "pending until when"
    );

    assert_eq!(
        sign_with(&console, "cust-2", &envelope, &code).await,
        mobipass_verifier::Outcome::Accepted
    );
    assert_eq!(state(&console, "cust-2").await, State::Active);
    let wrong = mobipass_scheme::ActivationCode::generate().grouped();
    assert_ne!(
        sign_with(&console, "cust-2", &envelope, &wrong).await,
        mobipass_verifier::Outcome::Accepted,
        "another code does not work"
    );

    let audit = console.audit_actions().await;
    let issued: Vec<_> = audit
        .iter()
        .filter(|(_, action, _)| action == "activation_code")
        .collect();
    assert_eq!(issued.len(), 1, "{audit:?}");
    assert_eq!(issued[0].0, "console:anna");
    for (actor, action, detail) in &audit {
        let row = format!("{actor} {action} {detail}");
        assert!(
            !row.contains(&digits) && !row.contains(&code),
            "the code in the audit: {row}"
        );
    }
}

#[tokio::test]
async fn an_activation_code_is_refused_clearly_and_never_without_csrf() {
    let console = Console::start().await;
    let setup = Actor::new("setup").unwrap();
    console
        .verifier
        .issue_envelope_only(&id("env-1"), &setup)
        .await
        .unwrap();
    console.verifier.issue(&id("two-1"), &setup).await.unwrap();
    let agent = console.signed_in(AGENT).await;

    let page = agent.get("/console/credentials/env-1").await;
    assert!(page.body.contains("data-kind=\"envelope_only\""));
    assert!(page.testid("activation-form").is_none());
    assert!(page.testid("activation-status").is_none());
    let refused = agent
        .post("/console/credentials/env-1/activation-code", &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .testid("action-error")
            .is_some_and(|text| text.contains("envelope-only")),
        "{}",
        refused.body
    );
    assert!(refused.testid("activation-code").is_none());

    agent.get("/console/credentials/two-1").await;
    let forged = agent
        .post_without_csrf("/console/credentials/two-1/activation-code", &[])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert!(forged.testid("activation-code").is_none());
    let status = console.verifier.status(&id("two-1")).await.unwrap();
    assert!(status.activation_code_needed, "no code was issued");

    console
        .verifier
        .block(&id("two-1"), "lost device", &setup)
        .await
        .unwrap();
    agent.get("/console/credentials/two-1").await;
    let blocked = agent
        .post("/console/credentials/two-1/activation-code", &[])
        .await;
    assert_eq!(blocked.status, StatusCode::CONFLICT);
    assert!(blocked.testid("action-error").is_some());
    assert!(blocked.testid("activation-code").is_none());
    console.verifier.revoke(&id("two-1"), &setup).await.unwrap();
    let revoked = agent
        .post("/console/credentials/two-1/activation-code", &[])
        .await;
    assert_eq!(revoked.status, StatusCode::CONFLICT);
    assert!(revoked.testid("action-error").is_some());
    let actions: Vec<_> = console
        .audit_actions()
        .await
        .into_iter()
        .filter(|(_, action, _)| action == "activation_code")
        .collect();
    assert!(actions.is_empty(), "{actions:?}");
}
