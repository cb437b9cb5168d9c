//! The OpenAPI 3 document served at `/openapi.json`.
//!
//! Written by hand rather than derived from the code: bank teams generate Java
//! and .NET clients from it, so its wording and schemas are a product of their
//! own. What keeps it true: the route table's test and `tests/http_openapi.rs`
//! compare it with the served routes, the library's limits, patterns and
//! [`ErrorCode`](super::error::ErrorCode); every reply the HTTP tests get is
//! checked against it (`tests/http_support/openapi.rs`); and CI runs
//! schemathesis against the live server (`.ci/after.d/30-schemathesis.sh`).

/// The document, as served.
pub const DOCUMENT: &str = include_str!("openapi.json");

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::DOCUMENT;
    use crate::http::routes::Operation;

    #[test]
    fn document_lists_exactly_the_route_table() {
        let document: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        let mut documented = BTreeSet::new();
        for (path, item) in document["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap().to_owned();
                documented.insert((method.to_uppercase(), path.clone(), id));
            }
        }
        let served: BTreeSet<_> = Operation::ALL
            .iter()
            .map(|op| {
                (
                    op.method().to_string(),
                    op.path().to_owned(),
                    op.operation_id().to_owned(),
                )
            })
            .collect();
        assert_eq!(documented, served);
    }

    #[test]
    fn public_endpoints_and_only_they_opt_out_of_security() {
        let document: serde_json::Value = serde_json::from_str(DOCUMENT).unwrap();
        for op in Operation::ALL {
            let entry = &document["paths"][op.path()][op.method().as_str().to_lowercase()];
            let opted_out = entry["security"].as_array().is_some_and(Vec::is_empty);
            let public = op.access() == crate::http::routes::Access::Public;
            assert_eq!(opted_out, public, "{}", op.operation_id());
        }
    }
}
