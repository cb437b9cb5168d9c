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
