//! The authorization matrix: every route in the route table, called with no
//! key, an unknown key, a bank key and an operator key.

mod http_support;

use axum::http::{Method, StatusCode};
use http_support::{BANK_KEY, OPERATOR_KEY, TestServer};
use mobipass_verifier_server::http::auth::Role;
use mobipass_verifier_server::http::routes::{Access, Operation};

/// A body that passes each endpoint's schema, so only authorization decides.
fn body_for(operation: Operation) -> Option<String> {
    match operation {
        Operation::CreateChallenge => Some("{}".into()),
        Operation::Verify => Some(
            r#"{"challenge_id":"00000000000000000000000000000000","response":"12345678"}"#.into(),
        ),
        Operation::Block => Some(r#"{"reason":"lost device"}"#.into()),
        _ => None,
    }
}

#[tokio::test]
async fn every_route_enforces_its_roles() {
    let server = TestServer::start().await;
    server.client.issue("matrix").await;
    for operation in Operation::ALL {
        let path = operation.path().replace("{id}", "matrix");
        let method: Method = operation.method();
        for (label, token, role) in [
            ("no key", None, None),
            ("unknown key", Some("mpv_not_a_configured_key"), None),
            ("bank key", Some(BANK_KEY), Some(Role::Bank)),
            ("operator key", Some(OPERATOR_KEY), Some(Role::Operator)),
        ] {
            let reply = server
                .client
                .send(method.clone(), &path, token, body_for(operation))
                .await;
            let expected = match (operation.access(), role) {
                (Access::Public, _) => None,
                (Access::Roles(_), None) => Some((StatusCode::UNAUTHORIZED, "unauthenticated")),
                (Access::Roles(roles), Some(role)) if !roles.contains(&role) => {
                    Some((StatusCode::FORBIDDEN, "forbidden"))
                }
                _ => None,
            };
            match expected {
                Some((status, code)) => {
                    assert_eq!(
                        reply.status, status,
                        "{operation:?} with {label}: {}",
                        reply.text
                    );
                    assert_eq!(reply.code(), code, "{operation:?} with {label}");
                }
                None => assert!(
                    !matches!(
                        reply.status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
                    ) && !reply.status.is_server_error(),
                    "{operation:?} with {label} was refused: {} {}",
                    reply.status,
                    reply.text
                ),
            }
        }
    }
}

#[tokio::test]
async fn malformed_authorization_headers_are_unauthenticated() {
    let server = TestServer::start().await;
    for header in [
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer ",
        BANK_KEY,
        "Token mpv_x",
    ] {
        let request = axum::http::Request::builder()
            .method(Method::GET)
            .uri(format!("http://{}/v1/credentials/anyone", server.addr))
            .header("authorization", header)
            .body(http_body_util::Full::new(hyper::body::Bytes::new()))
            .unwrap();
        let reply = server.client.send_request(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{header:?}");
    }
}

#[tokio::test]
async fn unauthenticated_request_body_is_never_parsed() {
    let server = TestServer::start().await;
    // Garbage JSON without a key: 401, not a JSON error.
    let reply = server
        .client
        .send(
            Method::POST,
            "/v1/credentials/x/verifications",
            None,
            Some("{not json".into()),
        )
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}
