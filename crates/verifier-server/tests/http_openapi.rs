//! The OpenAPI document against the real router: every documented operation
//! is served, and a documented path answers no undocumented method.

mod http_support;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{Method, StatusCode};
use http_support::{OPERATOR_KEY, TestServer};

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

#[tokio::test]
async fn served_document_matches_the_served_routes() {
    let server = TestServer::start().await;
    let reply = server.client.get("/openapi.json", None).await;
    assert_eq!(reply.status, StatusCode::OK);
    let document = reply.body;
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));

    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented
                .entry(path.clone())
                .or_default()
                .insert(method.to_uppercase());
        }
    }
    for (path, methods) in &documented {
        let concrete = path.replace("{id}", "probe");
        for method in METHODS {
            let method: Method = method.parse().unwrap();
            let reply = server
                .client
                .send(method.clone(), &concrete, Some(OPERATOR_KEY), None)
                .await;
            let routed = !matches!(reply.code(), "no_such_endpoint" | "method_not_allowed")
                && reply.status != StatusCode::METHOD_NOT_ALLOWED;
            // HEAD is served wherever GET is (HTTP semantics), so it is implied.
            let expected = methods.contains(method.as_str())
                || (method == Method::HEAD && methods.contains("GET"));
            assert_eq!(
                routed, expected,
                "{method} {path}: {} {}",
                reply.status, reply.text
            );
        }
    }
}

#[tokio::test]
async fn every_reference_in_the_document_resolves() {
    let document: serde_json::Value =
        serde_json::from_str(mobipass_verifier_server::http::openapi::DOCUMENT).unwrap();
    let mut references = Vec::new();
    collect_refs(&document, &mut references);
    assert!(!references.is_empty());
    for reference in references {
        let pointer = reference.strip_prefix('#').expect("local reference");
        assert!(document.pointer(pointer).is_some(), "dangling {reference}");
    }
}

fn collect_refs(value: &serde_json::Value, into: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    into.push(child.as_str().unwrap().to_owned());
                } else {
                    collect_refs(child, into);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_refs(item, into)),
        _ => {}
    }
}

/// The checker that every test reply goes through must refuse what the
/// document does not promise, or the other tests prove nothing.
#[test]
fn the_reply_checker_refuses_what_the_document_does_not_promise() {
    use axum::http::HeaderMap;
    use http_support::openapi::{conformance, document, validate};
    let mut json = HeaderMap::new();
    json.insert("content-type", "application/json".parse().unwrap());
    let error = |code: &str| format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#);
    let get = Method::GET;
    let status = "/v1/credentials/x";
    assert!(
        conformance(
            &get,
            status,
            StatusCode::NOT_FOUND,
            &json,
            error("unknown_credential").as_bytes()
        )
        .is_ok()
    );
    // An undocumented status, code, field, content type or body.
    assert!(
        conformance(
            &get,
            status,
            StatusCode::IM_A_TEAPOT,
            &json,
            error("forbidden").as_bytes()
        )
        .is_err()
    );
    assert!(
        conformance(
            &get,
            status,
            StatusCode::NOT_FOUND,
            &json,
            error("no_such_code").as_bytes()
        )
        .is_err()
    );
    let extra = r#"{"error":{"code":"forbidden","message":"m","hint":1}}"#;
    assert!(conformance(&get, status, StatusCode::FORBIDDEN, &json, extra.as_bytes()).is_err());
    assert!(
        conformance(
            &get,
            status,
            StatusCode::FORBIDDEN,
            &HeaderMap::new(),
            error("forbidden").as_bytes()
        )
        .is_err()
    );
    let post = Method::POST;
    assert!(
        conformance(
            &post,
            "/v1/credentials/x/revoke",
            StatusCode::NO_CONTENT,
            &json,
            b"{}"
        )
        .is_err()
    );
    // The envelope's no-store header is documented, so it is required.
    let envelope = r#"{"credential_id":"x","activation_key":["0123456789","0123456789","0123456789","0123456789"],"grouped":"01234 56789 - 01234 56789 - 01234 56789 - 01234 56789"}"#;
    assert!(
        conformance(
            &post,
            "/v1/credentials/x/issue",
            StatusCode::CREATED,
            &json,
            envelope.as_bytes()
        )
        .is_err()
    );
    // Outside the document: 404 and 405 only.
    assert!(conformance(&get, "/v2/x", StatusCode::OK, &json, b"{}").is_err());
    assert!(conformance(&Method::DELETE, status, StatusCode::NO_CONTENT, &json, b"").is_err());
    // A keyword the checker does not know is an error, not a pass.
    assert!(
        validate(
            &serde_json::json!({ "oneOf": [] }),
            &serde_json::json!(1),
            "x"
        )
        .is_err()
    );
    assert!(document()["paths"].is_object());
}

fn schema(name: &str) -> &'static serde_json::Value {
    &http_support::openapi::document()["components"]["schemas"][name]
}

fn pattern(schema: &serde_json::Value) -> regex::Regex {
    regex::Regex::new(schema["pattern"].as_str().expect("a pattern")).unwrap()
}

#[test]
fn document_states_the_limits_and_codes_of_the_code() {
    use mobipass_verifier_server::http::error::ErrorCode;
    let reason = &schema("BlockRequest")["properties"]["reason"];
    assert_eq!(reason["maxLength"], mobipass_verifier::MAX_REASON_LEN);
    let amount = &schema("ChallengeRequest")["properties"]["amount_minor"];
    assert_eq!(
        amount["maximum"],
        mobipass_scheme::question::MAX_AMOUNT_MINOR
    );
    assert_eq!(amount["minimum"], 0);
    assert_eq!(
        schema("CredentialId")["maxLength"],
        mobipass_verifier::ids::MAX_ID_LEN
    );
    let documented: Vec<&str> =
        schema("Error")["properties"]["error"]["properties"]["code"]["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|code| code.as_str().unwrap())
            .collect();
    let served: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
    assert_eq!(
        documented, served,
        "the document's codes are ErrorCode::ALL, in order"
    );
}

/// Pattern and parser agree on every probe, so a schema-valid value is
/// never refused and a refused one is never schema-valid.
#[test]
fn id_payee_and_length_rules_match_the_library_exactly() {
    let id = schema("CredentialId");
    let mut probes: Vec<String> = (0u8..=0x7f).map(|b| char::from(b).to_string()).collect();
    probes.extend(["", ".", "..", "a.", "ü", "a b", "\u{2028}"].map(String::from));
    probes.extend(["x".repeat(64), "x".repeat(65), "Alice:42".into()]);
    probes.extend([
        ".".repeat(64),
        format!("{}a", ".".repeat(63)),
        format!("{}a", ".".repeat(64)),
    ]);
    for probe in &probes {
        assert_eq!(
            http_support::openapi::validate(id, &serde_json::json!(probe), "id").is_ok(),
            mobipass_verifier::CredentialId::new(probe.clone()).is_ok(),
            "credential id {probe:?}"
        );
    }
    let payee = pattern(&schema("ChallengeRequest")["properties"]["payee"]);
    for probe in ["", "abc", "DE89 3704 0044", "7", "١٢٣", "-", " 1 "] {
        assert_eq!(
            payee.is_match(probe),
            mobipass_scheme::Payee::parse(probe).is_ok(),
            "payee {probe:?}"
        );
    }
}

/// These two are documented as a strict subset (the server also takes other
/// whitespace): every schema-valid value must be accepted.
#[test]
fn every_schema_valid_response_and_challenge_id_is_accepted() {
    let response = pattern(&schema("VerifyRequest")["properties"]["response"]);
    for probe in [
        "12345678",
        "1234 5678",
        " 1 2 3 4 5 6 7 8 ",
        "1234567",
        "123456789",
        "",
        "1234567a",
        "1234\t5678",
    ] {
        if response.is_match(probe) {
            assert!(
                mobipass_scheme::Response::parse(probe).is_ok(),
                "response {probe:?}"
            );
        } else {
            assert!(
                !probe.contains(' ') || mobipass_scheme::Response::parse(probe).is_err(),
                "{probe:?}"
            );
        }
    }
    let challenge = pattern(&schema("VerifyRequest")["properties"]["challenge_id"]);
    let hex = "0123456789abcdefABCDEF0123456789";
    for probe in [
        hex.to_owned(),
        "d5d88665-e34e-61e1-e644-a1e9622afa4b".into(),
        format!("-{hex}-"),
        hex[..31].to_owned(),
        format!("{hex}0"),
        String::new(),
        "g".repeat(32),
        format!("{hex} "),
    ] {
        let valid = challenge.is_match(&probe);
        let parsed = probe.parse::<mobipass_verifier::ChallengeId>().is_ok();
        assert!(
            !valid || parsed,
            "challenge id {probe:?} is schema-valid but refused"
        );
        assert!(
            valid || !parsed || probe.trim() != probe,
            "challenge id {probe:?} accepted but undocumented"
        );
    }
}

/// The reason rule lives in the handler and the library: ask the server.
/// On an unknown credential a valid reason is 404, an invalid one 400.
#[tokio::test]
async fn the_reason_pattern_matches_what_the_server_accepts() {
    let server = TestServer::start().await;
    let reason = &schema("BlockRequest")["properties"]["reason"];
    let mut probes: Vec<String> = Vec::new();
    for c in (0u32..=0x2ff)
        .chain(0x2000..=0x206f)
        .chain([0x1680, 0x3000, 0xfeff])
    {
        let Some(c) = char::from_u32(c) else { continue };
        probes.push(c.to_string());
        probes.push(format!("lost {c} laptop"));
    }
    probes.extend([String::new(), "x".repeat(200), "x".repeat(201)]);
    for probe in probes {
        let valid =
            http_support::openapi::validate(reason, &serde_json::json!(probe), "reason").is_ok();
        let reply = server
            .client
            .post(
                "/v1/credentials/nobody/block",
                Some(OPERATOR_KEY),
                serde_json::json!({ "reason": probe }),
            )
            .await;
        let accepted = match reply.status {
            StatusCode::NOT_FOUND => true,
            StatusCode::BAD_REQUEST => false,
            other => panic!("{probe:?}: {other} {}", reply.text),
        };
        assert_eq!(valid, accepted, "reason {probe:?}: {}", reply.text);
    }
}

/// A schema-valid body for each endpoint that takes one.
fn valid_body(operation: mobipass_verifier_server::http::routes::Operation) -> Option<String> {
    use mobipass_verifier_server::http::routes::Operation;
    match operation {
        Operation::CreateChallenge => Some(r#"{"amount_minor":100,"payee":"DE89 3704"}"#.into()),
        Operation::Verify => Some(
            r#"{"challenge_id":"0123456789abcdef0123456789abcdef","response":"12345678"}"#.into(),
        ),
        Operation::Block => Some(r#"{"reason":"lost laptop"}"#.into()),
        Operation::Issue => Some(r#"{"envelope_only":true}"#.into()),
        // `{id}` is replaced by the probe's credential id.
        Operation::CreateSigningSession => Some(
            r#"{"credential_id":"{id}","description":"Pay","requester":"Demo Bank","return_url":"http://127.0.0.1:8441/signed"}"#
                .into(),
        ),
        _ => None,
    }
}

/// Every route with every kind of caller, credential state and body, and
/// again behind a deadline too short to reach the store: each reply goes
/// through the document checker (no undocumented status or body), and every
/// status the document lists for a route is seen (none is made up).
#[tokio::test]
async fn every_route_answers_exactly_the_documented_statuses() {
    use mobipass_verifier_server::http::HttpLimits;
    use mobipass_verifier_server::http::routes::Operation;
    use std::collections::BTreeMap;
    use std::time::Duration;

    let limits = HttpLimits {
        body_limit: 1024,
        request_timeout: Duration::from_secs(10),
        ..HttpLimits::default()
    };
    let servers = [
        TestServer::start_with(Default::default(), limits).await,
        TestServer::start_with(
            Default::default(),
            HttpLimits {
                request_timeout: Duration::from_nanos(1),
                ..limits
            },
        )
        .await,
    ];
    let mut seen: BTreeMap<&str, BTreeSet<u16>> = BTreeMap::new();
    let mut fresh = 0;
    for (index, server) in servers.iter().enumerate() {
        // Behind the short deadline these answer 503, but the store still
        // completes them; the pause lets it.
        let setup = [
            // Two-channel (the default) with a code, so it takes challenges.
            ("/v1/credentials/known/issue", None),
            ("/v1/credentials/known/activation-code", None),
            ("/v1/credentials/blocked/issue", None),
            ("/v1/credentials/revoked/issue", None),
            (
                "/v1/credentials/blocked/block",
                Some(r#"{"reason":"probe"}"#),
            ),
            ("/v1/credentials/revoked/revoke", None),
            // For signing sessions: the probes above do not touch it.
            (
                "/v1/credentials/signer/issue",
                Some(r#"{"envelope_only":true}"#),
            ),
        ];
        for (path, body) in setup {
            let reply = server
                .client
                .send(
                    Method::POST,
                    path,
                    Some(OPERATOR_KEY),
                    body.map(String::from),
                )
                .await;
            assert!(
                index == 1 || reply.status.is_success(),
                "{path}: {}",
                reply.text
            );
            tokio::time::sleep(Duration::from_millis(if index == 1 { 50 } else { 0 })).await;
        }
        // A signing session of `known`, for the session probes to find.
        let created = server
            .client
            .post(
                "/v1/signing-sessions",
                Some(http_support::BANK_KEY),
                serde_json::json!({
                    "credential_id": "signer",
                    "description": "Pay",
                    "requester": "Demo Bank",
                    "return_url": "http://127.0.0.1:8441/signed",
                }),
            )
            .await;
        let known_session = created.body["session_id"]
            .as_str()
            .unwrap_or("00000000000000000000000000000000")
            .to_owned();
        let huge = format!(r#"{{"reason":"{}"}}"#, "x".repeat(4096));
        for operation in Operation::ALL {
            let bodies: Vec<Option<(&str, String)>> = vec![
                None,
                valid_body(operation).map(|body| ("application/json", body)),
                // The signing session's body names the credential.
                valid_body(operation)
                    .map(|body| ("application/json", body.replace("{id}", "signer"))),
                valid_body(operation)
                    .map(|body| ("application/json", body.replace("{id}", "nobody"))),
                valid_body(operation)
                    .map(|body| ("application/json", body.replace("{id}", "blocked"))),
                Some(("application/json", "{}".into())),
                Some(("application/json", "{bad".into())),
                Some(("application/json", "[]".into())),
                Some(("application/json", huge.clone())),
                Some(("text/plain", "{}".into())),
            ];
            for id in ["known", "blocked", "revoked", "fresh", "bad%20id", "%FF"] {
                for token in [
                    None,
                    Some("mpv_unknown"),
                    Some(http_support::BANK_KEY),
                    Some(OPERATOR_KEY),
                ] {
                    for body in &bodies {
                        // A new id each time: an issue probe must not create
                        // what the next probe expects to be unknown.
                        fresh += 1;
                        let id = if id == "fresh" {
                            format!("fresh-{fresh}")
                        } else {
                            id.to_owned()
                        };
                        // The audit takes its id in the query.
                        let path = if operation == Operation::Audit {
                            format!("/v1/audit?credential_id={id}")
                        } else {
                            let session = match id.as_str() {
                                "known" => known_session.clone(),
                                "blocked" => "0123456789abcdef0123456789abcdef".into(),
                                other => other.to_owned(),
                            };
                            operation
                                .path()
                                .replace("{id}", &id)
                                .replace("{session_id}", &session)
                        };
                        let mut request = axum::http::Request::builder()
                            .method(operation.method())
                            .uri(format!("http://{}{path}", server.addr));
                        if let Some(token) = token {
                            request = request.header("authorization", format!("Bearer {token}"));
                        }
                        let payload = match body {
                            Some((content_type, text)) => {
                                request = request.header("content-type", *content_type);
                                text.clone()
                            }
                            None => String::new(),
                        };
                        let request = request
                            .body(http_body_util::Full::new(hyper::body::Bytes::from(payload)))
                            .unwrap();
                        // The client checks the reply against the document.
                        let reply = server.client.send_request(request).await;
                        seen.entry(operation.operation_id())
                            .or_default()
                            .insert(reply.status.as_u16());
                    }
                }
            }
        }
    }
    // 503 comes from the layers around every route (deadline, connection
    // cap), and whether a 1 ns deadline beats the store is timing: it is
    // required once, not per route.
    assert!(
        seen.values().any(|statuses| statuses.contains(&503)),
        "no 503: {seen:?}"
    );
    let document = http_support::openapi::document();
    for operation in Operation::ALL {
        let responses = &document["paths"][operation.path()]
            [operation.method().as_str().to_lowercase()]["responses"];
        for status in responses.as_object().unwrap().keys() {
            let status: u16 = status.parse().unwrap();
            let id = operation.operation_id();
            assert!(
                status == 503
                    || seen
                        .get(id)
                        .is_some_and(|statuses| statuses.contains(&status)),
                "{id} documents {status} but no probe provoked it: {:?}",
                seen.get(id)
            );
        }
    }
}

/// The signing page's texts follow the reason rule: ask the server. On an
/// unknown credential a valid description or requester is 404, an invalid
/// one 400, so no probe creates anything.
#[tokio::test]
async fn the_signing_text_patterns_match_what_the_server_accepts() {
    let server = TestServer::start().await;
    let request = schema("SigningSessionRequest");
    let mut probes: Vec<String> = Vec::new();
    for c in (0u32..=0x2ff)
        .chain(0x2000..=0x206f)
        .chain([0x1680, 0x3000, 0xfeff])
    {
        let Some(c) = char::from_u32(c) else { continue };
        probes.push(c.to_string());
        probes.push(format!("Pay {c} shop"));
    }
    probes.extend([
        String::new(),
        "x".repeat(80),
        "x".repeat(81),
        "x".repeat(201),
    ]);
    for field in ["description", "requester"] {
        let property = &request["properties"][field];
        for probe in &probes {
            let valid =
                http_support::openapi::validate(property, &serde_json::json!(probe), field).is_ok();
            let mut body = serde_json::json!({
                "credential_id": "nobody",
                "description": "Pay",
                "requester": "Bank",
                "return_url": http_support::RETURN_URL,
            });
            body[field] = serde_json::json!(probe);
            let reply = server
                .client
                .post("/v1/signing-sessions", Some(http_support::BANK_KEY), body)
                .await;
            let accepted = match reply.status {
                StatusCode::NOT_FOUND => true,
                StatusCode::BAD_REQUEST => false,
                other => panic!("{field} {probe:?}: {other} {}", reply.text),
            };
            assert_eq!(valid, accepted, "{field} {probe:?}: {}", reply.text);
        }
    }
}
