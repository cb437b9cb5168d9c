//! The demo bank over HTTP against its embedded verifier: sign-up and the
//! envelope, the second channel, the guard (CSRF, headers), transfers
//! refused with the verifier's reasons, and forged returns refused.

mod support;

use hyper::StatusCode;
use mobipass_demo_bank::signed_return;
use mobipass_scheme::{Envelope, EnvelopeKind};
use support::{Browser, start};

#[tokio::test]
async fn sign_up_shows_a_two_channel_envelope_and_opens_a_session() {
    let bank = start().await;
    let mut browser = Browser::new();
    let envelope = browser.sign_up(&bank, "Alice Smith").await;
    assert_eq!(envelope.status, StatusCode::OK);
    let parts = envelope.testids("envelope-part");
    assert_eq!(parts.len(), 4, "four parts");
    let key = Envelope::parse(&parts.join(" ")).expect("the parts are a valid envelope");
    assert_eq!(key.kind(), EnvelopeKind::TwoChannel);
    assert!(envelope.testid("envelope-needs-code").is_some());
    let id = envelope.testid("envelope-credential").unwrap();
    assert!(id.starts_with("alicesmith-"), "{id}");
    // The session cookie works: the overview names the customer.
    let home = browser.get(&format!("{}/", bank.url)).await;
    assert_eq!(home.testid("customer").as_deref(), Some("Alice Smith"));
    assert_eq!(home.testid("credential-id"), Some(id));
    // The envelope is not shown again anywhere.
    assert!(home.testid("envelope-part").is_none());
}

#[tokio::test]
async fn the_second_channel_gives_a_fresh_activation_code_each_time() {
    let bank = start().await;
    let mut browser = Browser::new();
    browser.sign_up(&bank, "Bob").await;
    let phone = browser.get(&format!("{}/sms", bank.url)).await;
    assert!(
        phone.testid("activation-code").is_none(),
        "no code before asking"
    );
    let csrf = phone.csrf();
    let first = browser
        .post(&format!("{}/sms", bank.url), &[("csrf", &csrf)])
        .await;
    let code = first.testid("activation-code").expect("a code");
    assert_eq!(code.len(), 9, "grouped 4 + space + 4: {code}");
    mobipass_scheme::ActivationCode::parse(&code).expect("a valid activation code");
    let second = browser
        .post(&format!("{}/sms", bank.url), &[("csrf", &csrf)])
        .await;
    assert_ne!(second.testid("activation-code"), Some(code));
}

#[tokio::test]
async fn a_post_without_the_csrf_token_changes_nothing() {
    let bank = start().await;
    let mut browser = Browser::new();
    browser.get(&format!("{}/", bank.url)).await;
    let refused = browser
        .post(&format!("{}/sign-up", bank.url), &[("name", "Mallory")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.testid("error-csrf").is_some());
    let wrong = browser
        .post(
            &format!("{}/sign-up", bank.url),
            &[("csrf", &"0".repeat(64)), ("name", "Mallory")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let home = browser.get(&format!("{}/", bank.url)).await;
    assert!(home.testid("customer").is_none(), "nobody signed up");
    // Signed in, the pre-sign-up token no longer counts.
    let pre = home.csrf();
    browser.sign_up(&bank, "Carol").await;
    let stale = browser
        .post(&format!("{}/sms", bank.url), &[("csrf", &pre)])
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let bank = start().await;
    let mut browser = Browser::new();
    for path in ["/", "/static/bank.css", "/no-such-page"] {
        let page = browser.get(&format!("{}{path}", bank.url)).await;
        let csp = page.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("default-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains(&bank.verifier.url),
            "form-action allows the verifier: {csp}"
        );
        assert_eq!(page.headers["referrer-policy"], "no-referrer");
        assert_eq!(page.headers["cache-control"], "no-store");
    }
    let missing = browser.get(&format!("{}/no-such-page", bank.url)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn pages_for_customers_send_visitors_to_sign_up() {
    let bank = start().await;
    let mut browser = Browser::new();
    for path in ["/sms", "/transfer", "/statement"] {
        let page = browser.get(&format!("{}{path}", bank.url)).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), "/");
    }
}

#[tokio::test]
async fn a_malformed_transfer_is_shown_again_without_asking_the_verifier() {
    let bank = start().await;
    let mut browser = Browser::new();
    let envelope = browser.sign_up(&bank, "Dana").await;
    let csrf = envelope.csrf();
    let page = browser
        .post(
            &format!("{}/transfer", bank.url),
            &[
                ("csrf", &csrf),
                ("payee_name", "Shop"),
                ("account", "no digits"),
                ("amount", "12.345"),
                ("kind", "linked"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.testids("transfer-error").len(),
        2,
        "account and amount"
    );
}

#[tokio::test]
async fn forged_or_malformed_returns_are_refused() {
    let bank = start().await;
    let mut browser = Browser::new();
    browser.sign_up(&bank, "Erin").await;
    let now = mobipass_demo_bank::state::now_unix();
    let time = now.to_string();
    let forged = signed_return::sign(b"not the verifier's secret at all!!", "s1", "accepted", now);
    let genuine_unknown = signed_return::sign(&bank.verifier.return_secret, "s1", "accepted", now);
    let stale = signed_return::sign(&bank.verifier.return_secret, "s1", "accepted", now - 600);
    for (fields, why) in [
        (
            vec![
                ("session_id", "s1"),
                ("outcome", "accepted"),
                ("time", time.as_str()),
                ("signature", forged.as_str()),
            ],
            "another secret",
        ),
        (
            vec![
                ("session_id", "s1"),
                ("outcome", "accepted"),
                ("time", time.as_str()),
                ("signature", genuine_unknown.as_str()),
            ],
            "no payment waits on this session",
        ),
        (
            vec![
                ("session_id", "s1"),
                ("outcome", "accepted"),
                ("time", &(now - 600).to_string()),
                ("signature", stale.as_str()),
            ],
            "ten minutes old",
        ),
        (vec![("outcome", "accepted")], "fields missing"),
    ] {
        let page = browser.post(&format!("{}/signed", bank.url), &fields).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{why}");
        assert!(page.testid("return-refused").is_some(), "{why}");
    }
    let statement = browser.get(&format!("{}/statement", bank.url)).await;
    assert!(statement.testid("statement-empty").is_some());
}

/// Fills and sends the transfer form.
async fn transfer(
    browser: &mut Browser,
    bank: &support::Bank,
    csrf: &str,
    amount: &str,
    kind: &str,
) -> support::Page {
    browser
        .post(
            &format!("{}/transfer", bank.url),
            &[
                ("csrf", csrf),
                ("payee_name", "Electronic Store"),
                ("account", "KZ86 125K ZT50 0410 0100"),
                ("amount", amount),
                ("kind", kind),
            ],
        )
        .await
}

#[tokio::test]
async fn a_transfer_before_the_activation_code_is_refused_with_the_reason() {
    let bank = start().await;
    let mut browser = Browser::new();
    let envelope = browser.sign_up(&bank, "Frank").await;
    let page = transfer(&mut browser, &bank, &envelope.csrf(), "12.50", "linked").await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.testid("transfer-refused").is_some());
    assert!(page.body.contains("activation code"), "says why");
}

#[tokio::test]
async fn a_transfer_goes_to_the_signing_page_and_a_return_the_verifier_denies_books_nothing() {
    let bank = start().await;
    let mut browser = Browser::new();
    let envelope = browser.sign_up(&bank, "Gina").await;
    let csrf = envelope.csrf();
    browser
        .post(&format!("{}/sms", bank.url), &[("csrf", &csrf)])
        .await;
    let page = transfer(&mut browser, &bank, &csrf, "1 500,00", "linked").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let url = page.location();
    assert!(
        url.starts_with(&format!("{}/sign/", bank.verifier.url)),
        "{url}"
    );
    let payments = bank
        .state
        .bank
        .payments_of(&envelope.testid("envelope-credential").unwrap());
    assert_eq!(payments.len(), 1);
    let session_id = payments[0].session_id.clone();
    let api = mobipass_demo_bank::verifier_api::VerifierApi::new(
        &bank.verifier.url,
        bank.verifier.bank_key.clone(),
        bank.verifier.operator_key.clone(),
    );
    let info = api.session(&session_id).await.unwrap();
    assert_eq!(info.state, "pending");
    assert!(info.linked);
    assert_eq!(info.amount_minor, Some(150_000));
    // The session is pending: a return with a valid HMAC still books
    // nothing, because the verifier says otherwise.
    let now = mobipass_demo_bank::state::now_unix();
    for outcome in ["accepted", "blocked", "expired"] {
        let signature =
            signed_return::sign(&bank.verifier.return_secret, &session_id, outcome, now);
        let page = browser
            .post(
                &format!("{}/signed", bank.url),
                &[
                    ("session_id", session_id.as_str()),
                    ("outcome", outcome),
                    ("time", &now.to_string()),
                    ("signature", signature.as_str()),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{outcome}");
        assert!(page.testid("return-refused").is_some());
    }
    assert_eq!(
        bank.state.bank.payment(&session_id).unwrap().state,
        mobipass_demo_bank::state::PaymentState::Pending
    );
    let statement = browser.get(&format!("{}/statement", bank.url)).await;
    assert!(statement.testid("statement-empty").is_some());
}
