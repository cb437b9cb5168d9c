//! The lockout policy over HTTP: the service's ladder, a per-credential
//! policy in the issue body, and the `locked` / `final_attempt` fields.

mod http_support;

use axum::http::StatusCode;
use http_support::{BANK_KEY, OPERATOR_KEY, TestServer, parts_of, sign, wrong};
use mobipass_verifier::Config;
use serde_json::json;

#[tokio::test]
async fn configured_ladder_locks_at_the_limit_and_refuses_meanwhile() {
    let config = Config {
        temporary_lock_minutes: vec![15],
        ..Config::default()
    };
    let server = TestServer::start_with(config, Default::default()).await;
    let client = &server.client;
    let parts = client.issue("alice").await;
    let mut verdicts = Vec::new();
    for _ in 0..3 {
        let (challenge, code) = client.challenge("alice").await;
        verdicts.push(
            client
                .verify("alice", &challenge, &wrong(&parts, &code))
                .await,
        );
    }
    assert_eq!(
        verdicts,
        [
            json!({ "outcome": "rejected", "attempts_left": 2, "final_attempt": false }),
            json!({ "outcome": "rejected", "attempts_left": 1, "final_attempt": false }),
            json!({ "outcome": "locked", "retry_after_secs": 900 }),
        ]
    );
    let (challenge, code) = client.challenge("alice").await;
    let refused = client
        .verify("alice", &challenge, &sign(&parts, &code))
        .await;
    assert_eq!(refused["outcome"], "locked");
    let status = client.get("/v1/credentials/alice", Some(BANK_KEY)).await;
    assert_eq!(status.body["lock_step"], 1);
    assert_eq!(status.body["temporary_lock_minutes"], json!([15]));
    assert!(status.body["locked_until"].is_string());
}

#[tokio::test]
async fn issue_body_sets_the_credentials_own_policy_and_may_be_empty() {
    let server = TestServer::start().await;
    let client = &server.client;
    let reply = client
        .post(
            "/v1/credentials/bob/issue",
            Some(OPERATOR_KEY),
            json!({ "failure_limit": 1, "temporary_lock_minutes": [5], "envelope_only": true }),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let parts = parts_of(&reply.body);
    let (challenge, code) = client.challenge("bob").await;
    assert_eq!(
        client
            .verify("bob", &challenge, &wrong(&parts, &code))
            .await,
        json!({ "outcome": "locked", "retry_after_secs": 300 })
    );

    let empty = client
        .post("/v1/credentials/carol/issue", Some(OPERATOR_KEY), json!({}))
        .await;
    assert_eq!(empty.status, StatusCode::CREATED, "{}", empty.text);
    let status = client.get("/v1/credentials/carol", Some(BANK_KEY)).await;
    assert_eq!(status.body["limit"], 3);
    assert_eq!(status.body["temporary_lock_minutes"], json!([]));

    for (body, code) in [
        (json!({ "failure_limit": 6 }), "invalid_input"),
        (json!({ "temporary_lock_minutes": [0] }), "invalid_input"),
        (json!({ "failure_limt": 2 }), "invalid_body"),
    ] {
        let reply = client
            .post(
                "/v1/credentials/dave/issue",
                Some(OPERATOR_KEY),
                body.clone(),
            )
            .await;
        assert!(reply.status.is_client_error(), "{body}: {}", reply.text);
        assert_eq!(reply.code(), code, "{body}");
    }
    // Nothing was created by the refused requests.
    let missing = client.get("/v1/credentials/dave", Some(BANK_KEY)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
