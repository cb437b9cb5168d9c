//! A verifier of its own when none is named: `mobipass-verifier serve` run
//! in this process, from the server library, with the embedded SQLite store
//! in a fresh data directory.
//!
//! Everything a bank's operations team would set up by hand is made here:
//! the master key file, a bank and an operator API key (only their hashes go
//! into the configuration, as `mobipass-verifier api-key` prints them), the
//! signing return secret, the allow-list holding this bank's `/signed`, and
//! a console supervisor with a generated password. The configuration is a
//! TOML file read by the server's own [`Settings::resolve`], so the
//! verifier runs exactly as a deployed one would. After start the bank talks
//! to it only over HTTP, like to any other verifier.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use mobipass_verifier::{Actor, MasterKey, OperatorName, Password, Role, Verifier};
use mobipass_verifier_server::http::auth::{generate_key, hash_key};
use mobipass_verifier_server::http::config::{Overrides, Settings};
use zeroize::Zeroizing;

/// The console operator the demo creates.
pub const OPERATOR: &str = "demo";

/// What to start.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep data here (created if missing); `None`: a temporary directory
    /// removed at exit.
    pub data_dir: Option<PathBuf>,
    /// The verifier's address; `None`: 127.0.0.1:8440, or a free port if taken.
    pub listen: Option<SocketAddr>,
    /// The bank's `/signed` URL (the allow-list's one entry).
    pub return_url: String,
    /// Seconds a challenge and a signing session stay valid.
    pub challenge_ttl_secs: Option<u64>,
    /// The bank's name on envelopes.
    pub bank_name: String,
}

/// Why the embedded verifier did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A file in the data directory.
    #[error("data directory {0}: {1}")]
    Files(String, std::io::Error),
    /// The verifier refused its settings or could not open its store.
    #[error("the embedded verifier: {0}")]
    Verifier(String),
    /// It did not answer `/readyz` in time.
    #[error("the embedded verifier did not become ready at {0}")]
    NotReady(String),
}

/// A running embedded verifier and what the bank needs to call it.
pub struct Embedded {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The bank role's key.
    pub bank_key: Zeroizing<String>,
    /// The operator role's key.
    pub operator_key: Zeroizing<String>,
    /// The signing return secret.
    pub return_secret: Zeroizing<Vec<u8>>,
    /// The console supervisor's password, when it was created by this start.
    pub operator_password: Option<Zeroizing<String>>,
    /// Where the data lives.
    pub data_dir: PathBuf,
    /// Removed when dropped (the default temporary directory).
    _temporary: Option<tempfile::TempDir>,
    /// The server task.
    pub task: tokio::task::JoinHandle<()>,
}

fn files(dir: &Path) -> impl Fn(std::io::Error) -> StartError + '_ {
    move |error| StartError::Files(dir.display().to_string(), error)
}

/// Writes a new owner-only file, never over an existing one.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The secret in `path`, made with `make` the first time.
fn load_or_make(
    path: &Path,
    make: impl FnOnce() -> Zeroizing<String>,
) -> std::io::Result<Zeroizing<String>> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Zeroizing::new(text.trim().to_owned())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let value = make();
            write_private(path, value.as_bytes())?;
            Ok(value)
        }
        Err(error) => Err(error),
    }
}

fn random_hex(bytes: usize) -> Zeroizing<String> {
    let mut raw = Zeroizing::new(vec![0u8; bytes]);
    getrandom::fill(raw.as_mut_slice()).expect("the OS random source failed");
    Zeroizing::new(hex::encode(raw.as_slice()))
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// A free port on `ip` (for a requested port 0: the verifier's URL must
/// name its real port before it starts).
fn free_port(ip: std::net::IpAddr) -> SocketAddr {
    std::net::TcpListener::bind((ip, 0))
        .and_then(|l| l.local_addr())
        .unwrap_or(SocketAddr::new(ip, 0))
}

/// 127.0.0.1:8440 if free, else any free loopback port.
fn pick_listen() -> SocketAddr {
    let preferred = SocketAddr::from(([127, 0, 0, 1], 8440));
    match std::net::TcpListener::bind(preferred) {
        Ok(_) => preferred,
        Err(_) => std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .unwrap_or(preferred),
    }
}

/// The signing-session keys: the allow-list with the bank's one return URL,
/// and the return secret's file.
fn signing_config(return_url: &str, secret_file: &Path) -> String {
    format!(
        "signing_return_urls = [{}]\nsigning_return_secret_file = {}\n",
        quoted(return_url),
        quoted(&secret_file.display().to_string())
    )
}

/// Starts the verifier and waits until it answers.
pub async fn start(options: Options) -> Result<Embedded, StartError> {
    let (temporary, dir) = match &options.data_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(files(dir))?;
            (None, dir.clone())
        }
        None => {
            let temp = tempfile::Builder::new()
                .prefix("mobipass-demo-bank-")
                .tempdir()
                .map_err(files(Path::new("(temporary)")))?;
            let path = temp.path().to_owned();
            (Some(temp), path)
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(files(&dir))?;
    }
    let master_path = dir.join("master.key");
    let master =
        MasterKey::load_or_create(&master_path).map_err(|e| StartError::Verifier(e.to_string()))?;
    let bank_key =
        load_or_make(&dir.join("bank-api.key"), || generate_key().key).map_err(files(&dir))?;
    let operator_key =
        load_or_make(&dir.join("operator-api.key"), || generate_key().key).map_err(files(&dir))?;
    let secret_path = dir.join("signing-return.secret");
    let secret = load_or_make(&secret_path, || random_hex(32)).map_err(files(&dir))?;
    let listen = match options.listen {
        Some(addr) if addr.port() == 0 => free_port(addr.ip()),
        Some(addr) => addr,
        None => pick_listen(),
    };
    let url = format!("http://{listen}");
    let db = format!("sqlite://{}", dir.join("verifier.sqlite3").display());
    let mut config = format!(
        "db = {db}\nmaster_key_file = {master}\npublic_url = {url_q}\nbank_name = {bank}\n\
         {signing}\
         [[api_keys]]\nname = \"demo-bank\"\nrole = \"bank\"\nsha256 = \"{bank_hash}\"\n\
         [[api_keys]]\nname = \"demo-bank-back-office\"\nrole = \"operator\"\nsha256 = \"{op_hash}\"\n",
        db = quoted(&db),
        master = quoted(&master_path.display().to_string()),
        url_q = quoted(&url),
        bank = quoted(&options.bank_name),
        signing = signing_config(&options.return_url, &secret_path),
        bank_hash = hash_key(&bank_key),
        op_hash = hash_key(&operator_key),
    );
    if let Some(ttl) = options.challenge_ttl_secs {
        // Top-level keys must precede the first table.
        config = format!("challenge_ttl_secs = {ttl}\n{config}");
    }
    let config_path = dir.join("verifier.toml");
    std::fs::write(&config_path, config).map_err(files(&dir))?;
    let settings = Settings::resolve(
        Overrides {
            listen: Some(listen),
            db: None,
            config: Some(config_path),
        },
        |_| None,
    )
    .map_err(|e| StartError::Verifier(e.to_string()))?;
    let verifier = Verifier::open(&db, master, settings.verifier.clone())
        .await
        .map_err(|e| StartError::Verifier(e.to_string()))?;
    let operator_password = add_operator(&verifier).await?;
    let task = tokio::spawn(async move {
        if let Err(error) = mobipass_verifier_server::http::serve_with(verifier, settings).await {
            eprintln!("the embedded verifier stopped: {error}");
        }
    });
    let api = crate::verifier_api::VerifierApi::new(
        &url,
        Zeroizing::new(String::new()),
        Zeroizing::new(String::new()),
    );
    for _ in 0..100 {
        if task.is_finished() {
            return Err(StartError::NotReady(url));
        }
        if api.ready().await {
            return Ok(Embedded {
                url,
                bank_key,
                operator_key,
                return_secret: Zeroizing::new(secret.as_bytes().to_vec()),
                operator_password,
                data_dir: dir,
                _temporary: temporary,
                task,
            });
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    task.abort();
    Err(StartError::NotReady(url))
}

/// The console supervisor, with a new password, unless a reused data
/// directory has it already.
async fn add_operator(verifier: &Verifier) -> Result<Option<Zeroizing<String>>, StartError> {
    let name = OperatorName::new(OPERATOR).map_err(|e| StartError::Verifier(e.to_string()))?;
    let exists = verifier
        .operators()
        .await
        .map_err(|e| StartError::Verifier(e.to_string()))?
        .iter()
        .any(|o| o.name.as_str() == OPERATOR);
    if exists {
        return Ok(None);
    }
    let text = random_hex(10);
    let password = Password::new(text.clone()).map_err(|e| StartError::Verifier(e.to_string()))?;
    verifier
        .add_operator(&name, Role::Supervisor, &password, &Actor::service())
        .await
        .map_err(|e| StartError::Verifier(e.to_string()))?;
    Ok(Some(text))
}
