//! Malformed requests get a 4xx with a stable JSON error code and a clear
//! message; none reaches a 5xx, none echoes a response value, and none counts
//! as a wrong attempt.

mod http_support;

use axum::http::{Method, Request, StatusCode};
use http_body_util::Full;
use http_support::{BANK_KEY, OPERATOR_KEY, TestServer, sign};
use hyper::body::Bytes;
use mobipass_verifier_server::http::HttpLimits;
use serde_json::json;

async fn verify_raw(server: &TestServer, id: &str, body: &str) -> http_support::Reply {
    server
        .client
        .send(
            Method::POST,
            &format!("/v1/credentials/{id}/verifications"),
            Some(BANK_KEY),
            Some(body.to_owned()),
        )
        .await
}

#[tokio::test]
async fn malformed_verifications_are_4xx_with_codes_and_count_nothing() {
    let server = TestServer::start().await;
    let parts = server.client.issue("mal").await;
    let (challenge, code) = server.client.challenge("mal").await;
    let cases: Vec<(String, StatusCode, &str)> = vec![
        (
            "{not json".into(),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            "[]".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            json!({ "challenge_id": challenge }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            json!({ "challenge_id": challenge, "response": 12345678 }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            json!({ "challenge_id": challenge, "response": "12345678", "amount": 1 }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        // A key the body does not take is not repeated: it may be a response.
        (
            json!({ "challenge_id": challenge, "12345678": "x" }).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        // serde's derive reads a struct from an array too; the API does not.
        (
            json!([challenge, "12345678"]).to_string(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            format!(
                "{} trailing",
                json!({ "challenge_id": challenge, "response": "12345678" })
            ),
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            json!({ "challenge_id": challenge, "response": "1234abcd" }).to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_response",
        ),
        (
            json!({ "challenge_id": challenge, "response": "123456789" }).to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_response",
        ),
        (
            json!({ "challenge_id": challenge, "response": "1".repeat(5000) }).to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_response",
        ),
        (
            json!({ "challenge_id": challenge, "response": "" }).to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_response",
        ),
        (
            json!({ "challenge_id": "not-hex", "response": "12345678" }).to_string(),
            StatusCode::BAD_REQUEST,
            "invalid_challenge_id",
        ),
    ];
    for (body, status, code) in cases {
        let reply = verify_raw(&server, "mal", &body).await;
        assert_eq!(reply.status, status, "{body}: {}", reply.text);
        assert_eq!(reply.code(), code, "{body}");
        assert!(!reply.body["error"]["message"].as_str().unwrap().is_empty());
        assert!(
            !reply.text.contains("12345678"),
            "a response value was echoed: {}",
            reply.text
        );
    }
    let status = server
        .client
        .get("/v1/credentials/mal", Some(BANK_KEY))
        .await;
    assert_eq!(
        status.body["failures"], 0,
        "malformed requests count as no attempt"
    );
    // The challenge is still good for the real answer.
    assert_eq!(
        server
            .client
            .verify("mal", &challenge, &sign(&parts, &code))
            .await["outcome"],
        "accepted"
    );
}

#[tokio::test]
async fn unknown_ids_are_reported_not_crashed_on() {
    let server = TestServer::start().await;
    server.client.issue("known").await;
    let unknown_challenge = server
        .client
        .verify("known", "0123456789abcdef0123456789abcdef", "12345678")
        .await;
    assert_eq!(unknown_challenge["outcome"], "unknown_challenge");

    let reply = verify_raw(
        &server,
        "nobody",
        &json!({ "challenge_id": "0123456789abcdef0123456789abcdef", "response": "12345678" })
            .to_string(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    assert_eq!(reply.code(), "unknown_credential");

    let status = server
        .client
        .get("/v1/credentials/nobody", Some(OPERATOR_KEY))
        .await;
    assert_eq!(status.status, StatusCode::NOT_FOUND);
    let challenge = server
        .client
        .post(
            "/v1/credentials/nobody/challenges",
            Some(BANK_KEY),
            json!({}),
        )
        .await;
    assert_eq!(challenge.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invalid_credential_ids_and_links_are_400() {
    let server = TestServer::start().await;
    let long = "a".repeat(65);
    for id in [long.as_str(), "white%20space", "semi;colon"] {
        let reply = server
            .client
            .get(&format!("/v1/credentials/{id}"), Some(BANK_KEY))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{id}: {}",
            reply.text
        );
        assert_eq!(reply.code(), "invalid_credential_id");
    }
    // Dot segments reach the router unnormalised: they must not become ids.
    for id in [".", "..", "%2E%2E", "..."] {
        let reply = server
            .client
            .post(
                &format!("/v1/credentials/{id}/issue"),
                Some(OPERATOR_KEY),
                json!({}),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{id}: {}",
            reply.text
        );
        assert_eq!(reply.code(), "invalid_credential_id");
    }
    server.client.issue("links").await;
    for (body, code) in [
        (json!({ "amount_minor": 100 }), "incomplete_link"),
        (json!({ "payee": "123" }), "incomplete_link"),
        (
            json!({ "amount_minor": 1_000_000_000_000u64, "payee": "123" }),
            "invalid_amount",
        ),
        (
            json!({ "amount_minor": 100, "payee": "no digits" }),
            "invalid_payee",
        ),
    ] {
        let reply = server
            .client
            .post(
                "/v1/credentials/links/challenges",
                Some(BANK_KEY),
                body.clone(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{body}: {}",
            reply.text
        );
        assert_eq!(reply.code(), code, "{body}");
    }
    let negative = server
        .client
        .post(
            "/v1/credentials/links/challenges",
            Some(BANK_KEY),
            json!({ "amount_minor": -5, "payee": "123" }),
        )
        .await;
    assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (reason, code) in [("", "invalid_reason"), ("two\nlines", "invalid_reason")] {
        let reply = server
            .client
            .post(
                "/v1/credentials/links/block",
                Some(OPERATOR_KEY),
                json!({ "reason": reason }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{reason:?}");
        assert_eq!(reply.code(), code);
    }
    for query in ["limit=0", "limit=5000", "limit=abc", "surprise=1"] {
        let reply = server
            .client
            .get(&format!("/v1/audit?{query}"), Some(OPERATOR_KEY))
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{query}: {}",
            reply.text
        );
    }
}

#[tokio::test]
async fn huge_bodies_are_refused_with_413() {
    let server = TestServer::start_with(Default::default(), HttpLimits::default()).await;
    let huge = format!(r#"{{"reason":"{}"}}"#, "x".repeat(1024 * 1024));
    let reply = server
        .client
        .send(
            Method::POST,
            "/v1/credentials/x/block",
            Some(OPERATOR_KEY),
            Some(huge),
        )
        .await;
    assert_eq!(
        reply.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.text
    );
    assert_eq!(reply.code(), "body_too_large");
}

#[tokio::test]
async fn wrong_content_type_unknown_path_and_wrong_method_are_json_errors() {
    let server = TestServer::start().await;
    let request = Request::builder()
        .method(Method::POST)
        .uri(format!(
            "http://{}/v1/credentials/x/challenges",
            server.addr
        ))
        .header("authorization", format!("Bearer {BANK_KEY}"))
        .header("content-type", "text/plain")
        .body(Full::new(Bytes::from("{}")))
        .unwrap();
    let reply = server.client.send_request(request).await;
    assert_eq!(reply.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(reply.code(), "expected_json");

    let reply = server.client.get("/v2/nothing", Some(BANK_KEY)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.code(), "no_such_endpoint");

    let reply = server
        .client
        .send(
            Method::DELETE,
            "/v1/credentials/x",
            Some(OPERATOR_KEY),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(reply.code(), "method_not_allowed");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("v.sqlite3").display());
    let verifier = mobipass_verifier::Verifier::open(
        &url,
        mobipass_verifier::MasterKey::generate(),
        Default::default(),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = mobipass_verifier_server::http::app(
        verifier,
        http_support::test_keys(),
        HttpLimits::default(),
    );
    tokio::spawn(mobipass_verifier_server::http::run_with_header_timeout(
        listener,
        app,
        std::time::Duration::from_millis(300),
        std::future::pending(),
    ));

    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buffer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        slow.read_to_end(&mut buffer),
    )
    .await;
    assert!(read.is_ok(), "the server kept a half-sent request open");
    // Meanwhile a normal client is served.
    let client = http_support::Client::new(addr);
    assert_eq!(client.get("/healthz", None).await.status, StatusCode::OK);
}
