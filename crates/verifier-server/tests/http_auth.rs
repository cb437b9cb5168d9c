//! The authorization matrix of DESIGN.md section 3, written out here rather
//! than read from the route table: widening a role, or adding a route
//! without deciding who may call it, fails this test.

mod http_support;

use axum::http::{Method, StatusCode};
use http_support::{BANK_KEY, OPERATOR_KEY, TestServer};
use mobipass_verifier_server::http::auth::Role;
use mobipass_verifier_server::http::routes::Operation;

/// Who may call a route. `None`: anyone, without a key.
type Allowed = Option<&'static [Role]>;

const BANK: Allowed = Some(&[Role::Bank]);
const OPERATOR: Allowed = Some(&[Role::Operator]);
const BOTH: Allowed = Some(&[Role::Bank, Role::Operator]);

/// bank: challenges, verifications, status, signing sessions; operator:
/// issue, reissue, block, unblock, revoke, audit, status; health, metrics
/// and the document are public.
const MATRIX: [(&str, &str, Allowed); 16] = [
    ("GET", "/healthz", None),
    ("GET", "/readyz", None),
    ("GET", "/metrics", None),
    ("GET", "/openapi.json", None),
    ("POST", "/v1/credentials/{id}/challenges", BANK),
    ("POST", "/v1/credentials/{id}/verifications", BANK),
    ("GET", "/v1/credentials/{id}", BOTH),
    ("POST", "/v1/credentials/{id}/issue", OPERATOR),
    ("POST", "/v1/credentials/{id}/activation-code", BOTH),
    ("POST", "/v1/credentials/{id}/reissue", OPERATOR),
    ("POST", "/v1/credentials/{id}/block", OPERATOR),
    ("POST", "/v1/credentials/{id}/unblock", OPERATOR),
    ("POST", "/v1/credentials/{id}/revoke", OPERATOR),
    ("GET", "/v1/audit", OPERATOR),
    ("POST", "/v1/signing-sessions", BANK),
    ("GET", "/v1/signing-sessions/{session_id}", BANK),
];

/// A body that passes each endpoint's schema, so only authorization decides.
fn body_for(path: &str) -> Option<String> {
    if path.ends_with("/challenges") {
        Some("{}".into())
    } else if path.ends_with("/verifications") {
        Some(r#"{"challenge_id":"00000000000000000000000000000000","response":"12345678"}"#.into())
    } else if path.ends_with("/block") {
        Some(r#"{"reason":"lost device"}"#.into())
    } else if path.ends_with("/signing-sessions") {
        Some(format!(
            r#"{{"credential_id":"matrix","description":"Pay","requester":"Bank","return_url":"{}"}}"#,
            http_support::RETURN_URL
        ))
    } else {
        None
    }
}

#[test]
fn every_served_route_is_in_the_matrix() {
    for operation in Operation::ALL {
        let method = operation.method();
        assert!(
            MATRIX
                .iter()
                .any(|(m, path, _)| *m == method.as_str() && *path == operation.path()),
            "{method} {} is served but DESIGN.md's role matrix does not say who may call it",
            operation.path()
        );
    }
}

#[tokio::test]
async fn every_route_answers_each_caller_as_the_matrix_says() {
    let server = TestServer::start().await;
    server.client.issue("matrix").await;
    for (method, template, allowed) in MATRIX {
        let path = template
            .replace("{id}", "matrix")
            .replace("{session_id}", "0123456789abcdef0123456789abcdef");
        let method: Method = method.parse().unwrap();
        for (label, token, role) in [
            ("no key", None, None),
            ("unknown key", Some("mpv_not_a_configured_key"), None),
            ("bank key", Some(BANK_KEY), Some(Role::Bank)),
            ("operator key", Some(OPERATOR_KEY), Some(Role::Operator)),
        ] {
            let reply = server
                .client
                .send(method.clone(), &path, token, body_for(template))
                .await;
            let refusal = match (allowed, role) {
                (None, _) => None,
                (Some(_), None) => Some((StatusCode::UNAUTHORIZED, "unauthenticated")),
                (Some(roles), Some(role)) if !roles.contains(&role) => {
                    Some((StatusCode::FORBIDDEN, "forbidden"))
                }
                (Some(_), Some(_)) => None,
            };
            let what = format!("{method} {template} with {label}");
            match refusal {
                Some((status, code)) => {
                    assert_eq!(reply.status, status, "{what}: {}", reply.text);
                    assert_eq!(reply.code(), code, "{what}");
                }
                // Allowed: served (2xx) or a domain answer (404, 409), never
                // refused, unrouted or failed.
                None => assert!(
                    reply.status.is_success()
                        || matches!(reply.status, StatusCode::NOT_FOUND | StatusCode::CONFLICT)
                            && !matches!(reply.code(), "no_such_endpoint" | "method_not_allowed"),
                    "{what} was not served: {} {}",
                    reply.status,
                    reply.text
                ),
            }
        }
    }
}

/// No method outside the matrix is served on a matrix path (HEAD comes with
/// GET), so a route cannot hide beside a listed one.
#[tokio::test]
async fn no_method_outside_the_matrix_is_served() {
    let server = TestServer::start().await;
    for (_, template, _) in MATRIX {
        let path = template
            .replace("{id}", "matrix")
            .replace("{session_id}", "0123456789abcdef0123456789abcdef");
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            let listed = MATRIX
                .iter()
                .any(|(m, t, _)| *m == method && *t == template);
            if listed {
                continue;
            }
            let reply = server
                .client
                .send(method.parse().unwrap(), &path, Some(OPERATOR_KEY), None)
                .await;
            assert_eq!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {template} is served but not in the matrix: {}",
                reply.text
            );
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
