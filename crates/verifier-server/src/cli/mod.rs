//! The operator command line: every life-cycle action on one credential, over
//! the same library a bank backend embeds, with `--json` for scripts.
//!
//! Exit codes (stable, documented in the README):
//! - 0: done; for `verify`, the response was accepted
//! - 1: `verify` only: the response was not accepted (rejected, blocked,
//!   expired, already used, unknown challenge, revoked, activation expired)
//! - 2: bad usage or invalid input
//! - 3: no such credential
//! - 4: the credential's state forbids it (exists already, blocked, revoked,
//!   needs an activation code, activation expired, envelope-only)
//! - 5: storage or master-key failure
//! - 6: done, but the result could not be written to stdout (closed pipe,
//!   full disk); after `issue`/`reissue` nobody has seen the key: run
//!   `reissue ID` (after `activation-code`: run it again)
//! - 10 to 13: the HSM holding the master key: 10 its PKCS#11 module cannot
//!   be loaded, 11 no such token, 12 the token refused the PIN, 13 the key
//!   object is missing or unfit (or, for `master-key new`, exists)

mod exit;
mod operator;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use exit::Failure;
use mobipass_verifier::pkcs11::HsmKey;
use mobipass_verifier::{
    Actor, Amount, ChallengeId, Config, CredentialId, EnvelopeKind, MasterKey, Payee, SealingKey,
    Verifier, VerifierError,
};

/// MobiPass verifier: operator commands (and the HTTP service).
#[derive(Debug, Parser)]
#[command(name = "mobipass-verifier", version, about)]
pub struct Cli {
    /// Database: sqlite:///path/file.sqlite3 or postgres://user:pass@host/db.
    /// Default: the embedded SQLite file in the platform data directory.
    #[arg(long, global = true, env = "MOBIPASS_VERIFIER_DB")]
    db: Option<String>,
    /// File holding the master key (64 hex digits). Else MOBIPASS_MASTER_KEY
    /// (hex), else the default key file next to the default database.
    #[arg(long, global = true, env = "MOBIPASS_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// The master key in a PKCS#11 token (HSM) instead of a file:
    /// pkcs11:token=LABEL;object=LABEL. Needs --pkcs11-module and a PIN.
    #[arg(long, global = true, env = "MOBIPASS_MASTER_KEY_URI")]
    master_key_uri: Option<String>,
    /// The PKCS#11 module (shared library) of the token, e.g.
    /// /usr/lib/softhsm/libsofthsm2.so.
    #[arg(long, global = true, env = "MOBIPASS_PKCS11_MODULE")]
    pkcs11_module: Option<PathBuf>,
    /// File holding the token's user PIN (mode 0600). Else MOBIPASS_PKCS11_PIN.
    /// The PIN itself is never a flag.
    #[arg(long, global = true, env = "MOBIPASS_PKCS11_PIN_FILE")]
    pkcs11_pin_file: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Who is acting, for the audit log. Default: $USER, else "operator".
    #[arg(long, global = true)]
    actor: Option<String>,
    /// Log lines on stderr as text or JSON lines (filter with RUST_LOG).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        env = "MOBIPASS_LOG_FORMAT"
    )]
    log_format: crate::logging::LogFormat,
    /// Wrong responses that lock or block a newly issued credential (1 to 5).
    #[arg(long, global = true, default_value_t = 3)]
    failure_limit: u8,
    /// Minutes of each temporary lock a newly issued credential gets before
    /// the permanent block, comma-separated (e.g. 15,60). Default: none, the
    /// limit blocks at once.
    #[arg(long, global = true, value_delimiter = ',')]
    temporary_lock_minutes: Vec<u32>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a credential and print its activation key for the envelope
    /// (shown once). Two-channel by default: the customer needs an
    /// activation code (`activation-code ID`) as well.
    Issue {
        /// The bank's credential id (1-64 of A-Z a-z 0-9 . _ : -).
        id: String,
        /// The envelope alone activates (hand it over only after an ID check).
        #[arg(long)]
        envelope_only: bool,
    },
    /// Issue an activation code for a two-channel credential and print it
    /// with its expiry (shown once). A new code replaces the previous one;
    /// for an active credential it starts a re-activation (the old key stops).
    ActivationCode {
        /// The credential id.
        id: String,
        /// How long the code can be confirmed: 1m to 1h.
        #[arg(long, default_value = "15m", value_parser = humantime::parse_duration)]
        ttl: std::time::Duration,
    },
    /// Replace a credential's key (the old envelope stops working) and print
    /// the new one; the credential keeps its kind.
    Reissue {
        /// The credential id.
        id: String,
    },
    /// Create a challenge: a 6-digit document code for the customer to sign.
    Challenge {
        /// The credential id.
        id: String,
        /// Amount in minor units (cents) for a linked signature; needs --payee.
        #[arg(long, requires = "payee")]
        amount: Option<u64>,
        /// Payee account for a linked signature; needs --amount.
        #[arg(long, requires = "amount")]
        payee: Option<String>,
    },
    /// Check the customer's 8-digit response to a challenge.
    Verify {
        /// The credential id.
        id: String,
        /// The challenge id printed by `challenge`.
        challenge_id: String,
        /// The 8-digit response (spaces allowed), or `-` to read it from
        /// stdin (keeps it out of `ps` and shell history).
        response: String,
    },
    /// Block a credential at once (e.g. a customer reports a lost device).
    Block {
        /// The credential id.
        id: String,
        /// Why, for the audit log.
        #[arg(long)]
        reason: String,
    },
    /// Unblock a credential and reset its failure count.
    Unblock {
        /// The credential id.
        id: String,
    },
    /// Revoke a credential for good.
    Revoke {
        /// The credential id.
        id: String,
    },
    /// Show a credential's state and failure count.
    Status {
        /// The credential id.
        id: String,
    },
    /// Show the audit log, newest first.
    Audit {
        /// Only this credential's events.
        id: Option<String>,
        /// How many events.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Delete challenges that expired long ago (the audit log keeps every
    /// outcome). `serve` does this hourly on its own.
    PurgeChallenges {
        /// Keep challenges that expired less than this long ago ("7d", "12h").
        #[arg(long, default_value = "7d", value_parser = humantime::parse_duration)]
        older_than: std::time::Duration,
    },
    /// Re-wrap every stored seed under a new master key, in one transaction.
    RotateMasterKey {
        /// Where the new key is (created with a fresh key if missing). Default:
        /// replace the default key file (the old one is kept nowhere).
        #[arg(long, conflicts_with = "new_key_uri")]
        new_key_file: Option<PathBuf>,
        /// The new key in a PKCS#11 token (made first with `master-key new
        /// --uri`), through the same module and PIN as the current one.
        #[arg(long)]
        new_key_uri: Option<String>,
    },
    /// Webhook deliveries: list the failed ones, send them again.
    Webhooks {
        #[command(subcommand)]
        action: WebhooksAction,
    },
    /// Make master keys.
    MasterKey {
        #[command(subcommand)]
        action: MasterKeyAction,
    },
    /// Contact-centre console operators (sign-in accounts for /console/).
    Operator {
        #[command(subcommand)]
        action: operator::OperatorAction,
    },
    /// Run the HTTP service.
    Serve(crate::http::ServeArgs),
    /// Generate an API key for the HTTP service and print its config entry.
    ApiKey(crate::http::ApiKeyArgs),
}

#[derive(Debug, Subcommand)]
enum WebhooksAction {
    /// List deliveries given up on (after a day of retries), oldest first.
    Failed {
        /// Most deliveries listed.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Put failed deliveries back in line: one by its number, or --all.
    Redeliver {
        /// The delivery number from `webhooks failed`.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        seq: Option<i64>,
        /// Every failed delivery.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Debug, Subcommand)]
enum MasterKeyAction {
    /// Write a fresh random master key to a new file (mode 0600, synced).
    /// An existing file is never overwritten. Give the same file to every
    /// node with --master-key-file or MOBIPASS_MASTER_KEY_FILE.
    ///
    /// With --uri, generates the key inside the PKCS#11 token instead
    /// (AES-256, sensitive, never extractable); an existing object with
    /// that label is never replaced.
    New {
        /// Where the key goes; its directory must exist.
        #[arg(
            long,
            value_name = "PATH",
            required_unless_present = "uri",
            conflicts_with = "uri"
        )]
        file: Option<PathBuf>,
        /// pkcs11:token=LABEL;object=LABEL: the token and the new key's label
        /// (module and PIN as for --master-key-uri).
        #[arg(long, value_name = "URI")]
        uri: Option<String>,
    },
}

/// Parses the command line, runs it, and maps the result to an exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let default_level = if matches!(cli.command, Command::Serve(_)) {
        "info"
    } else {
        "warn"
    };
    crate::logging::init(cli.log_format, default_level);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return Failure::Verifier(VerifierError::Storage(format!(
                "cannot start the async runtime: {error}"
            )))
            .report(cli.json);
        }
    };
    let json = cli.json;
    let result = runtime.block_on(execute(cli));
    drop(runtime);
    // After the store's threads let go of an HSM key: some PKCS#11 modules
    // crash at exit unless finalized (SoftHSM2 with OpenSSL 3).
    mobipass_verifier::pkcs11::finalize(std::time::Duration::from_secs(2));
    match result {
        Ok(code) => code,
        Err(failure) => failure.report(json),
    }
}

fn actor(cli: &Cli) -> Result<Actor, Failure> {
    let name = cli
        .actor
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "operator".into());
    Ok(Actor::new(name)?)
}

fn credential(text: &str) -> Result<CredentialId, Failure> {
    Ok(CredentialId::new(text)?)
}

/// The master-key flags, for [`crate::master_key`].
fn key_flags(cli: &Cli) -> crate::master_key::KeyFlags {
    crate::master_key::KeyFlags {
        file: cli.master_key_file.clone(),
        uri: cli.master_key_uri.clone(),
        pkcs11_module: cli.pkcs11_module.clone(),
        pkcs11_pin_file: cli.pkcs11_pin_file.clone(),
    }
}

/// HSM sessions a command needs: it does one thing at a time.
const CLI_HSM_SESSIONS: usize = 1;

/// The master key, by the one precedence of [`crate::master_key::resolve_key`].
fn master_key(cli: &Cli) -> Result<SealingKey, Failure> {
    Ok(crate::master_key::resolve_key(
        &key_flags(cli),
        &crate::master_key::KeyConfig::default(),
        cli.db.is_some(),
        CLI_HSM_SESSIONS,
    )?)
}

/// The HSM key `uri` names, through the module and PIN of the flags.
fn hsm_key(cli: &Cli, uri: &str, create: bool) -> Result<SealingKey, Failure> {
    let config = crate::master_key::hsm_config(
        uri,
        &key_flags(cli),
        &crate::master_key::KeyConfig::default(),
        CLI_HSM_SESSIONS,
    )?;
    let key = if create {
        HsmKey::create(&config)?
    } else {
        HsmKey::open(&config)?
    };
    Ok(key.into())
}

async fn open(cli: &Cli) -> Result<Verifier, Failure> {
    let url = match &cli.db {
        Some(url) => url.clone(),
        None => mobipass_verifier::paths::default_db_url()?,
    };
    let config = Config {
        failure_limit: cli.failure_limit,
        temporary_lock_minutes: cli.temporary_lock_minutes.clone(),
        // Only challenges' expiry (and so their purge) depends on this
        // machine's clock; an operator blocking a lost device must not be
        // stopped by one.
        check_clock_at_open: matches!(
            cli.command,
            Command::Challenge { .. }
                | Command::Verify { .. }
                | Command::PurgeChallenges { .. }
                | Command::ActivationCode { .. }
        ),
        activation_code_ttl: match &cli.command {
            Command::ActivationCode { ttl, .. } => *ttl,
            _ => Config::default().activation_code_ttl,
        },
        ..Config::default()
    };
    Ok(Verifier::open(&url, master_key(cli)?, config).await?)
}

async fn execute(cli: Cli) -> Result<ExitCode, Failure> {
    let json = cli.json;
    match &cli.command {
        Command::Serve(args) => {
            crate::http::serve(args.clone(), cli.db.clone(), key_flags(&cli)).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::ApiKey(args) => {
            output::secret_text(&crate::http::api_key_text(args)?)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::MasterKey {
            action: MasterKeyAction::New { file, uri },
        } => {
            if let Some(uri) = uri {
                let key = hsm_key(&cli, uri, true)?;
                output::hsm_key_created(json, uri, key.fingerprint())?;
                return Ok(ExitCode::SUCCESS);
            }
            let file = file.as_deref().expect("clap requires --file or --uri");
            let key = MasterKey::create_new(file)?;
            output::master_key_created(json, file, &key.fingerprint())?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::RotateMasterKey {
            new_key_file,
            new_key_uri,
        } => {
            return rotate(&cli, new_key_file.as_deref(), new_key_uri.as_deref()).await;
        }
        _ => {}
    }
    let verifier = open(&cli).await?;
    match &cli.command {
        Command::Issue { id, envelope_only } => {
            let id = credential(id)?;
            let kind = if *envelope_only {
                EnvelopeKind::EnvelopeOnly
            } else {
                EnvelopeKind::TwoChannel
            };
            let key = verifier.issue_kind(&id, kind, &actor(&cli)?).await?;
            output::activation_key(json, &id, &key, "issued")
                .map_err(|e| Failure::key_not_printed(&id, "issued", &e))?;
        }
        Command::ActivationCode { id, .. } => {
            let id = credential(id)?;
            let issued = verifier.activation_code(&id, &actor(&cli)?).await?;
            output::activation_code(json, &id, &issued)
                .map_err(|e| Failure::code_not_printed(&id, &e))?;
        }
        Command::Reissue { id } => {
            let id = credential(id)?;
            let key = verifier.reissue(&id, &actor(&cli)?).await?;
            output::activation_key(json, &id, &key, "reissued")
                .map_err(|e| Failure::key_not_printed(&id, "reissued", &e))?;
        }
        Command::Challenge { id, amount, payee } => {
            let id = credential(id)?;
            let linked = match (amount, payee) {
                (Some(amount), Some(payee)) => Some((
                    Amount::from_minor(*amount)
                        .map_err(|e| VerifierError::InvalidInput(e.to_string()))?,
                    Payee::parse(payee).map_err(|e| VerifierError::InvalidInput(e.to_string()))?,
                )),
                _ => None,
            };
            let challenge = verifier.challenge_as(&id, linked, &actor(&cli)?).await?;
            output::challenge(json, &challenge)?;
        }
        Command::Verify {
            id,
            challenge_id,
            response,
        } => {
            let id = credential(id)?;
            let challenge_id: ChallengeId = challenge_id.parse()?;
            let response = response_argument(response)?;
            let outcome = verifier
                .verify(&id, &challenge_id, &response, &actor(&cli)?)
                .await?
                .outcome;
            output::outcome(json, &outcome)?;
            if outcome != mobipass_verifier::Outcome::Accepted {
                return Ok(ExitCode::from(exit::NOT_ACCEPTED));
            }
        }
        Command::Block { id, reason } => {
            let id = credential(id)?;
            verifier.block(&id, reason, &actor(&cli)?).await?;
            output::done(json, &id, "blocked")?;
        }
        Command::Unblock { id } => {
            let id = credential(id)?;
            verifier.unblock(&id, &actor(&cli)?).await?;
            output::done(json, &id, "unblocked")?;
        }
        Command::Revoke { id } => {
            let id = credential(id)?;
            verifier.revoke(&id, &actor(&cli)?).await?;
            output::done(json, &id, "revoked")?;
        }
        Command::Status { id } => {
            let status = verifier.status(&credential(id)?).await?;
            output::status(json, &status)?;
        }
        Command::Webhooks {
            action: WebhooksAction::Failed { limit },
        } => {
            output::failed_deliveries(json, &verifier.failed_deliveries(*limit).await?)?;
        }
        Command::Webhooks {
            action: WebhooksAction::Redeliver { seq, all: _ },
        } => {
            let count = verifier.redeliver(*seq).await?;
            output::redelivered(json, count)?;
        }
        Command::Audit { id, limit } => {
            let id = id.as_deref().map(credential).transpose()?;
            let events = verifier.audit(id.as_ref(), *limit).await?;
            output::audit(json, &events)?;
        }
        Command::Operator { action } => {
            operator::run(&verifier, action, &actor(&cli)?, json).await?;
        }
        Command::PurgeChallenges { older_than } => {
            let count = verifier
                .purge_challenges(*older_than, &actor(&cli)?)
                .await?;
            output::purged(json, count)?;
        }
        Command::RotateMasterKey { .. }
        | Command::MasterKey { .. }
        | Command::Serve(_)
        | Command::ApiKey(_) => {
            unreachable!("handled above")
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The response as given, or (for `-`) the first line of stdin.
fn response_argument(given: &str) -> Result<zeroize::Zeroizing<String>, Failure> {
    if given != "-" {
        return Ok(zeroize::Zeroizing::new(given.to_owned()));
    }
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().read_line(&mut line).map_err(|e| {
        VerifierError::InvalidInput(format!("cannot read the response from stdin: {}", e.kind()))
    })?;
    Ok(zeroize::Zeroizing::new(line.trim().to_owned()))
}

/// Rotation writes the new key durably BEFORE re-wrapping, so a crash in
/// between leaves the new key on disk rather than seeds nobody can open.
/// A new HSM key must exist already (`master-key new --uri`): keys in an
/// HSM are made on purpose, not as a side effect.
async fn rotate(
    cli: &Cli,
    new_key_file: Option<&std::path::Path>,
    new_key_uri: Option<&str>,
) -> Result<ExitCode, Failure> {
    let verifier = open(cli).await?;
    let actor = actor(cli)?;
    let (new_key, replace_default) = match (new_key_file, new_key_uri) {
        (_, Some(uri)) => (hsm_key(cli, uri, false)?, None),
        (Some(path), None) => (SealingKey::from(MasterKey::load_or_create(path)?), None),
        (None, None) => {
            if cli.db.is_some()
                || cli.master_key_file.is_some()
                || cli.master_key_uri.is_some()
                || MasterKey::from_env()?.is_some()
            {
                return Err(VerifierError::InvalidInput(
                    "give --new-key-file: only the default key file is replaced in place".into(),
                )
                .into());
            }
            let current = mobipass_verifier::paths::default_master_key_path()?;
            let staged = current.with_extension("key.new");
            let _ = std::fs::remove_file(&staged);
            (
                SealingKey::from(MasterKey::load_or_create(&staged)?),
                Some((staged, current)),
            )
        }
    };
    let count = verifier.rotate_master_key_as(new_key, &actor).await?;
    if let Some((staged, current)) = replace_default {
        std::fs::rename(&staged, &current)
            .and_then(|()| mobipass_verifier::paths::sync_dir(current.parent().unwrap_or(&current)))
            .map_err(|e| {
                VerifierError::MasterKey(format!(
                    "seeds re-wrapped, but moving {} to {} failed ({}): move it by hand",
                    staged.display(),
                    current.display(),
                    e.kind()
                ))
            })?;
    }
    output::rotated(cli.json, count)?;
    Ok(ExitCode::SUCCESS)
}
