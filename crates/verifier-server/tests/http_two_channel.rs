//! Two-channel activation over HTTP (DESIGN 2b): the operator issues (the
//! default kind), the bank or an operator asks for an activation code, the
//! customer's first signature with envelope + code confirms it. Every reply
//! is checked against the OpenAPI document by the test client.

mod http_support;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use http_support::{BANK_KEY, OPERATOR_KEY, TestServer, sign, sign_activated};
use mobipass_verifier::{Config, ManualClock, MasterKey, Verifier};
use serde_json::json;

#[tokio::test]
async fn issue_code_and_first_signature_activate_a_two_channel_credential() {
    let server = TestServer::start().await;
    let client = &server.client;
    let parts = client.issue_two_channel("bob").await;
    let status = client.get("/v1/credentials/bob", Some(BANK_KEY)).await;
    assert_eq!(status.body["kind"], "two_channel");
    assert_eq!(status.body["activation_code_needed"], true);

    // No challenge before a code.
    let refused = client
        .post("/v1/credentials/bob/challenges", Some(BANK_KEY), json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.body["error"]["code"], "activation_code_needed");

    let reply = client.activation_code("bob", BANK_KEY).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.headers["cache-control"], "no-store");
    let code = reply.body["activation_code"].as_str().unwrap().to_owned();
    assert_eq!(
        reply.body["grouped"],
        format!("{} {}", &code[..4], &code[4..])
    );
    let status = client.get("/v1/credentials/bob", Some(OPERATOR_KEY)).await;
    assert_eq!(status.body["activation_code_needed"], false);
    assert_eq!(status.body["state"], "issued");
    assert!(status.body["activation_expires_at"].is_string());

    // The envelope alone signs nothing: a wrong response, counted.
    let (challenge, document) = client.challenge("bob").await;
    let envelope_alone = sign_as_envelope_only(&parts, &document);
    let verdict = client.verify("bob", &challenge, &envelope_alone).await;
    assert_eq!(
        verdict,
        json!({"outcome": "rejected", "attempts_left": 2, "final_attempt": false})
    );
    let verdict = client
        .verify("bob", &challenge, &sign_activated(&parts, &code, &document))
        .await;
    assert_eq!(verdict, json!({"outcome": "accepted"}));
    let status = client.get("/v1/credentials/bob", Some(BANK_KEY)).await;
    assert_eq!(status.body["state"], "active");
    assert_eq!(status.body["failures"], 0);
    assert!(status.body.get("activation_expires_at").is_none());

    let metrics = client.get("/metrics", None).await.text;
    assert!(
        metrics.contains("mobipass_activation_codes_issued_total 1"),
        "{metrics}"
    );
    // The code is nowhere in the audit log.
    let audit = client
        .get("/v1/audit?credential_id=bob", Some(OPERATOR_KEY))
        .await;
    assert!(audit.text.contains("activation_code") && audit.text.contains("activated"));
    assert!(!audit.text.contains(&code) && !audit.text.contains(&code[..7]));
    server.shutdown().await;
}

/// The parts of a two-channel envelope re-checked as envelope-only digits
/// would not parse; an attacker's app would sign with S itself.
fn sign_as_envelope_only(parts: &[String; 4], document: &str) -> String {
    let envelope = mobipass_scheme::Envelope::from_parts(parts).unwrap();
    let only = mobipass_scheme::Envelope::new(
        envelope.key().clone(),
        mobipass_scheme::EnvelopeKind::EnvelopeOnly,
    );
    let parts = only.parts().map(|p| p.to_string());
    sign(&parts, document)
}

#[tokio::test]
async fn the_issue_body_chooses_the_kind_and_is_checked() {
    let server = TestServer::start().await;
    let client = &server.client;
    for (id, body, kind) in [
        ("a", json!({}), "two_channel"),
        ("b", json!({"envelope_only": false}), "two_channel"),
        ("c", json!({"envelope_only": true}), "envelope_only"),
    ] {
        let reply = client
            .post(
                &format!("/v1/credentials/{id}/issue"),
                Some(OPERATOR_KEY),
                body,
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["kind"], kind);
        let status = client
            .get(&format!("/v1/credentials/{id}"), Some(BANK_KEY))
            .await;
        assert_eq!(status.body["kind"], kind);
    }
    for (body, status, code) in [
        (r#"{"envelope_only":"yes"}"#, 422, "invalid_body"),
        (r#"{"kind":"envelope_only"}"#, 422, "invalid_body"),
        (r#"{"envelope_only":tru"#, 400, "malformed_json"),
    ] {
        let reply = client
            .send(
                Method::POST,
                "/v1/credentials/d/issue",
                Some(OPERATOR_KEY),
                Some(body.into()),
            )
            .await;
        assert_eq!(reply.status.as_u16(), status, "{body}: {}", reply.text);
        assert_eq!(reply.body["error"]["code"], code);
    }
    let unknown = client.get("/v1/credentials/d", Some(BANK_KEY)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "nothing was issued");

    // Reissue keeps the kind.
    let reissued = client
        .send(
            Method::POST,
            "/v1/credentials/c/reissue",
            Some(OPERATOR_KEY),
            None,
        )
        .await;
    assert_eq!(reissued.body["kind"], "envelope_only");
    let reissued = client
        .send(
            Method::POST,
            "/v1/credentials/a/reissue",
            Some(OPERATOR_KEY),
            None,
        )
        .await;
    assert_eq!(reissued.body["kind"], "two_channel");
}

#[tokio::test]
async fn activation_codes_are_refused_where_they_make_no_sense() {
    let server = TestServer::start().await;
    let client = &server.client;
    client.issue("plain").await;
    let reply = client.activation_code("plain", OPERATOR_KEY).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.body["error"]["code"], "not_two_channel");

    client.issue_two_channel("lost").await;
    let blocked = client
        .post(
            "/v1/credentials/lost/block",
            Some(OPERATOR_KEY),
            json!({"reason": "lost laptop"}),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::NO_CONTENT);
    let reply = client.activation_code("lost", BANK_KEY).await;
    assert_eq!(reply.body["error"]["code"], "credential_blocked");
    client
        .send(
            Method::POST,
            "/v1/credentials/lost/revoke",
            Some(OPERATOR_KEY),
            None,
        )
        .await;
    let reply = client.activation_code("lost", BANK_KEY).await;
    assert_eq!(reply.body["error"]["code"], "credential_revoked");
    let reply = client.activation_code("nobody", BANK_KEY).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    let reply = client
        .send(
            Method::POST,
            "/v1/credentials/lost/activation-code",
            None,
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let metrics = client.get("/metrics", None).await.text;
    assert!(
        metrics.contains("mobipass_activation_codes_issued_total 0"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_new_code_replaces_the_old_and_an_expired_one_is_refused_unevaluated() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("verifier.sqlite3").display());
    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let config = Config {
        activation_code_ttl: Duration::from_secs(60),
        ..Config::default()
    };
    let verifier = Verifier::open(&url, MasterKey::generate(), config)
        .await
        .unwrap()
        .with_clock(clock.clone());
    let server = TestServer::serve(verifier, Default::default(), dir).await;
    let client = &server.client;
    let parts = client.issue_two_channel("carol").await;
    let first = client.activation_code("carol", BANK_KEY).await.body["activation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = client.activation_code("carol", BANK_KEY).await.body["activation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (challenge, document) = client.challenge("carol").await;
    assert_eq!(
        client
            .verify(
                "carol",
                &challenge,
                &sign_activated(&parts, &first, &document)
            )
            .await,
        json!({"outcome": "rejected", "attempts_left": 2, "final_attempt": false}),
        "the first code stopped working"
    );
    clock.advance(Duration::from_secs(61));
    let right = sign_activated(&parts, &second, &document);
    assert_eq!(
        client.verify("carol", &challenge, &right).await,
        json!({"outcome": "activation_expired"})
    );
    let status = client.get("/v1/credentials/carol", Some(BANK_KEY)).await;
    assert_eq!(
        status.body["failures"], 1,
        "the expired attempt counted nothing"
    );
    let refused = client
        .post(
            "/v1/credentials/carol/challenges",
            Some(BANK_KEY),
            json!({}),
        )
        .await;
    assert_eq!(refused.body["error"]["code"], "activation_expired");

    let third = client.activation_code("carol", BANK_KEY).await.body["activation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (challenge, document) = client.challenge("carol").await;
    assert_eq!(
        client
            .verify(
                "carol",
                &challenge,
                &sign_activated(&parts, &third, &document)
            )
            .await,
        json!({"outcome": "accepted"})
    );
}
