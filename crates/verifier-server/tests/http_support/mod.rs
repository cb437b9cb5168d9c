//! Shared by the `http_*` tests: an in-process server on a loopback port, a
//! small keep-alive JSON client, and the customer's side of the scheme
//! (responses computed from the activation key parts with `mobipass-scheme`).

#![allow(dead_code)] // each test file uses a different subset

pub mod openapi;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mobipass_scheme::{ActivationKey, Amount, Challenge, DocumentCode, Payee};
use mobipass_verifier::{Config, MasterKey, Verifier};
use mobipass_verifier_server::http::auth::{ApiKeyEntry, ApiKeys, Role, hash_key};
use mobipass_verifier_server::http::{HttpLimits, app_with_signing, run};
use mobipass_verifier_server::signing_page::SigningSettings;
use serde_json::Value;
use tokio::sync::oneshot;

pub const BANK_KEY: &str = "mpv_test_bank_key_0123456789abcdef";
pub const OPERATOR_KEY: &str = "mpv_test_operator_key_0123456789abcdef";
/// The return URL the test servers allow, and their return-form secret.
pub const RETURN_URL: &str = "http://127.0.0.1:8441/signed";
pub const RETURN_SECRET: &[u8] = b"test return secret, thirty-two bytes or more";

/// Signing sessions as the test servers run them.
pub fn test_signing(addr: SocketAddr) -> SigningSettings {
    SigningSettings::with_secret(
        &format!("http://{addr}"),
        &[RETURN_URL.to_owned()],
        RETURN_SECRET,
    )
}

/// The two test keys as a configuration table.
pub fn test_keys() -> ApiKeys {
    ApiKeys::from_entries(vec![
        ApiKeyEntry {
            name: "internet-bank".into(),
            role: Role::Bank,
            sha256: hash_key(BANK_KEY),
        },
        ApiKeyEntry {
            name: "back-office".into(),
            role: Role::Operator,
            sha256: hash_key(OPERATOR_KEY),
        },
    ])
    .unwrap()
}

/// A server on 127.0.0.1 with a fresh SQLite store.
pub struct TestServer {
    pub addr: SocketAddr,
    pub client: Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Config::default(), HttpLimits::default()).await
    }

    pub async fn start_with(config: Config, limits: HttpLimits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("verifier.sqlite3").display());
        let verifier = Verifier::open(&url, MasterKey::generate(), config)
            .await
            .unwrap();
        Self::serve(verifier, limits, dir).await
    }

    pub async fn serve(verifier: Verifier, limits: HttpLimits, dir: tempfile::TempDir) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel();
        let app = app_with_signing(verifier, test_keys(), limits, test_signing(addr));
        let task = tokio::spawn(run(listener, app, async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            client: Client::new(addr),
            stop: Some(stop),
            task: Some(task),
            _dir: dir,
        }
    }

    pub fn dir(&self) -> &Path {
        self._dir.path()
    }

    /// Graceful shutdown; resolves when the server has finished.
    pub async fn shutdown(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.take().unwrap().await.unwrap().unwrap();
    }
}

/// A keep-alive HTTP/1.1 client for one server.
#[derive(Clone)]
pub struct Client {
    addr: SocketAddr,
    inner: HyperClient<HttpConnector, Full<Bytes>>,
}

/// One answer: status, headers, JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// The stable error code of an error reply.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

impl Client {
    pub fn new(addr: SocketAddr) -> Self {
        let inner = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build_http();
        Self { addr, inner }
    }

    /// Sends a request with an optional bearer token and raw body (JSON
    /// content type when a body is given).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{}{path}", self.addr));
        if let Some(token) = token {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .unwrap();
        self.send_request(request).await
    }

    pub async fn send_request(&self, request: Request<Full<Bytes>>) -> Reply {
        self.try_send_request(request)
            .await
            .expect("the server answers")
    }

    /// `None` when the connection fails (server gone). Every reply is
    /// checked against the OpenAPI document.
    pub async fn try_send_request(&self, request: Request<Full<Bytes>>) -> Option<Reply> {
        let method = request.method().clone();
        let path = request
            .uri()
            .path_and_query()
            .map_or_else(|| "/".to_owned(), ToString::to_string);
        let response = self.inner.request(request).await.ok()?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.ok()?.to_bytes();
        openapi::check(&method, &path, status, &headers, &bytes);
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Some(Reply {
            status,
            headers,
            body,
            text,
        })
    }

    /// A JSON POST that returns `None` when the connection fails.
    pub async fn try_post(&self, path: &str, token: Option<&str>, body: Value) -> Option<Reply> {
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!("http://{}{path}", self.addr))
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", token.unwrap_or("")),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap();
        self.try_send_request(request).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.send(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.send(Method::POST, path, token, Some(body.to_string()))
            .await
    }

    /// Operator: issue a credential; returns the four activation key parts.
    pub async fn issue(&self, id: &str) -> [String; 4] {
        let reply = self
            .post(
                &format!("/v1/credentials/{id}/issue"),
                Some(OPERATOR_KEY),
                serde_json::json!({"envelope_only": true}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["kind"], "envelope_only");
        parts_of(&reply.body)
    }

    /// Operator: issue a two-channel credential (the default: no body).
    pub async fn issue_two_channel(&self, id: &str) -> [String; 4] {
        let reply = self
            .send(
                Method::POST,
                &format!("/v1/credentials/{id}/issue"),
                Some(OPERATOR_KEY),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        assert_eq!(reply.body["kind"], "two_channel");
        parts_of(&reply.body)
    }

    /// An activation code for `id` with `token`'s role: the whole reply.
    pub async fn activation_code(&self, id: &str, token: &str) -> Reply {
        self.send(
            Method::POST,
            &format!("/v1/credentials/{id}/activation-code"),
            Some(token),
            None,
        )
        .await
    }

    /// Bank: a plain challenge; returns (challenge id, document code).
    pub async fn challenge(&self, id: &str) -> (String, String) {
        let reply = self
            .post(
                &format!("/v1/credentials/{id}/challenges"),
                Some(BANK_KEY),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        (
            reply.body["challenge_id"].as_str().unwrap().to_owned(),
            reply.body["document_code"].as_str().unwrap().to_owned(),
        )
    }

    /// Bank: verify; returns the JSON verdict.
    pub async fn verify(&self, id: &str, challenge_id: &str, response: &str) -> Value {
        let reply = self
            .post(
                &format!("/v1/credentials/{id}/verifications"),
                Some(BANK_KEY),
                serde_json::json!({ "challenge_id": challenge_id, "response": response }),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body
    }
}

pub fn parts_of(envelope: &Value) -> [String; 4] {
    let parts = envelope["activation_key"].as_array().expect("four parts");
    std::array::from_fn(|i| parts[i].as_str().unwrap().to_owned())
}

/// What the customer's app answers for a plain challenge, activated with
/// the two-channel `activation_code`.
pub fn sign_activated(parts: &[String; 4], activation_code: &str, code: &str) -> String {
    let envelope = mobipass_scheme::Envelope::from_parts(parts).unwrap();
    let activation = mobipass_scheme::ActivationCode::parse(activation_code).unwrap();
    let key = envelope.activated(Some(&activation)).unwrap().ocra_key();
    Challenge::Plain(DocumentCode::parse(code).unwrap())
        .respond(&key)
        .as_str()
        .to_owned()
}

/// What the customer's app answers for a plain challenge.
pub fn sign(parts: &[String; 4], code: &str) -> String {
    let key = ActivationKey::from_parts(parts).unwrap().ocra_key();
    Challenge::Plain(DocumentCode::parse(code).unwrap())
        .respond(&key)
        .as_str()
        .to_owned()
}

/// What the customer's app answers for a linked challenge.
pub fn sign_linked(parts: &[String; 4], code: &str, amount_minor: u64, payee: &str) -> String {
    let key = ActivationKey::from_parts(parts).unwrap().ocra_key();
    Challenge::Linked {
        code: DocumentCode::parse(code).unwrap(),
        amount: Amount::from_minor(amount_minor).unwrap(),
        payee: Payee::parse(payee).unwrap(),
    }
    .respond(&key)
    .as_str()
    .to_owned()
}

/// A response that is certainly wrong for this challenge.
pub fn wrong(parts: &[String; 4], code: &str) -> String {
    let right = sign(parts, code);
    let last = right.as_bytes()[7] - b'0';
    format!("{}{}", &right[..7], (last + 1) % 10)
}

/// The real `mobipass-verifier serve` process on a loopback port.
pub struct ServerProcess {
    pub addr: SocketAddr,
    pub client: Client,
    child: std::process::Child,
}

/// A configuration file with the two test keys and `extra` TOML lines.
pub fn write_config(dir: &Path, extra: &str) -> std::path::PathBuf {
    let path = dir.join("verifier.toml");
    let text = format!(
        "{extra}\n[[api_keys]]\nname = \"internet-bank\"\nrole = \"bank\"\nsha256 = \"{}\"\n\n\
         [[api_keys]]\nname = \"back-office\"\nrole = \"operator\"\nsha256 = \"{}\"\n",
        hash_key(BANK_KEY),
        hash_key(OPERATOR_KEY)
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// A fixed master key for tests that restart or share a store.
pub const MASTER_HEX: &str = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";

impl ServerProcess {
    /// Starts `serve` on 127.0.0.1 (a free port) and waits for its
    /// `listening on` line.
    pub fn spawn(db_url: &str, config: &Path) -> Self {
        Self::spawn_with_key(db_url, config, Some(MASTER_HEX))
    }

    /// [`ServerProcess::spawn`] with `MOBIPASS_MASTER_KEY` set to
    /// `master_hex`, or unset (the configuration names the key).
    pub fn spawn_with_key(db_url: &str, config: &Path, master_hex: Option<&str>) -> Self {
        use std::io::BufRead;
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mobipass-verifier"));
        match master_hex {
            Some(hex) => command.env("MOBIPASS_MASTER_KEY", hex),
            None => command.env_remove("MOBIPASS_MASTER_KEY"),
        };
        let mut child = command
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--db",
                db_url,
                "--config",
            ])
            .arg(config)
            .env_remove("MOBIPASS_MASTER_KEY_FILE")
            .env_remove("MOBIPASS_VERIFIER_LISTEN")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("start mobipass-verifier serve");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let addr: SocketAddr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .parse()
            .unwrap();
        Self {
            addr,
            client: Client::new(addr),
            child,
        }
    }

    /// SIGKILL: no chance to flush anything.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = self.child.wait().unwrap();
        std::mem::forget(self);
        status
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh PostgreSQL schema on `MOBIPASS_TEST_PG_URL`, as a database URL.
/// PostgreSQL tests are `#[ignore]`d, so this runs only when asked for: a
/// missing database then fails the test instead of passing it unrun.
pub async fn postgres_url() -> String {
    let base = std::env::var("MOBIPASS_TEST_PG_URL").expect(
        "MOBIPASS_TEST_PG_URL is unset: this PostgreSQL test was asked for but has no database",
    );
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap();
    let schema = format!("http_{}", hex::encode(bytes));
    let (client, connection) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .expect("connect to MOBIPASS_TEST_PG_URL");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-csearch_path%3D{schema}")
}
