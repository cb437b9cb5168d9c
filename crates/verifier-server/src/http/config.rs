//! Service settings from a TOML file, the environment and flags, in that
//! order of increasing precedence.
//!
//! A bank deploys the same file to every node and overrides the one or two
//! values that differ (listen address, database URL) by environment or flag.
//! API keys live only in the file, and only as SHA-256 hashes, so the file can
//! be read by the deployment tooling without handing out credentials.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::auth::{ApiKeyEntry, ApiKeys, KeyTableError};
use mobipass_verifier::Config;

/// Port of the default loopback listener.
pub const DEFAULT_PORT: u16 = 8440;
/// Largest request body accepted by default; real requests are < 300 bytes.
pub const DEFAULT_BODY_LIMIT: usize = 16 * 1024;
/// Default time an expired challenge is kept before the hourly purge.
pub const DEFAULT_CHALLENGE_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// Default deadline for a whole request, body included.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default number of requests served at once before 503 `busy`.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 512;

/// Environment variable naming the listen address.
pub const ENV_LISTEN: &str = "MOBIPASS_VERIFIER_LISTEN";
/// Environment variable naming the database URL.
pub const ENV_DB: &str = "MOBIPASS_VERIFIER_DB";
/// Environment variable naming the configuration file.
pub const ENV_CONFIG: &str = "MOBIPASS_VERIFIER_CONFIG";

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("invalid configuration file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What was wrong (TOML's own description).
        message: String,
    },
    /// An environment variable holds an unusable value.
    #[error("{name} is not a valid {what}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What it should have been.
        what: &'static str,
    },
    /// A setting is out of range.
    #[error("{0}")]
    Range(&'static str),
    /// A library setting is out of range (the library's own validation).
    #[error("invalid configuration: {0}")]
    Verifier(String),
    /// The API key table is invalid.
    #[error(transparent)]
    Keys(#[from] KeyTableError),
    /// A webhook entry is invalid.
    #[error("invalid configuration: {0}")]
    Webhook(#[from] crate::webhooks::WebhookError),
    /// The signing-session settings are invalid.
    #[error("invalid configuration: {0}")]
    Signing(#[from] crate::signing_page::SigningConfigError),
}

/// The file format. Every field is optional; unknown keys are errors so a
/// typo never silently falls back to a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// Database URL (`sqlite://PATH` or `postgres://...`).
    pub db: Option<String>,
    /// File holding the master key (otherwise the library's default lookup).
    pub master_key_file: Option<PathBuf>,
    /// The master key in a PKCS#11 token: `pkcs11:token=...;object=...`.
    pub master_key_uri: Option<String>,
    /// The PKCS#11 module (shared library) for `master_key_uri`.
    pub pkcs11_module: Option<PathBuf>,
    /// File holding the token's user PIN (mode 0600).
    pub pkcs11_pin_file: Option<PathBuf>,
    /// Consecutive wrong responses before a credential is locked or blocked (1 to 5).
    pub failure_limit: Option<u8>,
    /// Minutes of each temporary lock before the permanent block, e.g.
    /// `[15, 60]`; empty (the default) blocks at the first limit.
    pub temporary_lock_minutes: Option<Vec<u32>>,
    /// Seconds a challenge stays valid.
    pub challenge_ttl_secs: Option<u64>,
    /// Seconds an activation code can be confirmed (60 to 3600, default 900).
    pub activation_code_ttl_secs: Option<u64>,
    /// Hours an expired challenge is kept before the hourly purge deletes
    /// it; 0 turns the purge off (run `purge-challenges` yourself).
    pub challenge_retention_hours: Option<u64>,
    /// SQLite group commit: most operations committed with one fsync.
    pub max_batch: Option<usize>,
    /// PostgreSQL: connections in the pool.
    pub pg_pool_size: Option<usize>,
    /// PostgreSQL: longest wait for a row lock, in milliseconds.
    pub pg_lock_timeout_ms: Option<u64>,
    /// PostgreSQL: longest statement, in milliseconds.
    pub pg_statement_timeout_ms: Option<u64>,
    /// PostgreSQL: longest wait for a pooled connection, in milliseconds.
    pub pg_pool_wait_ms: Option<u64>,
    /// SQLite: most operations waiting for the writer.
    pub max_queue: Option<usize>,
    /// Deadline for a whole request, in milliseconds.
    pub request_timeout_ms: Option<u64>,
    /// Largest request body in bytes.
    pub body_limit_bytes: Option<usize>,
    /// Requests served at once; the next gets 503 `busy`.
    pub max_in_flight: Option<usize>,
    /// Connections open at once; further clients wait in the backlog.
    pub max_connections: Option<usize>,
    /// The address operators' browsers use (`https://...` makes the
    /// console's cookies `Secure`).
    pub public_url: Option<String>,
    /// A console session unused this long ends (default 900).
    pub console_idle_timeout_secs: Option<u64>,
    /// A console session this old ends, used or not (default 28800).
    pub console_session_max_secs: Option<u64>,
    /// The bank's name on printed envelopes.
    pub bank_name: Option<String>,
    /// Where a signing session's browser may be sent back to, compared
    /// exactly; empty (the default) turns signing sessions off.
    #[serde(default)]
    pub signing_return_urls: Vec<String>,
    /// File holding the return form's HMAC secret (at least 32 bytes,
    /// owner-only).
    pub signing_return_secret_file: Option<PathBuf>,
    /// Who may call the API.
    #[serde(default)]
    pub api_keys: Vec<ApiKeyEntry>,
    /// Endpoints that receive events (`[[webhooks]]`).
    #[serde(default)]
    pub webhooks: Vec<WebhookEntry>,
}

/// One `[[webhooks]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEntry {
    /// `https://...`, or `http://` to a loopback address.
    pub url: String,
    /// File holding the shared secret (at least 32 bytes).
    pub secret_file: PathBuf,
    /// Event types to send, e.g. `["credential.blocked", "credential.locked"]`.
    pub events: Vec<String>,
}

/// Overrides from the command line (highest precedence).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    /// `--listen`.
    pub listen: Option<SocketAddr>,
    /// `--db`.
    pub db: Option<String>,
    /// `--config`.
    pub config: Option<PathBuf>,
}

/// Everything `serve` needs, resolved.
#[derive(Debug)]
pub struct Settings {
    /// Address to bind.
    pub listen: SocketAddr,
    /// Database URL; `None` means the library's embedded SQLite default.
    pub db: Option<String>,
    /// Master key file, if configured.
    pub master_key_file: Option<PathBuf>,
    /// The HSM key's URI, module and PIN file, if configured.
    pub master_key_uri: Option<String>,
    /// `pkcs11_module`.
    pub pkcs11_module: Option<PathBuf>,
    /// `pkcs11_pin_file`.
    pub pkcs11_pin_file: Option<PathBuf>,
    /// The library's settings: its defaults with the file's values over
    /// them, validated by the library itself.
    pub verifier: Config,
    /// How long expired challenges are kept; `None`: never purged here.
    pub challenge_retention: Option<Duration>,
    /// Requests served at once.
    pub max_in_flight: usize,
    /// Connections open at once.
    pub max_connections: usize,
    /// Whole-request deadline.
    pub request_timeout: Duration,
    /// Body size limit.
    pub body_limit: usize,
    /// Hashed API keys.
    pub api_keys: ApiKeys,
    /// The contact-centre console's settings.
    pub console: crate::console::ConsoleSettings,
    /// Webhook endpoints, validated, with their secrets.
    pub webhooks: Vec<crate::webhooks::Webhook>,
    /// Signing sessions and their page.
    pub signing: crate::signing_page::SigningSettings,
}

impl Settings {
    /// Resolves file, then environment, then flags. `env` is injectable so
    /// tests do not touch the process environment.
    pub fn resolve(
        flags: Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let config_path = flags
            .config
            .clone()
            .or_else(|| env(ENV_CONFIG).map(PathBuf::from));
        let file = match &config_path {
            Some(path) => load_file(path)?,
            None => FileConfig::default(),
        };
        let console = console_settings(&file)?;
        let env_listen = match env(ENV_LISTEN) {
            Some(text) => Some(text.parse::<SocketAddr>().map_err(|_| ConfigError::Env {
                name: ENV_LISTEN,
                what: "socket address (like 127.0.0.1:8440)",
            })?),
            None => None,
        };
        let listen = flags
            .listen
            .or(env_listen)
            .or(file.listen)
            .unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, DEFAULT_PORT)));
        let db = flags.db.or_else(|| env(ENV_DB)).or(file.db);
        // Without `public_url`, `serve` uses the address it bound.
        let signing = crate::signing_page::SigningSettings::new(
            file.public_url.as_deref().unwrap_or_default(),
            &file.signing_return_urls,
            file.signing_return_secret_file.as_deref(),
        )?;
        let defaults = Config::default();
        let webhooks = file
            .webhooks
            .iter()
            .map(|w| crate::webhooks::Webhook::new(&w.url, &w.secret_file, &w.events))
            .collect::<Result<Vec<_>, _>>()?;
        let verifier = Config {
            record_rejections: crate::webhooks::wants_rejections(&webhooks),
            failure_limit: file.failure_limit.unwrap_or(defaults.failure_limit),
            temporary_lock_minutes: file.temporary_lock_minutes.clone().unwrap_or_default(),
            challenge_ttl: file
                .challenge_ttl_secs
                .map_or(defaults.challenge_ttl, Duration::from_secs),
            activation_code_ttl: file
                .activation_code_ttl_secs
                .map_or(defaults.activation_code_ttl, Duration::from_secs),
            max_batch: file.max_batch.unwrap_or(defaults.max_batch),
            pg_pool_size: file.pg_pool_size.unwrap_or(defaults.pg_pool_size),
            pg_lock_timeout: file
                .pg_lock_timeout_ms
                .map_or(defaults.pg_lock_timeout, Duration::from_millis),
            pg_statement_timeout: file
                .pg_statement_timeout_ms
                .map_or(defaults.pg_statement_timeout, Duration::from_millis),
            pg_pool_wait: file
                .pg_pool_wait_ms
                .map_or(defaults.pg_pool_wait, Duration::from_millis),
            max_queue: file.max_queue.unwrap_or(defaults.max_queue),
            ..defaults
        };
        verifier
            .validate()
            .map_err(|error| ConfigError::Verifier(error.to_string()))?;
        let max_in_flight = file.max_in_flight.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
        let max_connections = file
            .max_connections
            .unwrap_or(super::DEFAULT_MAX_CONNECTIONS);
        if max_in_flight == 0 || max_connections == 0 {
            return Err(ConfigError::Range(
                "max_in_flight and max_connections must be at least 1",
            ));
        }
        let body_limit = file.body_limit_bytes.unwrap_or(DEFAULT_BODY_LIMIT);
        if !(1024..=1024 * 1024).contains(&body_limit) {
            return Err(ConfigError::Range(
                "body_limit_bytes must be 1 KiB to 1 MiB",
            ));
        }
        let request_timeout = file
            .request_timeout_ms
            .map_or(DEFAULT_REQUEST_TIMEOUT, Duration::from_millis);
        if request_timeout.is_zero() {
            return Err(ConfigError::Range("request_timeout_ms must be positive"));
        }
        Ok(Self {
            console,
            listen,
            db,
            master_key_file: file.master_key_file,
            master_key_uri: file.master_key_uri,
            pkcs11_module: file.pkcs11_module,
            pkcs11_pin_file: file.pkcs11_pin_file,
            verifier,
            challenge_retention: match file.challenge_retention_hours {
                None => Some(DEFAULT_CHALLENGE_RETENTION),
                Some(0) => None,
                Some(hours) => Some(Duration::from_secs(hours.saturating_mul(3600))),
            },
            max_in_flight,
            max_connections,
            request_timeout,
            body_limit,
            api_keys: ApiKeys::from_entries(file.api_keys)?,
            webhooks,
            signing,
        })
    }
}

fn console_settings(file: &FileConfig) -> Result<crate::console::ConsoleSettings, ConfigError> {
    let defaults = crate::console::ConsoleSettings::default();
    let secure_cookies = match file.public_url.as_deref() {
        None => false,
        Some(url) if url.starts_with("https://") => true,
        Some(url) if url.starts_with("http://") => false,
        Some(_) => {
            return Err(ConfigError::Range(
                "public_url must start with https:// or http://",
            ));
        }
    };
    let idle = file
        .console_idle_timeout_secs
        .map_or(defaults.policy.idle, Duration::from_secs);
    let absolute = file
        .console_session_max_secs
        .map_or(defaults.policy.absolute, Duration::from_secs);
    if idle.is_zero() || absolute < idle {
        return Err(ConfigError::Range(
            "console_idle_timeout_secs must be positive and at most console_session_max_secs",
        ));
    }
    let bank_name = match &file.bank_name {
        Some(name) if name.trim().is_empty() || name.chars().count() > 80 => {
            return Err(ConfigError::Range("bank_name must be 1 to 80 characters"));
        }
        Some(name) => name.trim().to_owned(),
        None => defaults.bank_name,
    };
    Ok(crate::console::ConsoleSettings {
        secure_cookies,
        policy: mobipass_verifier::SessionPolicy { idle, absolute },
        bank_name,
    })
}

fn load_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    toml::from_str(&text).map_err(|error| ConfigError::Parse {
        path: path.to_owned(),
        message: error.message().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn default_listens_on_loopback_only() {
        let settings = Settings::resolve(Overrides::default(), no_env).unwrap();
        assert!(settings.listen.ip().is_loopback());
        assert_eq!(settings.listen.port(), DEFAULT_PORT);
        assert!(settings.db.is_none());
    }

    #[test]
    fn flag_beats_environment_beats_file() {
        let dir = std::env::temp_dir().join(format!("mobipass-http-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("verifier.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:1001\"\ndb = \"sqlite:///file\"\n",
        )
        .unwrap();
        let env = |name: &str| match name {
            ENV_LISTEN => Some("127.0.0.1:1002".to_owned()),
            _ => None,
        };
        let flags = Overrides {
            config: Some(path.clone()),
            ..Overrides::default()
        };
        let settings = Settings::resolve(flags.clone(), env).unwrap();
        assert_eq!(settings.listen.port(), 1002, "environment beats file");
        assert_eq!(settings.db.as_deref(), Some("sqlite:///file"));
        let flags = Overrides {
            listen: Some("127.0.0.1:1003".parse().unwrap()),
            ..flags
        };
        assert_eq!(Settings::resolve(flags, env).unwrap().listen.port(), 1003);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn console_keys_set_secure_cookies_timeouts_and_the_bank_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("console.toml");
        let resolve = |text: &str| {
            std::fs::write(&path, text).unwrap();
            let flags = Overrides {
                config: Some(path.clone()),
                ..Overrides::default()
            };
            Settings::resolve(flags, no_env)
        };
        let defaults = resolve("").unwrap().console;
        assert!(!defaults.secure_cookies);
        assert_eq!(defaults.policy.idle, Duration::from_secs(900));
        assert_eq!(defaults.policy.absolute, Duration::from_secs(8 * 3600));
        let set = resolve(
            "public_url = \"https://verifier.bank.example\"\n\
             console_idle_timeout_secs = 60\nconsole_session_max_secs = 600\n\
             bank_name = \"Example Bank\"\n",
        )
        .unwrap()
        .console;
        assert!(set.secure_cookies);
        assert_eq!(set.policy.idle, Duration::from_secs(60));
        assert_eq!(set.policy.absolute, Duration::from_secs(600));
        assert_eq!(set.bank_name, "Example Bank");
        assert!(
            !resolve("public_url = \"http://10.0.0.1:8440\"\n")
                .unwrap()
                .console
                .secure_cookies
        );
        for bad in [
            "public_url = \"verifier.bank.example\"\n",
            "console_idle_timeout_secs = 0\n",
            "console_idle_timeout_secs = 700\nconsole_session_max_secs = 600\n",
            "bank_name = \" \"\n",
        ] {
            assert!(resolve(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn unknown_keys_and_bad_ranges_are_refused() {
        let dir = std::env::temp_dir().join(format!("mobipass-http-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (text, expected) in [
            ("lisen = \"127.0.0.1:1\"\n", "unknown field"),
            ("failure_limit = 6\n", "1 to 5"),
            ("temporary_lock_minutes = [0]\n", "1 to 10080 minutes"),
            ("max_batch = 0\n", "at least 1"),
            ("activation_code_ttl_secs = 59\n", "1 minute to 1 hour"),
            ("max_queue = 0\n", "at least 1"),
            ("challenge_ttl_secs = 5\n", "30 seconds to 1 hour"),
            ("pg_lock_timeout_ms = 0\n", "1 ms to 10 minutes"),
            ("max_in_flight = 0\n", "at least 1"),
        ] {
            let path = dir.join("bad.toml");
            std::fs::write(&path, text).unwrap();
            let flags = Overrides {
                config: Some(path),
                ..Overrides::default()
            };
            let error = Settings::resolve(flags, no_env).unwrap_err().to_string();
            assert!(error.contains(expected), "{text:?} gave {error}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn library_settings_in_the_file_reach_the_library_config() {
        let dir = std::env::temp_dir().join(format!("mobipass-http-lib-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lib.toml");
        std::fs::write(
            &path,
            "failure_limit = 5\nchallenge_ttl_secs = 120\nmax_queue = 64\n\
             pg_lock_timeout_ms = 750\npg_statement_timeout_ms = 3000\npg_pool_wait_ms = 500\n",
        )
        .unwrap();
        let flags = Overrides {
            config: Some(path),
            ..Overrides::default()
        };
        let settings = Settings::resolve(flags, no_env).unwrap();
        let config = &settings.verifier;
        assert_eq!(config.failure_limit, 5);
        assert_eq!(config.challenge_ttl, Duration::from_secs(120));
        assert_eq!(config.max_queue, 64);
        assert_eq!(config.pg_lock_timeout, Duration::from_millis(750));
        assert_eq!(config.pg_statement_timeout, Duration::from_secs(3));
        assert_eq!(config.pg_pool_wait, Duration::from_millis(500));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_hsm_key_settings_are_read_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hsm.toml");
        std::fs::write(
            &path,
            "master_key_uri = \"pkcs11:token=bank;object=master\"\n\
             pkcs11_module = \"/usr/lib/softhsm/libsofthsm2.so\"\n\
             pkcs11_pin_file = \"/etc/mobipass/pkcs11.pin\"\n",
        )
        .unwrap();
        let flags = Overrides {
            config: Some(path),
            ..Overrides::default()
        };
        let settings = Settings::resolve(flags, no_env).unwrap();
        assert_eq!(
            settings.master_key_uri.as_deref(),
            Some("pkcs11:token=bank;object=master")
        );
        assert_eq!(
            settings.pkcs11_module.as_deref(),
            Some(Path::new("/usr/lib/softhsm/libsofthsm2.so"))
        );
        assert_eq!(
            settings.pkcs11_pin_file.as_deref(),
            Some(Path::new("/etc/mobipass/pkcs11.pin"))
        );
        assert!(settings.master_key_file.is_none());
    }

    #[test]
    fn challenge_retention_defaults_to_a_week_and_zero_turns_the_purge_off() {
        let settings = Settings::resolve(Overrides::default(), no_env).unwrap();
        assert_eq!(
            settings.challenge_retention,
            Some(Duration::from_secs(7 * 24 * 3600))
        );
        let dir = tempfile::tempdir().unwrap();
        for (text, expected) in [
            ("challenge_retention_hours = 0\n", None),
            (
                "challenge_retention_hours = 36\n",
                Some(Duration::from_secs(36 * 3600)),
            ),
        ] {
            let path = dir.path().join("retention.toml");
            std::fs::write(&path, text).unwrap();
            let flags = Overrides {
                config: Some(path),
                ..Overrides::default()
            };
            let settings = Settings::resolve(flags, no_env).unwrap();
            assert_eq!(settings.challenge_retention, expected, "{text:?}");
        }
    }

    #[test]
    fn signing_keys_reach_the_settings_and_are_checked_at_start() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("return.secret");
        std::fs::write(&secret, "r".repeat(32)).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let path = dir.path().join("signing.toml");
        let resolve = |text: &str| {
            std::fs::write(&path, text).unwrap();
            let flags = Overrides {
                config: Some(path.clone()),
                ..Overrides::default()
            };
            Settings::resolve(flags, no_env)
        };
        let off = resolve("").unwrap().signing;
        assert!(off.return_urls.is_empty());
        assert_eq!(off.public_url, "", "serve fills in the bound address");
        let on = resolve(&format!(
            "public_url = \"https://verifier.bank.example/\"\n\
             signing_return_urls = [\"https://bank.example/signed\"]\n\
             signing_return_secret_file = {secret:?}\n"
        ))
        .unwrap()
        .signing;
        assert!(on.allows("https://bank.example/signed"));
        assert_eq!(on.public_url, "https://verifier.bank.example");
        let error = resolve("signing_return_urls = [\"https://bank.example/signed\"]\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("signing_return_secret_file"), "{error}");
        let error = resolve(&format!(
            "signing_return_urls = [\"http://bank.example/signed\"]\n\
             signing_return_secret_file = {secret:?}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(error.contains("loopback"), "{error}");
    }

    #[test]
    fn malformed_environment_address_is_refused() {
        let env = |name: &str| (name == ENV_LISTEN).then(|| "not an address".to_owned());
        let error = Settings::resolve(Overrides::default(), env).unwrap_err();
        assert!(error.to_string().contains(ENV_LISTEN));
    }
}
