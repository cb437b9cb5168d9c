//! The signing-session API: create (plain and linked), the return-URL
//! allow-list, who may call it, and reading a session's state.

mod http_support;

use axum::http::StatusCode;
use http_support::{BANK_KEY, OPERATOR_KEY, RETURN_URL, TestServer};
use serde_json::{Value, json};

fn body(credential: &str) -> Value {
    json!({
        "credential_id": credential,
        "description": "Transfer to Electronic Store",
        "requester": "Demo Bank",
        "return_url": RETURN_URL,
    })
}

#[tokio::test]
async fn a_plain_session_is_created_and_reads_pending() {
    let server = TestServer::start().await;
    server.client.issue("alice").await;
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), body("alice"))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.body["linked"], false);
    let id = reply.body["session_id"].as_str().unwrap();
    let url = reply.body["url"].as_str().unwrap();
    let prefix = format!("http://{}/sign/", server.addr);
    let token = url
        .strip_prefix(&prefix)
        .expect("the page URL on this server");
    assert_eq!(token.len(), 64, "256 bits as hex");
    assert!(!token.contains(id));

    let status = server
        .client
        .get(&format!("/v1/signing-sessions/{id}"), Some(BANK_KEY))
        .await;
    assert_eq!(status.status, StatusCode::OK, "{}", status.text);
    assert_eq!(status.body["session_id"], id);
    assert_eq!(status.body["credential_id"], "alice");
    assert_eq!(status.body["state"], "pending");
    assert_eq!(status.body["attempts_left"], 3);
    assert_eq!(status.body["completed_at"], Value::Null);
    assert_eq!(status.body["description"], "Transfer to Electronic Store");
    assert_eq!(status.body["requester"], "Demo Bank");
    assert_eq!(status.body["linked"], false);
    assert!(status.body.get("amount_minor").is_none());
    assert!(!status.text.contains(token), "the token is never read back");
}

#[tokio::test]
async fn a_linked_session_carries_amount_and_payee() {
    let server = TestServer::start().await;
    server.client.issue("alice").await;
    let mut linked = body("alice");
    linked["amount_minor"] = json!(1250);
    linked["payee"] = json!("KZ12 3456 7890 1234");
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), linked)
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.body["linked"], true);
    let id = reply.body["session_id"].as_str().unwrap();
    let status = server
        .client
        .get(&format!("/v1/signing-sessions/{id}"), Some(BANK_KEY))
        .await;
    assert_eq!(status.body["linked"], true);
    assert_eq!(status.body["amount_minor"], 1250);
    assert_eq!(status.body["payee"], "78901234");

    let mut half = body("alice");
    half["amount_minor"] = json!(1250);
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), half)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.code(), "incomplete_link");
}

#[tokio::test]
async fn a_return_url_off_the_allow_list_is_refused() {
    let server = TestServer::start().await;
    server.client.issue("alice").await;
    for url in [
        "http://127.0.0.1:8441/signed/",
        "http://127.0.0.1:8441/signed?next=evil",
        "http://127.0.0.1:8442/signed",
        "https://evil.example/signed",
        "",
    ] {
        let mut request = body("alice");
        request["return_url"] = json!(url);
        let reply = server
            .client
            .post("/v1/signing-sessions", Some(BANK_KEY), request)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{url}: {}",
            reply.text
        );
        assert_eq!(reply.code(), "return_url_not_allowed", "{url}");
    }
    // Nothing was created: no challenge in the audit log.
    let audit = server.client.get("/v1/audit", Some(OPERATOR_KEY)).await;
    let actions: Vec<_> = audit.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["issued"]);
}

#[tokio::test]
async fn only_the_bank_role_creates_and_reads_sessions() {
    let server = TestServer::start().await;
    server.client.issue("alice").await;
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(OPERATOR_KEY), body("alice"))
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = server
        .client
        .post("/v1/signing-sessions", None, body("alice"))
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let created = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), body("alice"))
        .await;
    let id = created.body["session_id"].as_str().unwrap();
    let path = format!("/v1/signing-sessions/{id}");
    assert_eq!(
        server.client.get(&path, Some(OPERATOR_KEY)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        server.client.get(&path, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn sessions_are_refused_as_challenges_are_and_unknown_ids_are_404() {
    let server = TestServer::start().await;
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), body("nobody"))
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "unknown_credential");
    server.client.issue_two_channel("bob").await;
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), body("bob"))
        .await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.code(), "activation_code_needed");
    server.client.issue("carol").await;
    server
        .client
        .post(
            "/v1/credentials/carol/block",
            Some(OPERATOR_KEY),
            json!({"reason": "lost laptop"}),
        )
        .await;
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), body("carol"))
        .await;
    assert_eq!(reply.code(), "credential_blocked");
    let mut bad = body("carol");
    bad["description"] = json!("two\nlines");
    let reply = server
        .client
        .post("/v1/signing-sessions", Some(BANK_KEY), bad)
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    let unknown = server
        .client
        .get(
            "/v1/signing-sessions/0123456789abcdef0123456789abcdef",
            Some(BANK_KEY),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(unknown.code(), "unknown_signing_session");
    let malformed = server
        .client
        .get("/v1/signing-sessions/not-an-id", Some(BANK_KEY))
        .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.code(), "invalid_session_id");
}
