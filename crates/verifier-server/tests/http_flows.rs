//! End-to-end flows over HTTP: the bank's backend and back office talk JSON
//! to a real server; the customer's responses come from the scheme crate
//! exactly as the app computes them.

mod http_support;

use axum::http::{Method, StatusCode};
use http_support::{BANK_KEY, OPERATOR_KEY, TestServer, sign, sign_linked, wrong};
use serde_json::json;

#[tokio::test]
async fn issued_credential_signs_and_is_accepted_once() {
    let server = TestServer::start().await;
    let client = &server.client;
    let parts = client.issue("alice").await;
    let (challenge, code) = client.challenge("alice").await;
    assert_eq!(code.len(), 6);

    let verdict = client
        .verify("alice", &challenge, &sign(&parts, &code))
        .await;
    assert_eq!(verdict, json!({ "outcome": "accepted" }));

    let again = client
        .verify("alice", &challenge, &sign(&parts, &code))
        .await;
    assert_eq!(again["outcome"], "already_used");

    let status = client.get("/v1/credentials/alice", Some(BANK_KEY)).await;
    assert_eq!(status.status, StatusCode::OK);
    assert_eq!(status.body["state"], "active");
    assert_eq!(status.body["failures"], 0);
    server.shutdown().await;
}

#[tokio::test]
async fn response_typed_with_spaces_is_accepted() {
    let server = TestServer::start().await;
    let client = &server.client;
    let parts = client.issue("spaces").await;
    let (challenge, code) = client.challenge("spaces").await;
    let right = sign(&parts, &code);
    let typed = format!("{} {}", &right[..4], &right[4..]);
    assert_eq!(
        client.verify("spaces", &challenge, &typed).await["outcome"],
        "accepted"
    );
}

#[tokio::test]
async fn third_wrong_response_blocks_until_an_operator_unblocks() {
    let server = TestServer::start().await;
    let client = &server.client;
    let parts = client.issue("bob").await;

    let mut verdicts = Vec::new();
    for _ in 0..3 {
        let (challenge, code) = client.challenge("bob").await;
        verdicts.push(
            client
                .verify("bob", &challenge, &wrong(&parts, &code))
                .await,
        );
    }
    assert_eq!(
        verdicts,
        vec![
            json!({ "outcome": "rejected", "attempts_left": 2, "final_attempt": false }),
            json!({ "outcome": "rejected", "attempts_left": 1, "final_attempt": true }),
            json!({ "outcome": "blocked" }),
        ]
    );

    // A blocked credential gets no new challenge ...
    let refused = client
        .post("/v1/credentials/bob/challenges", Some(BANK_KEY), json!({}))
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "credential_blocked");

    let unblock = client
        .send(
            Method::POST,
            "/v1/credentials/bob/unblock",
            Some(OPERATOR_KEY),
            None,
        )
        .await;
    assert_eq!(unblock.status, StatusCode::NO_CONTENT, "{}", unblock.text);
    let (challenge, code) = client.challenge("bob").await;
    assert_eq!(
        client.verify("bob", &challenge, &sign(&parts, &code)).await["outcome"],
        "accepted"
    );

    let metrics = client.get("/metrics", None).await.text;
    assert!(
        metrics.contains("mobipass_verifications_total{outcome=\"rejected\"} 2"),
        "{metrics}"
    );
    assert!(metrics.contains("mobipass_verifications_total{outcome=\"blocked\"} 1"));
    assert!(metrics.contains("mobipass_blocks_total{cause=\"failures\"} 1"));
    assert!(metrics.contains("mobipass_challenges_issued_total 4"));
}

#[tokio::test]
async fn right_response_on_a_blocked_credential_is_refused() {
    let server = TestServer::start().await;
    let client = &server.client;
    let parts = client.issue("carol").await;
    let (spare, spare_code) = client.challenge("carol").await;
    for _ in 0..3 {
        let (challenge, code) = client.challenge("carol").await;
        client
            .verify("carol", &challenge, &wrong(&parts, &code))
            .await;
    }
    let verdict = client
        .verify("carol", &spare, &sign(&parts, &spare_code))
        .await;
    assert_eq!(verdict["outcome"], "blocked");
}

#[tokio::test]
async fn operator_block_refuses_even_right_responses() {
    let server = TestServer::start().await;
    let client = &server.client;
    let parts = client.issue("dave").await;
    let (challenge, code) = client.challenge("dave").await;
    let block = client
        .post(
            "/v1/credentials/dave/block",
            Some(OPERATOR_KEY),
            json!({ "reason": "customer reported a stolen laptop" }),
        )
        .await;
    assert_eq!(block.status, StatusCode::NO_CONTENT, "{}", block.text);
    assert_eq!(
        client
            .verify("dave", &challenge, &sign(&parts, &code))
            .await["outcome"],
        "blocked"
    );
    let metrics = client.get("/metrics", None).await.text;
    assert!(
        metrics.contains("mobipass_blocks_total{cause=\"operator\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn linked_signature_is_accepted_only_for_its_amount_and_payee() {
    let server = TestServer::start().await;
    let client = &server.client;
    let parts = client.issue("erin").await;
    let create = |amount: u64| {
        client.post(
            "/v1/credentials/erin/challenges",
            Some(BANK_KEY),
            json!({ "amount_minor": amount, "payee": "KZ86 125K ZT50 0410 0100" }),
        )
    };
    let linked = create(150_000).await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    assert_eq!(linked.body["linked"], true);
    let id = linked.body["challenge_id"].as_str().unwrap();
    let code = linked.body["document_code"].as_str().unwrap();

    // Signed for another amount: wrong.
    let other_amount = sign_linked(&parts, code, 150_001, "KZ86 125K ZT50 0410 0100");
    assert_eq!(
        client.verify("erin", id, &other_amount).await["outcome"],
        "rejected"
    );
    // Signed as a plain challenge: wrong.
    let linked = create(150_000).await;
    let id = linked.body["challenge_id"].as_str().unwrap();
    let code = linked.body["document_code"].as_str().unwrap();
    assert_eq!(
        client.verify("erin", id, &sign(&parts, code)).await["outcome"],
        "rejected"
    );
    // Signed for the same payment: accepted.
    let linked = create(150_000).await;
    let id = linked.body["challenge_id"].as_str().unwrap();
    let code = linked.body["document_code"].as_str().unwrap();
    let right = sign_linked(&parts, code, 150_000, "0410 0100");
    assert_eq!(
        client.verify("erin", id, &right).await["outcome"],
        "accepted"
    );
}

#[tokio::test]
async fn reissue_invalidates_the_old_key_and_revoke_is_final() {
    let server = TestServer::start().await;
    let client = &server.client;
    let old = client.issue("frank").await;
    let reissued = client
        .send(
            Method::POST,
            "/v1/credentials/frank/reissue",
            Some(OPERATOR_KEY),
            None,
        )
        .await;
    assert_eq!(reissued.status, StatusCode::OK, "{}", reissued.text);
    assert_eq!(reissued.headers["cache-control"], "no-store");
    let new = http_support::parts_of(&reissued.body);
    assert_ne!(old, new);

    let (challenge, code) = client.challenge("frank").await;
    assert_eq!(
        client.verify("frank", &challenge, &sign(&old, &code)).await["outcome"],
        "rejected"
    );
    let (challenge, code) = client.challenge("frank").await;
    assert_eq!(
        client.verify("frank", &challenge, &sign(&new, &code)).await["outcome"],
        "accepted"
    );

    let (challenge, code) = client.challenge("frank").await;
    let revoke = client
        .send(
            Method::POST,
            "/v1/credentials/frank/revoke",
            Some(OPERATOR_KEY),
            None,
        )
        .await;
    assert_eq!(revoke.status, StatusCode::NO_CONTENT);
    assert_eq!(
        client.verify("frank", &challenge, &sign(&new, &code)).await["outcome"],
        "revoked"
    );
    let refused = client
        .post(
            "/v1/credentials/frank/challenges",
            Some(BANK_KEY),
            json!({}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.code(), "credential_revoked");
}

#[tokio::test]
async fn issuing_an_existing_id_conflicts() {
    let server = TestServer::start().await;
    server.client.issue("grace").await;
    let again = server
        .client
        .send(
            Method::POST,
            "/v1/credentials/grace/issue",
            Some(OPERATOR_KEY),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.code(), "credential_exists");
}

#[tokio::test]
async fn audit_names_the_api_key_and_never_holds_a_response() {
    let server = TestServer::start().await;
    let client = &server.client;
    let parts = client.issue("heidi").await;
    let (challenge, code) = client.challenge("heidi").await;
    let wrong_response = wrong(&parts, &code);
    client.verify("heidi", &challenge, &wrong_response).await;

    let audit = client
        .get("/v1/audit?credential_id=heidi&limit=50", Some(OPERATOR_KEY))
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    let events = audit.body["events"].as_array().unwrap();
    assert!(events.len() >= 3, "{}", audit.text);
    assert!(audit.text.contains("api:back-office"), "{}", audit.text);
    assert!(audit.text.contains("api:internet-bank"), "{}", audit.text);
    assert!(!audit.text.contains(&wrong_response));
    for part in &parts {
        assert!(!audit.text.contains(part.as_str()));
    }
}

#[tokio::test]
async fn health_readiness_and_metrics_answer_without_a_key() {
    let server = TestServer::start().await;
    for path in ["/healthz", "/readyz"] {
        let reply = server.client.get(path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_eq!(reply.body["status"], "ok");
    }
    let metrics = server.client.get("/metrics", None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .text
            .contains("# TYPE mobipass_verification_duration_seconds histogram")
    );
}
