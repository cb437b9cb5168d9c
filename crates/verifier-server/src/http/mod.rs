//! The verifier as an HTTP service: JSON REST over the library, for bank
//! backends written in any language.
//!
//! Shape: [`routes`] is the single table of endpoints and who may call them;
//! [`handlers`] translate JSON to library calls; [`auth`] maps bearer tokens to
//! roles; [`error`] is the one error body; [`metrics`] the Prometheus view;
//! [`config`] resolves file, environment and flags. This module wires them
//! into a server with a request deadline and graceful shutdown: on SIGTERM or
//! Ctrl-C the listener closes, in-flight requests (a verification being
//! committed) finish, then the library is dropped and its writer drains.

pub mod auth;
pub mod body;
pub mod config;
pub mod error;
pub mod handlers;
pub mod metrics;
pub mod openapi;
pub mod routes;
pub mod signing;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use self::auth::ApiKeys;
use self::config::{ConfigError, Overrides, Settings};
use self::error::{ApiError, ErrorCode};
use self::state::AppState;
use mobipass_verifier::{Actor, Verifier, VerifierError};

/// `mobipass-verifier serve`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [env: MOBIPASS_VERIFIER_LISTEN] [default: 127.0.0.1:8440].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// TOML configuration file (API keys, limits) [env: MOBIPASS_VERIFIER_CONFIG].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `mobipass-verifier api-key`.
#[derive(Debug, Clone, clap::Args)]
pub struct ApiKeyArgs {
    /// Who gets the key (recorded in the audit log), e.g. `internet-bank`.
    #[arg(long)]
    pub name: String,
    /// What it may do.
    #[arg(long, value_enum)]
    pub role: RoleArg,
}

/// Role as a command-line value.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RoleArg {
    /// Challenges, verifications, status.
    Bank,
    /// Issue, reissue, block, unblock, revoke, audit, status.
    Operator,
}

/// Why the service stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Bad configuration.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The library could not open its store or master key.
    #[error("cannot open the verifier: {0}")]
    Open(#[from] mobipass_verifier::VerifierError),
    /// The address could not be bound or the server failed.
    #[error("cannot serve on {addr}: {source}")]
    Io {
        /// The listen address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// HTTP limits.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Largest request body.
    pub body_limit: usize,
    /// Deadline for a whole request.
    pub request_timeout: Duration,
    /// Requests served at once; the next one gets 503 `busy` at once.
    pub max_in_flight: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            body_limit: config::DEFAULT_BODY_LIMIT,
            request_timeout: config::DEFAULT_REQUEST_TIMEOUT,
            max_in_flight: config::DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// The complete application: routes, auth, limits, deadline.
///
/// Outermost first: count every answer; refuse work beyond
/// `max_in_flight`; then the deadline and the routes (where a body declared
/// too large is refused before auth, see [`routes::router`]).
pub fn app(verifier: Verifier, keys: ApiKeys, limits: HttpLimits) -> Router {
    app_with_metrics(verifier, keys, limits, Arc::new(metrics::Metrics::new()))
}

/// [`app`] reporting into `metrics` (shared with the webhook sender).
pub fn app_with_metrics(
    verifier: Verifier,
    keys: ApiKeys,
    limits: HttpLimits,
    metrics: Arc<metrics::Metrics>,
) -> Router {
    full_app(
        verifier,
        keys,
        limits,
        metrics,
        crate::console::ConsoleSettings::default(),
    )
}

/// [`app`] with the contact-centre console's settings.
pub fn app_with_console(
    verifier: Verifier,
    keys: ApiKeys,
    limits: HttpLimits,
    console: crate::console::ConsoleSettings,
) -> Router {
    full_app(
        verifier,
        keys,
        limits,
        Arc::new(metrics::Metrics::new()),
        console,
    )
}

/// The app with everything chosen. The console's HTML routes are their own
/// router, merged beside the API's (not part of the API's route table or
/// OpenAPI document), under the same limits.
pub fn full_app(
    verifier: Verifier,
    keys: ApiKeys,
    limits: HttpLimits,
    metrics: Arc<metrics::Metrics>,
    console: crate::console::ConsoleSettings,
) -> Router {
    full_app_with_signing(
        verifier,
        keys,
        limits,
        metrics,
        console,
        crate::signing_page::SigningSettings::default(),
    )
}

/// [`app`] with signing sessions and their page (`/sign/...`).
pub fn app_with_signing(
    verifier: Verifier,
    keys: ApiKeys,
    limits: HttpLimits,
    signing: crate::signing_page::SigningSettings,
) -> Router {
    full_app_with_signing(
        verifier,
        keys,
        limits,
        Arc::new(metrics::Metrics::new()),
        crate::console::ConsoleSettings::default(),
        signing,
    )
}

/// [`full_app`] with signing sessions: the payer page's HTML routes are
/// their own router, like the console's.
pub fn full_app_with_signing(
    verifier: Verifier,
    keys: ApiKeys,
    limits: HttpLimits,
    metrics: Arc<metrics::Metrics>,
    console: crate::console::ConsoleSettings,
    signing: crate::signing_page::SigningSettings,
) -> Router {
    let console = crate::console::router(verifier.clone(), console);
    let page = crate::signing_page::router(verifier.clone(), signing.clone(), Arc::clone(&metrics));
    let state =
        AppState::with_metrics(verifier, keys, limits.max_in_flight, metrics).with_signing(signing);
    let timeout = limits.request_timeout;
    let body_limit = limits.body_limit;
    let deadline_state = state.clone();
    let busy_state = state.clone();
    let count_state = state.clone();
    routes::router(state, body_limit)
        .merge(console)
        .merge(page)
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            with_deadline(deadline_state.clone(), timeout, request, next)
        }))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            within_capacity(busy_state.clone(), request, next)
        }))
        .layer(middleware::from_fn(move |request: Request, next: Next| {
            count_answers(count_state.clone(), request, next)
        }))
}

async fn count_answers(state: AppState, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    state.metrics.request(response.status().as_u16());
    response
}

/// Beyond `max_in_flight` requests the service answers 503 `busy` at once
/// rather than queueing without bound.
async fn within_capacity(state: AppState, request: Request, next: Next) -> Response {
    let Ok(_permit) = state.in_flight.clone().try_acquire_owned() else {
        state.metrics.refused("busy");
        return ApiError::busy().into_response();
    };
    next.run(request).await
}

/// A request that outlives its deadline gets a JSON 503. A verification
/// already handed to the store still completes there and its outcome stays
/// committed; the client learns it from `status`.
async fn with_deadline(
    state: AppState,
    timeout: Duration,
    request: Request,
    next: Next,
) -> Response {
    match tokio::time::timeout(timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            state.metrics.refused("timeout");
            tracing::warn!(
                timeout_ms = timeout.as_millis() as u64,
                "a request did not complete within its deadline"
            );
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::Timeout,
                "the request did not complete in time",
            )
            .into_response()
        }
    }
}

/// Longest a client may take to send its request headers (slow-loris guard;
/// the body and the handler are covered by the request deadline).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `shutdown` resolves, then stops
/// accepting, lets every connection finish the request it is serving (idle
/// keep-alive connections close at once) and returns when all are done.
///
/// A hand-rolled accept loop rather than `axum::serve`, for the one thing
/// that lacks: a deadline on reading request headers.
pub async fn run(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with_header_timeout(listener, app, HEADER_READ_TIMEOUT, shutdown).await
}

/// Most connections served at once by [`run`]. Past it the accept loop
/// waits, so further clients queue in the kernel's backlog, never in memory.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// [`run`] with another header deadline (tests use a short one).
pub async fn run_with_header_timeout(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    run_with_limits(
        listener,
        app,
        header_read_timeout,
        DEFAULT_MAX_CONNECTIONS,
        shutdown,
    )
    .await
}

/// [`run`] with a header deadline and a cap on open connections.
pub async fn run_with_limits(
    listener: TcpListener,
    app: Router,
    header_read_timeout: Duration,
    max_connections: usize,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper::server::conn::http1;
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::server::graceful::GracefulShutdown;

    let graceful = GracefulShutdown::new();
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(header_read_timeout)
        .keep_alive(true);
    let connections = Arc::new(tokio::sync::Semaphore::new(max_connections));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    // Out of file descriptors and the like: back off, keep serving.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                // The peer's address, for the console's per-address sign-in
                // throttling (behind a proxy: the proxy's address).
                let app = app.clone();
                let service = hyper::service::service_fn(
                    move |mut request: hyper::Request<hyper::body::Incoming>| {
                        request
                            .extensions_mut()
                            .insert(axum::extract::ConnectInfo(peer));
                        let mut app = app.clone();
                        async move { tower_service::Service::call(&mut app, request).await }
                    },
                );
                let connection = builder.serve_connection(TokioIo::new(stream), service);
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    // A client that goes away mid-request is not our error.
                    let _ = connection.await;
                    drop(permit);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Resolves when the process is asked to stop (SIGTERM or Ctrl-C).
pub async fn shutdown_signal() {
    let interrupt = async {
        // If the handler cannot be installed, only SIGTERM stops the server.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// A new API key and its configuration entry, as `mobipass-verifier api-key`
/// prints them. Only the hash goes into the file; the key is shown once.
pub fn api_key_text(args: &ApiKeyArgs) -> Result<Zeroizing<String>, VerifierError> {
    use std::fmt::Write as _;
    let role = match args.role {
        RoleArg::Bank => auth::Role::Bank,
        RoleArg::Operator => auth::Role::Operator,
    };
    let generated = auth::generate_key();
    let entry = auth::ApiKeyEntry {
        name: args.name.clone(),
        role,
        sha256: generated.sha256.clone(),
    };
    ApiKeys::from_entries(vec![entry])
        .map_err(|error| VerifierError::InvalidInput(error.to_string()))?;
    let mut text = Zeroizing::new(String::with_capacity(512));
    // Writing into a String cannot fail.
    let _ = write!(
        text,
        "# API key for {name} (role {role}); hand it over once, only its hash is kept:\n\
         #   {key}\n\
         # Add to the service's configuration file:\n\
         [[api_keys]]\n\
         name = \"{name}\"\n\
         role = \"{role}\"\n\
         sha256 = \"{sha}\"\n",
        name = args.name,
        key = generated.key.as_str(),
        sha = generated.sha256,
    );
    Ok(text)
}

/// `mobipass-verifier serve`: resolves the settings, opens the library and
/// serves until SIGTERM or Ctrl-C. `db` and `key` are the CLI's global
/// `--db` and master-key flags (they beat the configuration file).
pub async fn serve(
    args: ServeArgs,
    db: Option<String>,
    key: crate::master_key::KeyFlags,
) -> Result<(), VerifierError> {
    match serve_checked(args, db, key).await {
        Ok(()) => Ok(()),
        Err(ServeError::Open(error)) => Err(error),
        Err(ServeError::Config(error)) => Err(VerifierError::InvalidInput(error.to_string())),
        // Not a storage failure, but the same operator reaction: fix the host.
        Err(error @ ServeError::Io { .. }) => Err(VerifierError::Storage(error.to_string())),
    }
}

async fn serve_checked(
    args: ServeArgs,
    db: Option<String>,
    key: crate::master_key::KeyFlags,
) -> Result<(), ServeError> {
    let settings = Settings::resolve(
        Overrides {
            listen: args.listen,
            db,
            config: args.config,
        },
        |name| std::env::var(name).ok(),
    )?;
    let db = match &settings.db {
        Some(url) => url.clone(),
        None => mobipass_verifier::paths::default_db_url()?,
    };
    let master = crate::master_key::resolve_key(
        &key,
        &crate::master_key::KeyConfig {
            file: settings.master_key_file.clone(),
            uri: settings.master_key_uri.clone(),
            pkcs11_module: settings.pkcs11_module.clone(),
            pkcs11_pin_file: settings.pkcs11_pin_file.clone(),
        },
        settings.db.is_some(),
        hsm_sessions(&db, &settings.verifier),
    )?;
    tracing::info!(
        kind = master.kind(),
        fingerprint = master.fingerprint(),
        "master key loaded"
    );
    let verifier = Verifier::open(&db, master, settings.verifier.clone()).await?;
    serve_with(verifier, settings).await
}

/// HSM sessions for a store: one for the SQLite writer (its only user of
/// the key), one per pooled connection for PostgreSQL.
pub(crate) fn hsm_sessions(db: &str, config: &mobipass_verifier::Config) -> usize {
    if db.starts_with("postgres://") || db.starts_with("postgresql://") {
        config.pg_pool_size.max(1)
    } else {
        1
    }
}

/// At start and then every hour: warns if this node's clock has drifted from
/// the database's, and deletes the challenges that expired more than
/// `retention` ago (if set), so the table holds days of challenges rather
/// than every one ever made. Several nodes may purge one PostgreSQL database
/// at once: their chunks skip each other's rows.
async fn housekeeping_hourly(verifier: Verifier, retention: Option<Duration>) {
    let actor = Actor::service();
    let mut hourly = tokio::time::interval(Duration::from_secs(3600));
    hourly.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        hourly.tick().await;
        // Neither a clock error nor a purge error carries a secret.
        if let Err(error) = verifier.check_clock().await {
            // A clock this far off would purge by the wrong time: skip it.
            tracing::warn!(%error, "clock check failed; no purge this hour");
            continue;
        }
        let Some(retention) = retention else {
            continue;
        };
        match verifier.purge_challenges(retention, &actor).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "purged expired challenges"),
            Err(error) => {
                tracing::error!(%error, "purging expired challenges failed; retrying in an hour");
            }
        }
    }
}

/// Binds, announces the address on stdout (`listening on http://ADDR`) and
/// serves `verifier` until SIGTERM or Ctrl-C.
pub async fn serve_with(verifier: Verifier, mut settings: Settings) -> Result<(), ServeError> {
    let addr = settings.listen;
    let io = |source| ServeError::Io { addr, source };
    let listener = TcpListener::bind(addr).await.map_err(io)?;
    let bound = listener.local_addr().map_err(io)?;
    if settings.signing.public_url.is_empty() {
        // Signing pages' URLs: this address, as a browser on this machine
        // reaches it (set `public_url` behind a proxy).
        settings.signing.public_url = format!("http://{bound}");
    }
    if !bound.ip().is_loopback() {
        tracing::warn!(
            %bound,
            "listening on a non-loopback address: put a TLS-terminating proxy in front \
             and restrict who can reach it"
        );
    }
    if settings.api_keys.is_empty() {
        tracing::warn!(
            "no API keys configured: every API call will be refused \
             (create one with `mobipass-verifier api-key`)"
        );
    }
    let limits = HttpLimits {
        body_limit: settings.body_limit,
        request_timeout: settings.request_timeout,
        max_in_flight: settings.max_in_flight,
    };
    let metrics = Arc::new(metrics::Metrics::new());
    // Registered before the first request is served, so every event of
    // this process reaches every endpoint.
    let senders = crate::webhooks::start(&verifier, settings.webhooks, Arc::clone(&metrics))
        .await
        .map_err(ServeError::Open)?;
    let housekeeping = tokio::spawn(housekeeping_hourly(
        verifier.clone(),
        settings.challenge_retention,
    ));
    tracing::info!(%bound, "listening");
    // Scripts and the tests wait for this line on stdout.
    println!("listening on http://{bound}");
    let app = full_app_with_signing(
        verifier,
        settings.api_keys,
        limits,
        metrics,
        settings.console,
        settings.signing,
    );
    let served = run_with_limits(
        listener,
        app,
        HEADER_READ_TIMEOUT,
        settings.max_connections,
        shutdown_signal(),
    )
    .await;
    // A purge cut short loses nothing: each chunk is its own transaction.
    housekeeping.abort();
    // A delivery cut short is sent again after its lease (at-least-once).
    senders.iter().for_each(tokio::task::JoinHandle::abort);
    served.map_err(io)?;
    tracing::info!("stopped after finishing requests in flight");
    Ok(())
}
