//! `mobipass-demo-bank`: the demo internet bank on http://127.0.0.1:8441,
//! with a verifier of its own unless `--verifier-url` names one.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use zeroize::Zeroizing;

use mobipass_demo_bank::{AppState, Setup, embedded, router, verifier_api::VerifierApi};

/// A demo internet bank that issues MobiPass envelopes, sends activation
/// codes and has payments signed on the verifier's hosted page, talking to
/// the verifier only through its HTTP API.
#[derive(Debug, Parser)]
#[command(name = "mobipass-demo-bank", version)]
struct Args {
    /// Address the bank listens on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8441")]
    listen: SocketAddr,
    /// Use this verifier (http://HOST:PORT) instead of starting one; needs
    /// the bank and operator API keys and the signing return secret.
    #[arg(long, value_name = "URL", env = "MOBIPASS_DEMO_VERIFIER_URL")]
    verifier_url: Option<String>,
    /// File with the bank role's API key (with --verifier-url).
    #[arg(long, value_name = "FILE", env = "MOBIPASS_DEMO_BANK_KEY_FILE")]
    bank_key_file: Option<PathBuf>,
    /// File with the operator role's API key (with --verifier-url).
    #[arg(long, value_name = "FILE", env = "MOBIPASS_DEMO_OPERATOR_KEY_FILE")]
    operator_key_file: Option<PathBuf>,
    /// The verifier's `signing_return_secret_file` (with --verifier-url).
    #[arg(long, value_name = "FILE", env = "MOBIPASS_DEMO_RETURN_SECRET_FILE")]
    return_secret_file: Option<PathBuf>,
    /// The console operator to name on the help card (with --verifier-url).
    #[arg(long, value_name = "NAME")]
    console_operator: Option<String>,
    /// Keep the embedded verifier's data and the bank's books here
    /// (default: a temporary directory removed at exit, books in memory).
    #[arg(long, value_name = "DIR", conflicts_with = "verifier_url")]
    data_dir: Option<PathBuf>,
    /// Address of the embedded verifier [default: 127.0.0.1:8440, or a free port].
    #[arg(long, value_name = "ADDR", conflicts_with = "verifier_url")]
    verifier_listen: Option<SocketAddr>,
    /// Seconds a signing session stays valid in the embedded verifier (30 to 3600).
    #[arg(long, value_name = "SECS", conflicts_with = "verifier_url")]
    challenge_ttl_secs: Option<u64>,
    /// The bank's name on pages, envelopes and the signing page.
    #[arg(long, default_value = "Demo Bank")]
    bank_name: String,
}

fn read_secret(path: &Option<PathBuf>, what: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let path = path
        .as_ref()
        .ok_or_else(|| format!("--verifier-url needs --{what}"))?;
    let mut bytes = Zeroizing::new(
        std::fs::read(path).map_err(|e| format!("cannot read {}: {}", path.display(), e.kind()))?,
    );
    while bytes.last().is_some_and(u8::is_ascii_whitespace) {
        bytes.pop();
    }
    if bytes.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(bytes)
}

fn read_key(path: &Option<PathBuf>, what: &str) -> Result<Zeroizing<String>, String> {
    let bytes = read_secret(path, what)?;
    String::from_utf8(bytes.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| format!("--{what} does not hold a text key"))
}

async fn run(args: Args) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {}", args.listen, e.kind()))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let public_url = format!("http://{bound}");
    let mut embedded = None;
    let (api, secret, operator) = match &args.verifier_url {
        Some(url) => {
            let api = VerifierApi::new(
                url,
                read_key(&args.bank_key_file, "bank-key-file")?,
                read_key(&args.operator_key_file, "operator-key-file")?,
            );
            let secret = read_secret(&args.return_secret_file, "return-secret-file")?;
            (api, secret, args.console_operator.clone())
        }
        None => {
            let started = embedded::start(embedded::Options {
                data_dir: args.data_dir.clone(),
                listen: args.verifier_listen,
                return_url: format!("{public_url}/signed"),
                challenge_ttl_secs: args.challenge_ttl_secs,
                bank_name: args.bank_name.clone(),
            })
            .await
            .map_err(|e| e.to_string())?;
            let api = VerifierApi::new(
                &started.url,
                started.bank_key.clone(),
                started.operator_key.clone(),
            );
            let secret = started.return_secret.clone();
            embedded = Some(started);
            (api, secret, Some(embedded::OPERATOR.to_owned()))
        }
    };
    if !api.ready().await {
        return Err(format!("the verifier at {} is not ready", api.base()));
    }
    let verifier_url = api.base().to_owned();
    let books = match &args.data_dir {
        Some(dir) => {
            let file = dir.join("bank.json");
            mobipass_demo_bank::state::Bank::open(&file)
                .map_err(|e| format!("cannot read the bank's books {}: {e}", file.display()))?
        }
        None => mobipass_demo_bank::state::Bank::default(),
    };
    let state = AppState::new(Setup {
        books,
        api,
        return_secret: secret,
        public_url: public_url.clone(),
        bank_name: args.bank_name.clone(),
        operator_name: operator.clone(),
    });
    println!("demo bank listening on {public_url}");
    print_first_steps(
        &public_url,
        &verifier_url,
        operator.as_deref(),
        embedded.as_ref(),
    );
    let served = mobipass_verifier_server::http::run(
        listener,
        router(state),
        mobipass_verifier_server::http::shutdown_signal(),
    )
    .await;
    if let Some(embedded) = embedded {
        // serve_with stops on the same signal; give it its moment to drain.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), embedded.task).await;
    }
    served.map_err(|e| e.to_string())
}

fn print_first_steps(
    bank: &str,
    verifier: &str,
    operator: Option<&str>,
    embedded: Option<&embedded::Embedded>,
) {
    println!();
    println!("  The bank:      {bank}/");
    match embedded {
        Some(e) => println!(
            "  The verifier:  {verifier}/ (started here; data in {})",
            e.data_dir.display()
        ),
        None => println!("  The verifier:  {verifier}/"),
    }
    match (
        operator,
        embedded.and_then(|e| e.operator_password.as_ref()),
    ) {
        (Some(name), Some(password)) => println!(
            "  Contact centre (unblocking): {verifier}/console/  operator {name}, password {} (shown once)",
            password.as_str()
        ),
        (Some(name), None) => {
            println!("  Contact centre (unblocking): {verifier}/console/  operator {name}")
        }
        (None, _) => println!("  Contact centre (unblocking): {verifier}/console/"),
    }
    println!();
    println!("  What to do first:");
    println!(
        "   1. Open {bank}/ and sign up: the bank shows your envelope (the activation key) once."
    );
    println!("   2. On the bank's Phone (SMS) page, get the activation code.");
    println!("   3. Activate the desktop app with both and choose a PIN:");
    println!("        cargo run --release            (the window; or an installed `mobipass`)");
    println!("        cargo run --release -- activate (in the terminal)");
    println!(
        "   4. Make a transfer, type the document code into MobiPass, and the signature value back."
    );
    println!();
    println!("  Ctrl-C stops the bank and its verifier.");
}

fn main() -> ExitCode {
    let args = Args::parse();
    mobipass_verifier_server::logging::init(
        mobipass_verifier_server::logging::LogFormat::Text,
        "warn",
    );
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("mobipass-demo-bank: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mobipass-demo-bank: {error}");
            ExitCode::FAILURE
        }
    }
}
