//! A demo bank with its embedded verifier on free loopback ports, and a
//! browser-like client (cookies, forms, no redirects followed) to drive it.

#![allow(dead_code)]

use std::collections::HashMap;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mobipass_demo_bank::verifier_api::VerifierApi;
use mobipass_demo_bank::{AppState, Setup, embedded, router};

/// A running bank.
pub struct Bank {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The embedded verifier (kept alive; its data directory is removed on drop).
    pub verifier: embedded::Embedded,
    /// The bank's state (its books), to look at what the pages do not show.
    pub state: AppState,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Bank {
    fn drop(&mut self) {
        self.server.abort();
        self.verifier.task.abort();
    }
}

/// Starts a bank and its verifier.
pub async fn start() -> Bank {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let verifier = embedded::start(embedded::Options {
        data_dir: None,
        listen: Some("127.0.0.1:0".parse().unwrap()),
        return_url: format!("{url}/signed"),
        challenge_ttl_secs: None,
        bank_name: "Test Bank".into(),
    })
    .await
    .unwrap();
    let state = AppState::new(Setup {
        api: VerifierApi::new(
            &verifier.url,
            verifier.bank_key.clone(),
            verifier.operator_key.clone(),
        ),
        return_secret: verifier.return_secret.clone(),
        public_url: url.clone(),
        bank_name: "Test Bank".into(),
        operator_name: Some(embedded::OPERATOR.into()),
        books: mobipass_demo_bank::state::Bank::default(),
    });
    let app = router(state.clone());
    let server = tokio::spawn(async move {
        let _ = mobipass_verifier_server::http::run(listener, app, std::future::pending()).await;
    });
    Bank {
        url,
        verifier,
        state,
        server,
    }
}

/// An answer.
pub struct Page {
    pub status: StatusCode,
    pub headers: hyper::HeaderMap,
    pub body: String,
}

impl Page {
    /// The text of the first element with this `data-testid`.
    pub fn testid(&self, id: &str) -> Option<String> {
        self.testids(id).into_iter().next()
    }

    /// The texts of all elements with this `data-testid` (no nested tags).
    pub fn testids(&self, id: &str) -> Vec<String> {
        let needle = format!("data-testid=\"{id}\"");
        self.body
            .match_indices(&needle)
            .filter_map(|(i, _)| {
                let rest = &self.body[i..];
                let start = rest.find('>')? + 1;
                let end = rest[start..].find('<')?;
                Some(rest[start..start + end].trim().to_owned())
            })
            .collect()
    }

    /// The page's CSRF token.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a form with a csrf field") + marker.len();
        self.body[start..start + 64].to_owned()
    }

    /// `Location`.
    pub fn location(&self) -> String {
        self.headers[header::LOCATION].to_str().unwrap().to_owned()
    }
}

/// A browser: a cookie jar over hyper's client.
pub struct Browser {
    client: Client<HttpConnector, Full<Bytes>>,
    cookies: HashMap<String, String>,
}

impl Browser {
    pub fn new() -> Self {
        Self {
            client: Client::builder(TokioExecutor::new()).build_http(),
            cookies: HashMap::new(),
        }
    }

    pub async fn get(&mut self, url: &str) -> Page {
        self.send(Method::GET, url, None).await
    }

    pub async fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Page {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(Method::POST, url, Some(body)).await
    }

    async fn send(&mut self, method: Method, url: &str, body: Option<String>) -> Page {
        let mut request = Request::builder().method(method).uri(url);
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request = request.header(header::COOKIE, jar.join("; "));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        let answer = self.client.request(request).await.unwrap();
        for value in answer.headers().get_all(header::SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let status = answer.status();
        let headers = answer.headers().clone();
        let bytes = answer.into_body().collect().await.unwrap().to_bytes();
        Page {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    /// Signs up as `name`; returns the envelope page.
    pub async fn sign_up(&mut self, bank: &Bank, name: &str) -> Page {
        let home = self.get(&format!("{}/", bank.url)).await;
        let csrf = home.csrf();
        self.post(
            &format!("{}/sign-up", bank.url),
            &[("csrf", &csrf), ("name", name)],
        )
        .await
    }
}
