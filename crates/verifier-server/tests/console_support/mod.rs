//! Shared by the `console_*` tests: the real app (API + console) on a
//! loopback port, and a browser-like client with a cookie jar that reads
//! the CSRF token from the page it is on, as a browser's form would send it.

#![allow(dead_code)] // each test file uses a different subset

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mobipass_verifier::{Actor, Config, MasterKey, OperatorName, Password, Role, Verifier};
use mobipass_verifier_server::console::ConsoleSettings;
use mobipass_verifier_server::http::auth::ApiKeys;
use mobipass_verifier_server::http::{HttpLimits, app_with_console, run};
use tokio::sync::oneshot;
use zeroize::Zeroizing;

pub const AGENT: &str = "anna";
pub const SUPERVISOR: &str = "boss";
pub const PASSWORD: &str = "correct horse battery";

/// The app with a console on a fresh SQLite store, an agent and a supervisor.
pub struct Console {
    pub addr: SocketAddr,
    pub verifier: Verifier,
    stop: Option<oneshot::Sender<()>>,
    _dir: tempfile::TempDir,
}

impl Console {
    pub async fn start() -> Self {
        Self::start_with(ConsoleSettings::default()).await
    }

    pub async fn start_with(settings: ConsoleSettings) -> Self {
        Self::start_with_config(settings, Config::default()).await
    }

    pub async fn start_with_config(settings: ConsoleSettings, config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("v.sqlite3").display());
        let verifier = Verifier::open(&url, MasterKey::generate(), config)
            .await
            .unwrap();
        let cli = Actor::new("setup").unwrap();
        for (name, role) in [(AGENT, Role::Agent), (SUPERVISOR, Role::Supervisor)] {
            let password = Password::new(Zeroizing::new(PASSWORD.into())).unwrap();
            verifier
                .add_operator(&OperatorName::new(name).unwrap(), role, &password, &cli)
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel();
        let keys = ApiKeys::from_entries(Vec::new()).unwrap();
        let app = app_with_console(verifier.clone(), keys, HttpLimits::default(), settings);
        tokio::spawn(run(listener, app, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            verifier,
            stop: Some(stop),
            _dir: dir,
        }
    }

    pub fn browser(&self) -> Browser {
        Browser {
            addr: self.addr,
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
            jar: Arc::new(Mutex::new(BTreeMap::new())),
            csrf: Arc::new(Mutex::new(String::new())),
        }
    }

    /// A browser signed in as `name`.
    pub async fn signed_in(&self, name: &str) -> Browser {
        let browser = self.browser();
        let page = browser.sign_in(name, PASSWORD).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        browser.get("/console/").await;
        browser
    }

    pub async fn audit_actions(&self) -> Vec<(String, String, String)> {
        let mut events: Vec<_> = self
            .verifier
            .audit(None, 1000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.actor, e.action, e.detail))
            .collect();
        events.reverse();
        events
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// One answer.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    /// The text of the element with `data-testid="ID"` (first one).
    pub fn testid(&self, id: &str) -> Option<String> {
        let marker = format!("data-testid=\"{id}\"");
        let at = self.body.find(&marker)?;
        let rest = &self.body[at..];
        let start = rest.find('>')? + 1;
        let end = rest[start..].find('<')?;
        Some(rest[start..start + end].trim().to_owned())
    }
}

/// A cookie-keeping client that sends the CSRF token of the last page.
#[derive(Clone)]
pub struct Browser {
    addr: SocketAddr,
    http: HyperClient<HttpConnector, Full<Bytes>>,
    pub jar: Arc<Mutex<BTreeMap<String, String>>>,
    pub csrf: Arc<Mutex<String>>,
}

impl Browser {
    /// A fresh browser (empty cookie jar) for the server at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
            jar: Arc::new(Mutex::new(BTreeMap::new())),
            csrf: Arc::new(Mutex::new(String::new())),
        }
    }

    pub async fn send(&self, method: Method, path: &str, form: Option<&[(&str, &str)]>) -> Page {
        let cookies = self
            .jar
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr))
            .header(header::ACCEPT_LANGUAGE, "en");
        if !cookies.is_empty() {
            builder = builder.header(header::COOKIE, cookies);
        }
        let body = match form {
            Some(fields) => {
                builder = builder.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
                form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(fields.iter())
                    .finish()
            }
            None => String::new(),
        };
        let response = self
            .http
            .request(builder.body(Full::new(Bytes::from(body))).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let page = Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        for cookie in page.set_cookies() {
            let pair = cookie.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            let mut jar = self.jar.lock().unwrap();
            if value.is_empty() || cookie.contains("Max-Age=0") {
                jar.remove(name);
            } else {
                jar.insert(name.to_owned(), value.to_owned());
            }
        }
        if let Some(at) = page.body.find("name=\"csrf\" value=\"") {
            let rest = &page.body[at + 19..];
            *self.csrf.lock().unwrap() = rest[..rest.find('"').unwrap()].to_owned();
        }
        page
    }

    pub async fn get(&self, path: &str) -> Page {
        self.send(Method::GET, path, None).await
    }

    /// A form POST with the current page's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.lock().unwrap().clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.send(Method::POST, path, Some(&all)).await
    }

    /// A form POST without any CSRF token.
    pub async fn post_without_csrf(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        self.send(Method::POST, path, Some(fields)).await
    }

    pub async fn sign_in(&self, name: &str, password: &str) -> Page {
        self.get("/console/").await;
        self.post(
            "/console/sign-in",
            &[("name", name), ("password", password)],
        )
        .await
    }
}
