//! The hosted signing page (`/sign/...`) against the real app: the one-time
//! link, every outcome a payer can meet, the CSRF check that counts
//! nothing, the signed return form (its HMAC recomputed here) and the
//! page's security headers, in English, Russian and Kazakh.

mod console_support;
mod http_support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{StatusCode, header};
use console_support::{Browser, Page};
use hmac::{Hmac, KeyInit, Mac};
use http_support::{BANK_KEY, RETURN_SECRET, RETURN_URL, TestServer, sign, sign_linked, wrong};
use mobipass_verifier::{Config, ManualClock, MasterKey, Verifier};
use serde_json::{Value, json};
use sha2::Sha256;

/// A server, an envelope-only credential `alice` and its key parts.
async fn server() -> (TestServer, [String; 4]) {
    let server = TestServer::start().await;
    let parts = server.client.issue("alice").await;
    (server, parts)
}

/// A session for alice (linked if `linked`): its id and page URL path.
async fn session(server: &TestServer, linked: bool) -> (String, String) {
    let mut body = json!({
        "credential_id": "alice",
        "description": "Transfer to Electronic Store",
        "requester": "Demo Bank",
        "return_url": RETURN_URL,
    });
    if linked {
        body["amount_minor"] = json!(123_456);
        body["payee"] = json!("KZ12 3456 7890 1234");
    }
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), body)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let url = reply.body["url"].as_str().unwrap();
    let path = url
        .strip_prefix(&format!("http://{}", server.addr))
        .unwrap()
        .to_owned();
    (reply.body["session_id"].as_str().unwrap().to_owned(), path)
}

/// Opens the link as a payer's browser does: the redirect, then the page.
async fn open(browser: &Browser, link: &str, id: &str) -> Page {
    let first = browser.get(link).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let location = format!("/sign/s/{id}");
    assert_eq!(first.location(), location);
    let page = browser.get(&location).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    page
}

fn attr(page: &Page, testid: &str, name: &str) -> Option<String> {
    let tag = regex::Regex::new(&format!(r#"<[^>]*data-testid="{testid}"[^>]*>"#)).unwrap();
    let tag = tag.find(&page.body)?.as_str();
    let value = regex::Regex::new(&format!(r#"\s{name}="([^"]*)""#)).unwrap();
    value.captures(tag).map(|c| c[1].to_owned())
}

fn outcome(page: &Page) -> Option<String> {
    attr(page, "result", "data-outcome")
}

fn code(page: &Page) -> String {
    attr(page, "document-code", "data-code").expect("the page shows a document code")
}

fn hidden(page: &Page, name: &str) -> String {
    let pattern = regex::Regex::new(&format!(r#"name="{name}" value="([^"]*)""#)).unwrap();
    pattern
        .captures(&page.body)
        .unwrap_or_else(|| panic!("no hidden {name} in {}", page.body))[1]
        .to_owned()
}

async fn api_state(server: &TestServer, id: &str) -> Value {
    let reply = server
        .client
        .get(&format!("/v1/signing-sessions/{id}"), Some(BANK_KEY))
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body
}

async fn value(browser: &Browser, id: &str, value: &str) -> Page {
    browser
        .post(&format!("/sign/s/{id}"), &[("value", value)])
        .await
}

/// The return form a final page carries, checked as a bank's backend does.
fn check_return_form(page: &Page, id: &str, expected: &str) {
    assert_eq!(
        attr(page, "return-form", "action").as_deref(),
        Some(RETURN_URL)
    );
    assert_eq!(attr(page, "return-form", "method").as_deref(), Some("post"));
    assert!(page.body.contains(r#"data-testid="return""#));
    assert!(
        page.body
            .contains(r#"<script src="/sign/static/return.js"></script>"#)
    );
    assert_eq!(hidden(page, "session_id"), id);
    assert_eq!(hidden(page, "outcome"), expected);
    let time = hidden(page, "time");
    let unix: u64 = time.parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now.abs_diff(unix) < 60);
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(RETURN_SECRET).unwrap();
    mac.update(format!("{id}.{expected}.{time}").as_bytes());
    assert_eq!(
        hidden(page, "signature"),
        hex::encode(mac.finalize().into_bytes())
    );
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains(&format!("form-action 'self' {RETURN_URL}")),
        "{csp}"
    );
}

#[tokio::test]
async fn a_wrong_value_shows_attempts_left_and_the_right_one_returns_signed() {
    let (server, parts) = server().await;
    let (id, link) = session(&server, false).await;
    let browser = Browser::new(server.addr);
    let page = open(&browser, &link, &id).await;
    assert_eq!(page.testid("requester").as_deref(), Some("Demo Bank"));
    assert_eq!(
        page.testid("description").as_deref(),
        Some("Transfer to Electronic Store")
    );
    assert!(page.testid("amount").is_none() && page.testid("payee").is_none());
    assert!(outcome(&page).is_none(), "no result before a value");
    let input = regex::Regex::new(r#"<input [^>]*data-testid="signature-value"[^>]*>"#)
        .unwrap()
        .find(&page.body)
        .unwrap()
        .as_str()
        .to_owned();
    assert!(input.contains(r#"inputmode="numeric""#) && input.contains(r#"autocomplete="off""#));
    assert!(page.body.contains(r#"data-testid="submit""#));
    let code = code(&page);

    let rejected = value(&browser, &id, &wrong(&parts, &code)).await;
    assert_eq!(rejected.status, StatusCode::OK);
    assert_eq!(outcome(&rejected).as_deref(), Some("rejected"));
    assert_eq!(rejected.testid("attempts-left").as_deref(), Some("2"));
    assert!(
        rejected.body.contains(r#"data-testid="signature-value""#),
        "the form again"
    );
    assert!(!rejected.body.contains("return-form"));
    assert_eq!(api_state(&server, &id).await["attempts_left"], 2);

    let accepted = value(&browser, &id, &sign(&parts, &code)).await;
    assert_eq!(outcome(&accepted).as_deref(), Some("accepted"));
    assert!(!accepted.body.contains(r#"data-testid="signature-value""#));
    check_return_form(&accepted, &id, "accepted");
    let state = api_state(&server, &id).await;
    assert_eq!(state["state"], "accepted");
    assert!(state["completed_at"].is_string());
    // A reload shows the same end, with a fresh signed time.
    let again = browser.get(&format!("/sign/s/{id}")).await;
    assert_eq!(outcome(&again).as_deref(), Some("accepted"));
    check_return_form(&again, &id, "accepted");
}

#[tokio::test]
async fn a_linked_session_shows_amount_and_payee_and_signs_them() {
    let (server, parts) = server().await;
    let (id, link) = session(&server, true).await;
    let browser = Browser::new(server.addr);
    let page = open(&browser, &link, &id).await;
    assert_eq!(page.testid("amount").as_deref(), Some("1,234.56"));
    assert_eq!(page.testid("payee").as_deref(), Some("78901234"));
    let code = code(&page);
    let right = sign_linked(&parts, &code, 123_456, "KZ12 3456 7890 1234");
    let accepted = value(&browser, &id, &right).await;
    assert_eq!(outcome(&accepted).as_deref(), Some("accepted"));
    check_return_form(&accepted, &id, "accepted");
}

#[tokio::test]
async fn a_malformed_value_is_refused_and_not_counted() {
    let (server, parts) = server().await;
    let (id, link) = session(&server, false).await;
    let browser = Browser::new(server.addr);
    let code = code(&open(&browser, &link, &id).await);
    for bad in ["", "1234567", "123456789", "12345abc"] {
        let page = value(&browser, &id, bad).await;
        assert_eq!(outcome(&page).as_deref(), Some("invalid-format"), "{bad:?}");
        assert!(page.testid("attempts-left").is_none());
    }
    assert_eq!(api_state(&server, &id).await["attempts_left"], 3);
    // Spaces are allowed, as MobiPass may show the value grouped.
    let right = sign(&parts, &code);
    let spaced = format!("{} {}", &right[..4], &right[4..]);
    let page = value(&browser, &id, &spaced).await;
    assert_eq!(outcome(&page).as_deref(), Some("accepted"));
}

#[tokio::test]
async fn a_post_without_the_csrf_token_is_refused_and_not_counted() {
    let (server, parts) = server().await;
    let (id, link) = session(&server, false).await;
    let browser = Browser::new(server.addr);
    let code = code(&open(&browser, &link, &id).await);
    let path = format!("/sign/s/{id}");
    let right = sign(&parts, &code);
    let missing = browser
        .post_without_csrf(&path, &[("value", &wrong(&parts, &code))])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_eq!(outcome(&missing).as_deref(), Some("csrf-refused"));
    let forged = browser
        .post_without_csrf(&path, &[("csrf", &"0".repeat(64)), ("value", &right)])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Not judged: neither the wrong value counted nor the right one accepted.
    let state = api_state(&server, &id).await;
    assert_eq!(
        (state["state"].as_str(), state["attempts_left"].as_u64()),
        (Some("pending"), Some(3))
    );
    // The refusal page carries a fresh form; with it the value goes through.
    let accepted = value(&browser, &id, &right).await;
    assert_eq!(outcome(&accepted).as_deref(), Some("accepted"));
}

#[tokio::test]
async fn three_wrong_values_end_blocked_with_call_your_bank() {
    let (server, parts) = server().await;
    let (id, link) = session(&server, false).await;
    let browser = Browser::new(server.addr);
    let code = code(&open(&browser, &link, &id).await);
    let right: u64 = sign(&parts, &code).parse().unwrap();
    let mut last = None;
    for n in 1..=3u64 {
        let guess = format!("{:08}", (right + n) % 100_000_000);
        last = Some(value(&browser, &id, &guess).await);
        if n == 2 {
            let page = last.as_ref().unwrap();
            assert_eq!(page.testid("attempts-left").as_deref(), Some("1"));
            assert!(page.body.contains("One more wrong value blocks"));
        }
    }
    let blocked = last.unwrap();
    assert_eq!(outcome(&blocked).as_deref(), Some("blocked"));
    // The page's verifications count in /metrics like the API's.
    let metrics = server.client.get("/metrics", None).await.text;
    assert!(
        metrics.contains("mobipass_verifications_total{outcome=\"rejected\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mobipass_blocks_total{cause=\"failures\"} 1"),
        "{metrics}"
    );
    assert!(blocked.body.contains("call your bank"));
    check_return_form(&blocked, &id, "blocked");
    assert_eq!(api_state(&server, &id).await["state"], "blocked");
    // The right value now judges nothing.
    let after = value(&browser, &id, &sign(&parts, &code)).await;
    assert_eq!(outcome(&after).as_deref(), Some("blocked"));
}

#[tokio::test]
async fn an_expired_session_ends_expired() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("v.sqlite3").display());
    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let verifier = Verifier::open(&url, MasterKey::generate(), Config::default())
        .await
        .unwrap()
        .with_clock(clock.clone());
    let server = TestServer::serve(verifier, Default::default(), dir).await;
    let parts = server.client.issue("alice").await;
    let (id, link) = session(&server, false).await;
    let browser = Browser::new(server.addr);
    let code = code(&open(&browser, &link, &id).await);
    clock.advance(Duration::from_secs(301));
    let shown = browser.get(&format!("/sign/s/{id}")).await;
    assert_eq!(outcome(&shown).as_deref(), Some("expired"));
    check_return_form(&shown, &id, "expired");
    let late = value(&browser, &id, &sign(&parts, &code)).await;
    assert_eq!(outcome(&late).as_deref(), Some("expired"));
    assert_eq!(api_state(&server, &id).await["state"], "expired");
}

#[tokio::test]
async fn a_link_opens_once_and_unknown_links_are_refused() {
    let (server, _parts) = server().await;
    let (id, link) = session(&server, false).await;
    let payer = Browser::new(server.addr);
    open(&payer, &link, &id).await;
    // The same link again, in the same or another browser: refused.
    for browser in [payer.clone(), Browser::new(server.addr)] {
        let again = browser.get(&link).await;
        assert_eq!(again.status, StatusCode::GONE);
        assert_eq!(outcome(&again).as_deref(), Some("link-used"));
        assert!(again.set_cookies().is_empty());
    }
    for unknown in [
        format!("/sign/{}", "ab".repeat(32)),
        "/sign/short".into(),
        "/sign/s/0123456789abcdef0123456789abcdef".into(),
        "/sign/s/not-an-id".into(),
    ] {
        let page = Browser::new(server.addr).get(&unknown).await;
        assert_eq!(page.status, StatusCode::GONE, "{unknown}");
        assert_eq!(outcome(&page).as_deref(), Some("link-used"), "{unknown}");
    }
    // Another browser on the session's page, without the key: refused,
    // and its POST judges nothing.
    let stranger = Browser::new(server.addr);
    let page = stranger.get(&format!("/sign/s/{id}")).await;
    assert_eq!(outcome(&page).as_deref(), Some("link-used"));
    let post = stranger
        .post_without_csrf(&format!("/sign/s/{id}"), &[("value", "12345678")])
        .await;
    assert_eq!(outcome(&post).as_deref(), Some("link-used"));
    assert_eq!(api_state(&server, &id).await["attempts_left"], 3);
}

#[tokio::test]
async fn the_page_keeps_the_token_out_and_sends_strict_headers() {
    let (server, _parts) = server().await;
    let (id, link) = session(&server, false).await;
    let token = link.strip_prefix("/sign/").unwrap().to_owned();
    let browser = Browser::new(server.addr);
    let first = browser.get(&link).await;
    let cookie = first.set_cookies().join("\n");
    assert!(cookie.starts_with("mp_sign="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Lax", &format!("Path=/sign/s/{id}")] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains(&token), "the cookie is not the token");
    assert!(!first.location().contains(&token));
    let page = browser.get(first.location()).await;
    assert!(!page.body.contains(&token));
    for answer in [&first, &page] {
        let headers = &answer.headers;
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.starts_with("default-src 'none'"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"));
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    }
    // No inline script or style, no external asset.
    assert!(!page.body.contains("<script>") && !page.body.contains("style="));
    assert!(!page.body.contains("http://") && !page.body.contains("https://"));
    for asset in ["/sign/static/signing.css", "/sign/static/return.js"] {
        let answer = browser.get(asset).await;
        assert_eq!(answer.status, StatusCode::OK, "{asset}");
    }
}

#[tokio::test]
async fn russian_and_kazakh_pages_have_every_string() {
    let (server, parts) = server().await;
    for (lang, title, accepted) in [
        ("ru", "Подтверждение в MobiPass", "Подтверждено"),
        ("kk", "MobiPass арқылы растау", "Расталды"),
    ] {
        let (id, link) = session(&server, true).await;
        let browser = Browser::new(server.addr);
        open(&browser, &link, &id).await;
        let page = browser.get(&format!("/sign/s/{id}?lang={lang}")).await;
        assert!(
            page.set_cookies()
                .iter()
                .any(|c| c.starts_with(&format!("mp_lang={lang}")))
        );
        assert!(page.body.contains(&format!(r#"<html lang="{lang}">"#)));
        assert!(page.body.contains(title), "{lang}");
        assert_eq!(page.testid("amount").as_deref(), Some("1\u{a0}234,56"));
        let code = code(&page);
        let mut pages = vec![page];
        pages.push(value(&browser, &id, "1").await);
        pages.push(value(&browser, &id, &wrong(&parts, &code)).await);
        let right = sign_linked(&parts, &code, 123_456, "KZ12 3456 7890 1234");
        let done = value(&browser, &id, &right).await;
        assert!(done.body.contains(accepted), "{lang}");
        pages.push(done);
        for page in &pages {
            // A missing message shows its id.
            assert!(!page.body.contains("pay-"), "{lang}: {}", page.body);
            assert!(page.body.contains(&format!(r#"<html lang="{lang}">"#)));
        }
    }
}

#[tokio::test]
async fn a_temporary_lock_leaves_the_session_pending_and_says_for_how_long() {
    let config = Config {
        temporary_lock_minutes: vec![15],
        ..Config::default()
    };
    let server = TestServer::start_with(config, Default::default()).await;
    let parts = server.client.issue("alice").await;
    let (id, link) = session(&server, false).await;
    let browser = Browser::new(server.addr);
    let code = code(&open(&browser, &link, &id).await);
    let right: u64 = sign(&parts, &code).parse().unwrap();
    let mut last = None;
    for n in 1..=3u64 {
        last = Some(value(&browser, &id, &format!("{:08}", (right + n) % 100_000_000)).await);
    }
    let locked = last.unwrap();
    assert_eq!(outcome(&locked).as_deref(), Some("locked"));
    assert!(
        locked.body.contains("Try again in 15 min"),
        "{}",
        locked.body
    );
    assert!(locked.body.contains(r#"data-testid="signature-value""#));
    assert!(!locked.body.contains("return-form"));
    let state = api_state(&server, &id).await;
    assert_eq!(state["state"], "pending");
    // While locked even the right value is not judged.
    let still = value(&browser, &id, &sign(&parts, &code)).await;
    assert_eq!(outcome(&still).as_deref(), Some("locked"));
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set MOBIPASS_TEST_PG_URL"]
async fn the_page_works_the_same_on_postgresql() {
    let url = http_support::postgres_url().await;
    let verifier = Verifier::open(&url, MasterKey::generate(), Config::default())
        .await
        .unwrap();
    let server =
        TestServer::serve(verifier, Default::default(), tempfile::tempdir().unwrap()).await;
    let parts = server.client.issue("alice").await;
    let (id, link) = session(&server, true).await;
    let browser = Browser::new(server.addr);
    let code = code(&open(&browser, &link, &id).await);
    assert_eq!(browser.get(&link).await.status, StatusCode::GONE);
    let rejected = value(&browser, &id, &wrong(&parts, &code)).await;
    assert_eq!(rejected.testid("attempts-left").as_deref(), Some("2"));
    let right = sign_linked(&parts, &code, 123_456, "KZ12 3456 7890 1234");
    let accepted = value(&browser, &id, &right).await;
    assert_eq!(outcome(&accepted).as_deref(), Some("accepted"));
    check_return_form(&accepted, &id, "accepted");
    assert_eq!(api_state(&server, &id).await["state"], "accepted");
}
