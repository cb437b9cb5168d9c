//! The console's security over real HTTP: headers on every answer, cookie
//! flags, CSRF, sign-in throttling, session ends, and the supervisor pages
//! an agent cannot use.

mod console_support;

use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use console_support::{AGENT, Console, PASSWORD, SUPERVISOR};
use mobipass_verifier::{Actor, CredentialId, OperatorName, SessionPolicy, State};
use mobipass_verifier_server::console::ConsoleSettings;

fn id(text: &str) -> CredentialId {
    CredentialId::new(text).unwrap()
}

#[tokio::test]
async fn every_console_answer_carries_the_security_headers() {
    let console = Console::start().await;
    let browser = console.browser();
    let signed = console.signed_in(AGENT).await;
    let pages = [
        browser.get("/console/").await,
        browser.get("/console/static/console.css").await,
        browser.get("/console/no-such-page").await,
        browser.post_without_csrf("/console/sign-in", &[]).await,
        signed.get("/console/find?id=nobody").await,
        signed.get("/console/audit").await,
    ];
    for page in &pages {
        let h = &page.headers;
        assert_eq!(
            h[header::CONTENT_SECURITY_POLICY],
            "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
            "{}",
            page.status
        );
        assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
    }
    assert_eq!(pages[2].status, StatusCode::NOT_FOUND);
    for page in &pages {
        assert!(!page.body.contains("<script"), "no script at all");
        assert!(!page.body.contains("style="), "no inline style");
    }
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_behind_https() {
    let console = Console::start().await;
    let page = console.browser().sign_in(AGENT, PASSWORD).await;
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("mp_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(cookie.contains("Path=/console"));
    assert!(
        !cookie.contains("Secure"),
        "plain http test server: {cookie}"
    );
    let token = cookie.split(['=', ';']).nth(1).unwrap();
    assert_eq!(token.len(), 64);
    for (actor, action, detail) in console.audit_actions().await {
        assert!(!actor.contains(token) && !action.contains(token) && !detail.contains(token));
    }

    let https = Console::start_with(ConsoleSettings {
        secure_cookies: true,
        ..ConsoleSettings::default()
    })
    .await;
    let page = https.browser().sign_in(AGENT, PASSWORD).await;
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("mp_session="))
        .unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn a_post_without_the_csrf_token_changes_nothing() {
    let console = Console::start().await;
    let actor = Actor::new("setup").unwrap();
    console
        .verifier
        .issue_envelope_only(&id("cust-1"), &actor)
        .await
        .unwrap();
    let agent = console.signed_in(AGENT).await;
    let refused = agent
        .post_without_csrf(
            "/console/credentials/cust-1/block",
            &[("reason", "lost_device")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.testid("message-403").is_some());
    let forged = agent
        .send(
            Method::POST,
            "/console/credentials/cust-1/block",
            Some(&[("csrf", &"0".repeat(64)), ("reason", "lost_device")]),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let state = console.verifier.status(&id("cust-1")).await.unwrap().state;
    assert_eq!(state, State::Issued, "nothing was blocked");
    // The same request with the page's token goes through.
    agent.get("/console/credentials/cust-1").await;
    let done = agent
        .post(
            "/console/credentials/cust-1/block",
            &[("reason", "lost_device")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let state = console.verifier.status(&id("cust-1")).await.unwrap().state;
    assert_eq!(state, State::Blocked);
    // Sign-in without the pre-session token is refused too.
    let fresh = console.browser();
    let page = fresh
        .post_without_csrf(
            "/console/sign-in",
            &[("name", AGENT), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(
        page.set_cookies()
            .iter()
            .all(|c| !c.starts_with("mp_session="))
    );
}

#[tokio::test]
async fn wrong_passwords_are_refused_and_the_fifth_locks_even_the_right_one() {
    let console = Console::start().await;
    let browser = console.browser();
    for attempt in 1..=5 {
        let page = browser.sign_in(AGENT, "not the password").await;
        let expected = if attempt < 5 {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::TOO_MANY_REQUESTS
        };
        assert_eq!(page.status, expected, "attempt {attempt}");
        assert!(
            page.set_cookies()
                .iter()
                .all(|c| !c.starts_with("mp_session="))
        );
        assert!(
            !page.body.contains("not the password"),
            "the password is not echoed"
        );
    }
    let page = browser.sign_in(AGENT, PASSWORD).await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.testid("signin-error").unwrap().contains("15 minutes"));
    let audit = console.audit_actions().await;
    let failed = audit
        .iter()
        .filter(|(actor, action, detail)| {
            actor == "console:anna"
                && action == "console_sign_in_failed"
                && detail == "from 127.0.0.1"
        })
        .count();
    assert_eq!(failed, 5);
    assert!(
        audit
            .iter()
            .any(|(_, action, _)| action == "console_sign_in_locked")
    );
    assert!(
        audit
            .iter()
            .all(|(_, _, detail)| !detail.contains("not the password"))
    );
}

#[tokio::test]
async fn an_idle_session_is_sent_back_to_sign_in_and_its_cookie_cleared() {
    let console = Console::start_with(ConsoleSettings {
        policy: SessionPolicy {
            idle: Duration::from_millis(400),
            absolute: Duration::from_secs(60),
        },
        ..ConsoleSettings::default()
    })
    .await;
    let agent = console.signed_in(AGENT).await;
    assert_eq!(
        agent.get("/console/find?id=x").await.status,
        StatusCode::NOT_FOUND
    );
    tokio::time::sleep(Duration::from_millis(600)).await;
    let page = agent.get("/console/find?id=x").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/console/?ended=1");
    assert!(
        page.set_cookies()
            .iter()
            .any(|c| c.starts_with("mp_session=;"))
    );
    let sign_in = agent.get(page.location()).await;
    assert!(sign_in.testid("signin-form").is_some());
    assert!(sign_in.testid("signin-notice").is_some());
}

#[tokio::test]
async fn a_disabled_operator_is_signed_out_at_the_next_click() {
    let console = Console::start().await;
    let agent = console.signed_in(AGENT).await;
    assert_eq!(
        agent.get("/console/find?id=x").await.status,
        StatusCode::NOT_FOUND
    );
    console
        .verifier
        .disable_operator(
            &OperatorName::new(AGENT).unwrap(),
            &Actor::new("setup").unwrap(),
        )
        .await
        .unwrap();
    let page = agent.get("/console/find?id=x").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert!(page.location().starts_with("/console/"));
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let console = Console::start().await;
    let agent = console.signed_in(AGENT).await;
    let stolen = agent
        .jar
        .lock()
        .unwrap()
        .get("mp_session")
        .cloned()
        .unwrap();
    let out = agent.post("/console/sign-out", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    // A copy of the old cookie is worth nothing now.
    let thief = console.browser();
    thief
        .jar
        .lock()
        .unwrap()
        .insert("mp_session".into(), stolen);
    let page = thief.get("/console/audit").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_agent_gets_403_on_supervisor_pages_and_nothing_changes() {
    let console = Console::start().await;
    let setup = Actor::new("setup").unwrap();
    console
        .verifier
        .issue_envelope_only(&id("cust-1"), &setup)
        .await
        .unwrap();
    let agent = console.signed_in(AGENT).await;
    let before = console.audit_actions().await.len();
    for path in [
        "/console/audit",
        "/console/audit.csv",
        "/console/issue",
        "/console/credentials/cust-1/revoke",
    ] {
        let page = agent.get(path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.testid("message-403").is_some(),
            "{path}: {}",
            page.body
        );
    }
    agent.get("/console/credentials/cust-1").await;
    for (path, fields) in [
        (
            "/console/credentials/cust-1/revoke",
            vec![("confirm", "yes")],
        ),
        ("/console/credentials/cust-1/reissue", vec![]),
        ("/console/issue", vec![("id", "cust-2")]),
    ] {
        let page = agent.post(path, &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        console.verifier.status(&id("cust-1")).await.unwrap().state,
        State::Issued
    );
    assert!(console.verifier.status(&id("cust-2")).await.is_err());
    assert_eq!(
        console.audit_actions().await.len(),
        before,
        "no audit row, no change"
    );
    let boss = console.signed_in(SUPERVISOR).await;
    assert_eq!(boss.get("/console/audit").await.status, StatusCode::OK);
}

#[tokio::test]
async fn console_routes_are_not_in_the_openapi_document() {
    let console = Console::start().await;
    let document = console.browser().get("/openapi.json").await;
    assert_eq!(document.status, StatusCode::OK);
    assert!(!document.body.contains("/console"));
}

#[tokio::test]
async fn a_get_on_an_action_url_changes_nothing() {
    let console = Console::start().await;
    let setup = Actor::new("setup").unwrap();
    console
        .verifier
        .issue_envelope_only(&id("cust-1"), &setup)
        .await
        .unwrap();
    let boss = console.signed_in(SUPERVISOR).await;
    for action in ["block", "unblock", "reissue"] {
        let page = boss
            .get(&format!("/console/credentials/cust-1/{action}"))
            .await;
        assert_eq!(page.status, StatusCode::METHOD_NOT_ALLOWED, "{action}");
        assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    }
    let asked = boss.get("/console/credentials/cust-1/revoke").await;
    assert_eq!(asked.status, StatusCode::OK, "GET revoke only asks");
    assert_eq!(
        console.verifier.status(&id("cust-1")).await.unwrap().state,
        State::Issued
    );
}

#[tokio::test]
async fn signing_in_again_ends_the_previous_session() {
    let console = Console::start().await;
    let agent = console.signed_in(AGENT).await;
    let first = agent
        .jar
        .lock()
        .unwrap()
        .get("mp_session")
        .cloned()
        .unwrap();
    let again = agent
        .post(
            "/console/sign-in",
            &[("name", SUPERVISOR), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let second = agent
        .jar
        .lock()
        .unwrap()
        .get("mp_session")
        .cloned()
        .unwrap();
    assert_ne!(first, second, "a new session id after sign-in");
    let old = console.browser();
    old.jar.lock().unwrap().insert("mp_session".into(), first);
    assert_eq!(
        old.get("/console/audit").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(agent.get("/console/audit").await.status, StatusCode::OK);
}
