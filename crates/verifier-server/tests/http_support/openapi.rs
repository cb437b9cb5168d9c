//! Every answer the HTTP tests receive, checked against the served OpenAPI
//! document: the status is documented for that operation and the body
//! matches its schema. The test client calls [`check`] on each reply, so a
//! test that sees an undocumented status or field fails where it happens.
//!
//! A small hand checker rather than the `jsonschema` crate (dozens of crates,
//! an HTTP client by default) for the dozen keywords the document uses. It
//! refuses any keyword it does not know, so the document cannot use one that
//! would silently go unchecked.

use std::sync::OnceLock;

use axum::http::{HeaderMap, Method, StatusCode, header};
use serde_json::Value;

/// The document as the server embeds it.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::from_str(mobipass_verifier_server::http::openapi::DOCUMENT)
            .expect("the OpenAPI document is JSON")
    })
}

/// The path template of the document that serves `path` (query ignored).
pub fn template_for(path: &str) -> Option<&'static str> {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    document()["paths"]
        .as_object()?
        .keys()
        .find_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            let matches = parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(part, segment)| {
                    if part.starts_with('{') {
                        !segment.is_empty()
                    } else {
                        part == segment
                    }
                });
            matches.then_some(template.as_str())
        })
}

/// Panics unless the reply is what the document promises for the request.
pub fn check(method: &Method, path: &str, status: StatusCode, headers: &HeaderMap, body: &[u8]) {
    if let Err(problem) = conformance(method, path, status, headers, body) {
        panic!(
            "{method} {path} answered {status} against the OpenAPI document: {problem}\n{}",
            String::from_utf8_lossy(body)
        );
    }
}

/// What [`check`] checks, as a result.
pub fn conformance(
    method: &Method,
    path: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), String> {
    let document = document();
    let error_response = &document["components"]["responses"]["Error"];
    // A HEAD answer has no body, whatever it is.
    let has_body = method != Method::HEAD;
    let check_error = || {
        if has_body {
            check_response(error_response, headers, body)
        } else {
            Ok(())
        }
    };
    let Some(template) = template_for(path) else {
        // No documented path: the router's JSON 404.
        if status != StatusCode::NOT_FOUND {
            return Err("an undocumented path must answer 404".into());
        }
        return check_error();
    };
    // HEAD is answered wherever GET is.
    let lookup = if has_body {
        method.clone()
    } else {
        Method::GET
    };
    let operation = &document["paths"][template][lookup.as_str().to_lowercase()];
    if operation.is_null() {
        if status != StatusCode::METHOD_NOT_ALLOWED {
            return Err(format!(
                "{template} does not document {method}: expected 405"
            ));
        }
        return check_error();
    }
    let response = &operation["responses"][status.as_str()];
    if response.is_null() {
        return Err(format!(
            "status {} is not documented for {} {template}",
            status.as_u16(),
            lookup
        ));
    }
    if has_body {
        check_response(response, headers, body)
    } else {
        Ok(())
    }
}

fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("local reference");
            resolve(document().pointer(pointer).expect("reference resolves"))
        }
        None => value,
    }
}

fn check_response(response: &Value, headers: &HeaderMap, body: &[u8]) -> Result<(), String> {
    let response = resolve(response);
    if let Some(documented) = response["headers"].as_object() {
        for (name, spec) in documented {
            let value = headers
                .get(name.as_str())
                .and_then(|value| value.to_str().ok())
                .ok_or_else(|| format!("header {name} is documented but missing"))?;
            validate(&spec["schema"], &Value::String(value.to_owned()), name)?;
        }
    }
    let Some(content) = response["content"].as_object() else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err("the document says no body".into())
        };
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let media = content
        .get(essence)
        .ok_or_else(|| format!("content type {content_type:?} is not documented"))?;
    let value = if essence == "application/json" {
        serde_json::from_slice(body).map_err(|error| format!("body is not JSON: {error}"))?
    } else {
        Value::String(String::from_utf8_lossy(body).into_owned())
    };
    validate(&media["schema"], &value, "body")
}

/// Checks `value` against `schema` (the subset of OpenAPI 3.0 schemas the
/// document uses); `at` names the place for the message.
pub fn validate(schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let schema = resolve(schema);
    let Some(keywords) = schema.as_object() else {
        return Err(format!("{at}: schema is not an object"));
    };
    if value.is_null() && schema["nullable"] == Value::Bool(true) {
        return Ok(());
    }
    for (keyword, rule) in keywords {
        let fail = |what: String| Err(format!("{at}: {what}, got {value}"));
        match keyword.as_str() {
            "description" | "default" | "example" | "nullable" => {}
            "type" => {
                let ok = match rule.as_str().unwrap_or("") {
                    "object" => value.is_object(),
                    "array" => value.is_array(),
                    "string" => value.is_string(),
                    "boolean" => value.is_boolean(),
                    "integer" => value.is_i64() || value.is_u64(),
                    "number" => value.is_number(),
                    other => return Err(format!("{at}: unknown type {other}")),
                };
                if !ok {
                    return fail(format!("expected {rule}"));
                }
            }
            "enum" => {
                if !rule
                    .as_array()
                    .is_some_and(|allowed| allowed.contains(value))
                {
                    return fail(format!("not one of {rule}"));
                }
            }
            "format" => {
                if rule == "date-time"
                    && let Some(text) = value.as_str()
                    && humantime::parse_rfc3339(text).is_err()
                {
                    return fail("not an RFC 3339 date-time".into());
                }
            }
            "pattern" => {
                if let Some(text) = value.as_str() {
                    let pattern = rule.as_str().unwrap_or("");
                    let regex = regex::Regex::new(pattern)
                        .map_err(|error| format!("{at}: bad pattern {pattern}: {error}"))?;
                    if !regex.is_match(text) {
                        return fail(format!("does not match {pattern}"));
                    }
                }
            }
            "minLength" | "maxLength" => {
                if let Some(text) = value.as_str() {
                    let length = text.chars().count() as u64;
                    let bound = rule.as_u64().unwrap_or(0);
                    if (keyword == "minLength" && length < bound)
                        || (keyword == "maxLength" && length > bound)
                    {
                        return fail(format!("{keyword} {bound}"));
                    }
                }
            }
            "minimum" | "maximum" => {
                if let (Some(number), Some(bound)) = (value.as_f64(), rule.as_f64())
                    && ((keyword == "minimum" && number < bound)
                        || (keyword == "maximum" && number > bound))
                {
                    return fail(format!("{keyword} {bound}"));
                }
            }
            "minItems" | "maxItems" => {
                if let Some(items) = value.as_array() {
                    let bound = rule.as_u64().unwrap_or(0) as usize;
                    if (keyword == "minItems" && items.len() < bound)
                        || (keyword == "maxItems" && items.len() > bound)
                    {
                        return fail(format!("{keyword} {bound}"));
                    }
                }
            }
            "minProperties" | "maxProperties" => {
                if let Some(object) = value.as_object() {
                    let bound = rule.as_u64().unwrap_or(0) as usize;
                    if (keyword == "minProperties" && object.len() < bound)
                        || (keyword == "maxProperties" && object.len() > bound)
                    {
                        return fail(format!("{keyword} {bound}"));
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (index, item) in items.iter().enumerate() {
                        validate(rule, item, &format!("{at}[{index}]"))?;
                    }
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for name in rule.as_array().into_iter().flatten() {
                        let name = name.as_str().unwrap_or("");
                        if !object.contains_key(name) {
                            return fail(format!("missing required {name}"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(object) = value.as_object() {
                    for (name, child) in object {
                        if let Some(property) = rule.get(name) {
                            validate(property, child, &format!("{at}.{name}"))?;
                        }
                    }
                }
            }
            "additionalProperties" => {
                if let Some(object) = value.as_object()
                    && rule == &Value::Bool(false)
                {
                    let known = &schema["properties"];
                    if let Some(extra) = object.keys().find(|name| known.get(name).is_none()) {
                        return fail(format!("undocumented property {extra}"));
                    }
                }
            }
            "not" => {
                if validate(rule, value, at).is_ok() {
                    return fail(format!("matches the excluded schema {rule}"));
                }
            }
            other => return Err(format!("{at}: the checker does not know keyword {other}")),
        }
    }
    Ok(())
}
