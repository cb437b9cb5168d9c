//! Load generator for the HTTP service: durable verifications per second over
//! loopback, with group commit against its one-fsync-per-operation baseline,
//! measured in the same run together with the disk's own fsync rate.
//!
//! It starts the real `mobipass-verifier serve` (release build) on
//! 127.0.0.1 for each scenario, issues many credentials through the operator
//! API, then drives keep-alive connections that each play a stream of
//! customers: create a challenge, compute the response exactly as the app
//! does, verify it. One response in ten is wrong (never the third in a row,
//! so credentials stay usable, as with real customers who retype). Every
//! verification has its own challenge. The only target is 127.0.0.1.
//!
//! Run: `cargo bench -p mobipass-verifier-server --bench http_load`
//! Knobs (environment): MOBIPASS_LOAD_SECS (default 10), MOBIPASS_LOAD_CONNECTIONS
//! (comma list, default "64"), MOBIPASS_LOAD_CREDENTIALS (default 2000),
//! MOBIPASS_LOAD_CLIENT_THREADS (default 1), MOBIPASS_TEST_PG_URL (adds the
//! PostgreSQL scenario), MOBIPASS_LOAD_WEBHOOK_ONLY=1 (only the two
//! scenarios of the webhook comparison: group commit with no webhook, and
//! with one endpoint subscribed to `verification.rejected`, served by a
//! receiver inside this process on 127.0.0.1 that answers 204),
//! MOBIPASS_LOAD_HSM_ONLY=1 (only the master-key comparison: the file key
//! against a key in a PKCS#11 token, SoftHSM2 as `.ci/setup.d/40-softhsm.sh`
//! sets it up, on SQLite group commit and, with MOBIPASS_TEST_PG_URL, on
//! PostgreSQL).

use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use mobipass_scheme::{ActivationKey, Challenge, DocumentCode, OcraKey};
use serde_json::Value;
use sha2::{Digest, Sha256};

const BANK_KEY: &str = "mpv_load_bank_0123456789abcdef0123456789abcdef";
const OPERATOR_KEY: &str = "mpv_load_operator_0123456789abcdef0123456789ab";
const MASTER_HEX: &str = "4c4f41444c4f41444c4f41444c4f41444c4f41444c4f41444c4f41444c4f4144";
const WARMUP: Duration = Duration::from_secs(1);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let seconds: u64 = env_or("MOBIPASS_LOAD_SECS", 10);
    let credentials: usize = env_or("MOBIPASS_LOAD_CREDENTIALS", 2000);
    let client_threads: usize = env_or("MOBIPASS_LOAD_CLIENT_THREADS", 1);
    let connections: Vec<usize> = std::env::var("MOBIPASS_LOAD_CONNECTIONS")
        .unwrap_or_else(|_| "64".into())
        .split(',')
        .map(|n| {
            n.trim()
                .parse()
                .expect("MOBIPASS_LOAD_CONNECTIONS: numbers")
        })
        .collect();
    let duration = Duration::from_secs(seconds);

    let work = tempfile::tempdir().expect("temp dir");
    // Cargo may rebuild the shared target dir while this runs: use a copy.
    let binary = work.path().join("mobipass-verifier");
    std::fs::copy(env!("CARGO_BIN_EXE_mobipass-verifier"), &binary).expect("copy the server");

    println!("# MobiPass verifier HTTP load, {seconds} s per scenario after {WARMUP:?} warm-up");
    println!("machine: {} cores, {}", cores(), cpu_model());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "load average before the run (other work on the machine): {}",
        load.trim()
    );
    let overwrite = fsync_rate(work.path(), Duration::from_secs(3), false);
    let append = fsync_rate(work.path(), Duration::from_secs(3), true);
    println!(
        "disk ({}): {overwrite:.0} write+fdatasync per second overwriting 4 KiB blocks \
         (a WAL at working size), {append:.0} per second appending 4 KiB (the file grows)",
        work.path().display()
    );
    println!();
    println!(
        "| scenario | connections | verifications/s | HTTP req/s | verify p50 | p90 | p99 | max | challenge+verify p99 | server CPU (writer thread) | server CPU per verification | client CPU | disk writes per verification | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(client_threads)
        .enable_all()
        .build()
        .expect("runtime");

    // (name, store, config lines); each run gets a fresh database.
    let pg_base = std::env::var("MOBIPASS_TEST_PG_URL").ok();
    let mut scenarios: Vec<(&str, Option<&str>, String)> = vec![
        (
            "SQLite, group commit (max_batch 256)",
            None,
            "max_batch = 256\n".into(),
        ),
        (
            "SQLite, one fsync per operation (max_batch 1)",
            None,
            "max_batch = 1\n".into(),
        ),
    ];
    let receiver = runtime.block_on(webhook_receiver());
    let secret = work.path().join("webhook.secret");
    std::fs::write(&secret, "load-webhook-secret-0123456789abcdef0123").expect("secret");
    scenarios.push((
        "SQLite, group commit, 1 webhook (verification.rejected)",
        None,
        format!(
            "max_batch = 256\n[[webhooks]]\nurl = \"http://{}/hook\"\nsecret_file = \"{}\"\nevents = [\"verification.rejected\"]\n",
            receiver.0,
            secret.display()
        ),
    ));
    if std::env::var("MOBIPASS_LOAD_WEBHOOK_ONLY").is_ok_and(|v| v == "1") {
        scenarios.remove(1);
    }
    let hsm_only = std::env::var("MOBIPASS_LOAD_HSM_ONLY").is_ok_and(|v| v == "1");
    if hsm_only {
        let hsm = hsm_config_lines(&binary, work.path());
        scenarios = vec![
            (
                "SQLite, group commit, file key",
                None,
                "max_batch = 256\n".into(),
            ),
            (
                "SQLite, group commit, HSM key (SoftHSM2)",
                None,
                format!("max_batch = 256\n{hsm}"),
            ),
        ];
        if let Some(base) = &pg_base {
            scenarios.push((
                "PostgreSQL (pool 32), file key",
                Some(base),
                "pg_pool_size = 32\n".into(),
            ));
            scenarios.push((
                "PostgreSQL (pool 32), HSM key (SoftHSM2)",
                Some(base),
                format!("pg_pool_size = 32\n{hsm}"),
            ));
        }
    }
    match &pg_base {
        _ if hsm_only => {}
        Some(_) if std::env::var("MOBIPASS_LOAD_WEBHOOK_ONLY").is_ok_and(|v| v == "1") => {}
        Some(base) => scenarios.push((
            "PostgreSQL (pool 32)",
            Some(base),
            "pg_pool_size = 32\n".into(),
        )),
        None => eprintln!("MOBIPASS_TEST_PG_URL unset: PostgreSQL scenario skipped"),
    }

    for (run, (name, pg, extra)) in scenarios.iter().enumerate() {
        for &conns in &connections {
            let url = match pg {
                Some(base) => runtime.block_on(fresh_pg_schema(base)),
                None => format!(
                    "sqlite://{}",
                    work.path()
                        .join(format!("run{run}-{conns}.sqlite3"))
                        .display()
                ),
            };
            let url = &url;
            let config = write_config(work.path(), extra);
            let mut server =
                Server::spawn(&binary, url, &config, !extra.contains("master_key_uri"));
            let mut report = runtime.block_on(scenario(&server, credentials, conns, duration));
            println!(
                "| {name} | {conns} | {:.0} | {:.0} | {} | {} | {} | {} | {} | {:.0}% ({:.0}%) | {:.0} µs | {:.0}% | {:.1} KiB | {} |",
                report.verifications as f64 / report.elapsed.as_secs_f64(),
                report.verifications as f64 * 2.0 / report.elapsed.as_secs_f64(),
                ms(report.verify.percentile(50.0)),
                ms(report.verify.percentile(90.0)),
                ms(report.verify.percentile(99.0)),
                ms(report.verify.percentile(100.0)),
                ms(report.pair.percentile(99.0)),
                report.server_cpu * 100.0,
                report.writer_cpu * 100.0,
                report.server_cpu * 1e6 * report.elapsed.as_secs_f64()
                    / report.verifications.max(1) as f64,
                report.client_cpu * 100.0,
                report.written_per_verification / 1024.0,
                report.errors,
            );
            std::io::stdout().flush().ok();
            eprintln!("  outcomes: {}", report.outcomes);
            eprintln!(
                "  webhook events received so far (all runs): {}",
                receiver.1.load(std::sync::atomic::Ordering::Relaxed)
            );
            server.stop();
        }
    }
}

/// A webhook receiver on 127.0.0.1 that answers 204 and counts requests.
async fn webhook_receiver() -> (SocketAddr, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the receiver");
    let addr = listener.local_addr().expect("receiver address");
    let count = Arc::new(AtomicU64::new(0));
    let counted = Arc::clone(&count);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let counted = Arc::clone(&counted);
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
                        let counted = Arc::clone(&counted);
                        async move {
                            let _ = request.into_body().collect().await;
                            counted.fetch_add(1, Ordering::Relaxed);
                            let mut answer = hyper::Response::new(Full::new(Bytes::new()));
                            *answer.status_mut() = StatusCode::NO_CONTENT;
                            Ok::<_, std::convert::Infallible>(answer)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, count)
}

fn ms(micros: u64) -> String {
    format!("{:.1} ms", micros as f64 / 1000.0)
}

/// Writes 4 KiB and fdatasyncs, `how_long`, either appending (the file grows,
/// so every sync also commits file-system metadata) or overwriting a
/// preallocated region in turn (as a SQLite WAL does once it has reached its
/// working size).
fn fsync_rate(dir: &Path, how_long: Duration, append: bool) -> f64 {
    use std::io::{Seek, SeekFrom};
    const REGION: u64 = 256;
    let path = dir.join("fsync-probe");
    let mut file = std::fs::File::create(&path).expect("probe file");
    let block = [0x5au8; 4096];
    if !append {
        for _ in 0..REGION {
            file.write_all(&block).expect("preallocate");
        }
        file.sync_all().expect("fsync");
    }
    let started = Instant::now();
    let mut count = 0u64;
    while started.elapsed() < how_long {
        if !append {
            file.seek(SeekFrom::Start((count % REGION) * 4096))
                .expect("seek");
        }
        file.write_all(&block).expect("write");
        file.sync_data().expect("fdatasync");
        count += 1;
    }
    let rate = count as f64 / started.elapsed().as_secs_f64();
    drop(file);
    std::fs::remove_file(path).ok();
    rate
}

/// Bytes a process has caused to be written to storage so far.
fn write_bytes(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/io"))
        .ok()
        .and_then(|io| {
            io.lines()
                .find_map(|line| line.strip_prefix("write_bytes: "))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split_once(':'))
                .map(|(_, model)| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// CPU seconds (user + system) used so far by a process, from /proc.
fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|t| t.parse().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|t| t.parse().ok()).unwrap_or(0.0);
    ticks / 100.0 // USER_HZ is 100 on Linux
}

/// CPU seconds of the server's SQLite writer thread (named
/// `mobipass-sqlite-writer`, shown truncated in /proc), if it has one.
fn writer_cpu_seconds(pid: &str) -> f64 {
    writer_task(pid).map_or(0.0, |task| cpu_seconds(&task))
}

/// `PID/task/TID` of the SQLite writer thread, if the server has one.
fn writer_task(pid: &str) -> Option<String> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .find(|task| {
            std::fs::read_to_string(task.path().join("comm"))
                .is_ok_and(|name| name.starts_with("mobipass-sqlit"))
        })
        .map(|task| format!("{pid}/task/{}", task.file_name().to_string_lossy()))
}

/// A poor man's profile of the writer thread: its scheduler state sampled
/// every millisecond until `until`. R = running or waiting for a core,
/// D = in the kernel waiting for the disk (fdatasync), S = idle, waiting
/// for work from the HTTP side.
fn sample_writer(task: String, until: Instant) -> String {
    let (mut running, mut disk, mut idle) = (0u32, 0u32, 0u32);
    while Instant::now() < until {
        if let Ok(stat) = std::fs::read_to_string(format!("/proc/{task}/stat")) {
            match stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().next())
            {
                Some("R") => running += 1,
                Some("D") => disk += 1,
                Some(_) => idle += 1,
                None => {}
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let total = f64::from((running + disk + idle).max(1));
    format!(
        "writer thread: running {:.0}%, disk wait {:.0}%, idle {:.0}%",
        f64::from(running) * 100.0 / total,
        f64::from(disk) * 100.0 / total,
        f64::from(idle) * 100.0 / total
    )
}

/// A new AES key in the SoftHSM2 test token (`master-key new --uri`) and the
/// configuration lines that name it, its module and a PIN file.
fn hsm_config_lines(binary: &Path, dir: &Path) -> String {
    let var = |name: &str| {
        std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is unset: source .ci/setup.d/40-softhsm.sh"))
    };
    let module = var("MOBIPASS_TEST_PKCS11_MODULE");
    let pin_file = dir.join("pkcs11.pin");
    std::fs::write(&pin_file, var("MOBIPASS_TEST_PKCS11_PIN")).expect("pin file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pin_file, std::fs::Permissions::from_mode(0o600))
            .expect("chmod the pin file");
    }
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    let uri = format!(
        "pkcs11:token={};object=load-{}",
        var("MOBIPASS_TEST_PKCS11_TOKEN"),
        hex::encode(bytes)
    );
    let made = Command::new(binary)
        .args([
            "--db",
            &format!("sqlite://{}", dir.join("unused.sqlite3").display()),
        ])
        .args(["master-key", "new", "--uri", &uri])
        .env("MOBIPASS_PKCS11_MODULE", &module)
        .env("MOBIPASS_PKCS11_PIN_FILE", &pin_file)
        .env_remove("MOBIPASS_MASTER_KEY")
        .output()
        .expect("run master-key new");
    assert!(made.status.success(), "master-key new --uri: {made:?}");
    format!(
        "master_key_uri = \"{uri}\"\npkcs11_module = \"{module}\"\npkcs11_pin_file = \"{}\"\n",
        pin_file.display()
    )
}

fn write_config(dir: &Path, extra: &str) -> PathBuf {
    let hash = |key: &str| hex::encode(Sha256::digest(key.as_bytes()));
    let path = dir.join("load.toml");
    let text = format!(
        "{extra}[[api_keys]]\nname = \"load-bank\"\nrole = \"bank\"\nsha256 = \"{}\"\n\n\
         [[api_keys]]\nname = \"load-operator\"\nrole = \"operator\"\nsha256 = \"{}\"\n",
        hash(BANK_KEY),
        hash(OPERATOR_KEY)
    );
    std::fs::write(&path, text).expect("write config");
    path
}

async fn fresh_pg_schema(base: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    let schema = format!("load_{}", hex::encode(bytes));
    let (client, connection) = tokio_postgres::connect(base, tokio_postgres::NoTls)
        .await
        .expect("connect to MOBIPASS_TEST_PG_URL");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .await
        .expect("create schema");
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}options=-csearch_path%3D{schema}")
}

struct Server {
    addr: SocketAddr,
    child: Child,
}

impl Server {
    /// `file_key`: the master key from `MOBIPASS_MASTER_KEY`; else the
    /// configuration names one (`master_key_uri`).
    fn spawn(binary: &Path, url: &str, config: &Path, file_key: bool) -> Self {
        let mut command = Command::new(binary);
        if file_key {
            command.env("MOBIPASS_MASTER_KEY", MASTER_HEX);
        } else {
            command.env_remove("MOBIPASS_MASTER_KEY");
        }
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0", "--db", url, "--config"])
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("read the listening line");
        let addr: SocketAddr = line
            .trim()
            .strip_prefix("listening on http://")
            .expect("listening line")
            .parse()
            .expect("address");
        assert!(
            addr.ip().is_loopback(),
            "the load generator only targets loopback"
        );
        Self { addr, child }
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    fn stop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Connection {
    sender: SendRequest<Full<Bytes>>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> Self {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).ok();
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        Self { sender }
    }

    async fn post(&mut self, path: &str, token: &str, body: String) -> (StatusCode, Value) {
        self.sender.ready().await.expect("connection ready");
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, "127.0.0.1")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .expect("request");
        let response = self.sender.send_request(request).await.expect("response");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

/// Latencies in microseconds.
#[derive(Default)]
struct Latencies(Vec<u64>);

impl Latencies {
    fn record(&mut self, took: Duration) {
        self.0.push(took.as_micros() as u64);
    }

    fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    fn percentile(&mut self, p: f64) -> u64 {
        if self.0.is_empty() {
            return 0;
        }
        self.0.sort_unstable();
        let rank = ((p / 100.0) * (self.0.len() - 1) as f64).round() as usize;
        self.0[rank]
    }
}

struct Report {
    verifications: u64,
    elapsed: Duration,
    verify: Latencies,
    pair: Latencies,
    errors: u64,
    outcomes: String,
    server_cpu: f64,
    writer_cpu: f64,
    written_per_verification: f64,
    client_cpu: f64,
}

struct Customer {
    id: String,
    key: OcraKey,
    wrong_in_row: u8,
}

async fn issue_all(addr: SocketAddr, count: usize) -> Vec<Customer> {
    let prefix = format!("load-{}", std::process::id());
    let mut tasks = Vec::new();
    let lanes = 32.min(count.max(1));
    for lane in 0..lanes {
        let prefix = prefix.clone();
        tasks.push(tokio::spawn(async move {
            let mut connection = Connection::open(addr).await;
            let mut customers = Vec::new();
            for n in (lane..count).step_by(lanes) {
                let id = format!("{prefix}-{n}");
                let (status, body) = connection
                    .post(
                        &format!("/v1/credentials/{id}/issue"),
                        OPERATOR_KEY,
                        r#"{"envelope_only":true}"#.to_owned(),
                    )
                    .await;
                assert_eq!(status, StatusCode::CREATED, "issue: {body}");
                let parts: Vec<String> = body["activation_key"]
                    .as_array()
                    .expect("parts")
                    .iter()
                    .map(|part| part.as_str().unwrap().to_owned())
                    .collect();
                let parts: [String; 4] = parts.try_into().expect("four parts");
                let key = ActivationKey::from_parts(&parts)
                    .expect("valid key")
                    .ocra_key();
                customers.push(Customer {
                    id,
                    key,
                    wrong_in_row: 0,
                });
            }
            customers
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("issue task"));
    }
    all
}

/// A tiny xorshift: reproducible "1 in 10 wrong" without a crate.
struct Dice(u64);

impl Dice {
    fn one_in_ten(&mut self) -> bool {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.is_multiple_of(10)
    }
}

#[derive(Default)]
struct LaneResult {
    verifications: u64,
    verify: Latencies,
    pair: Latencies,
    errors: u64,
    accepted: u64,
    rejected: u64,
    other: u64,
}

async fn lane(
    addr: SocketAddr,
    mut customers: Vec<Customer>,
    seed: u64,
    measure_from: Instant,
    until: Instant,
) -> LaneResult {
    let mut connection = Connection::open(addr).await;
    let mut dice = Dice(seed | 1);
    let mut result = LaneResult::default();
    let mut next = 0;
    while Instant::now() < until {
        let count = customers.len();
        let customer = &mut customers[next % count];
        next += 1;
        let started = Instant::now();
        let (status, created) = connection
            .post(
                &format!("/v1/credentials/{}/challenges", customer.id),
                BANK_KEY,
                "{}".into(),
            )
            .await;
        if status != StatusCode::CREATED {
            result.errors += 1;
            continue;
        }
        let code =
            DocumentCode::parse(created["document_code"].as_str().unwrap_or("")).expect("code");
        let mut response = Challenge::Plain(code)
            .respond(&customer.key)
            .as_str()
            .to_owned();
        let wrong = customer.wrong_in_row < 1 && dice.one_in_ten();
        if wrong {
            let last = response.pop().unwrap() as u8 - b'0';
            response.push(char::from(b'0' + (last + 1) % 10));
        }
        let body = format!(
            r#"{{"challenge_id":"{}","response":"{response}"}}"#,
            created["challenge_id"].as_str().unwrap_or("")
        );
        let sent = Instant::now();
        let (status, verdict) = connection
            .post(
                &format!("/v1/credentials/{}/verifications", customer.id),
                BANK_KEY,
                body,
            )
            .await;
        let done = Instant::now();
        let outcome = verdict["outcome"].as_str().unwrap_or("");
        let as_expected = status == StatusCode::OK && (outcome == "accepted") != wrong;
        if !as_expected {
            result.errors += 1;
        }
        customer.wrong_in_row = if wrong { customer.wrong_in_row + 1 } else { 0 };
        if sent >= measure_from {
            result.verifications += 1;
            result.verify.record(done - sent);
            result.pair.record(done - started);
            match outcome {
                "accepted" => result.accepted += 1,
                "rejected" => result.rejected += 1,
                _ => result.other += 1,
            }
        }
    }
    result
}

async fn scenario(
    server: &Server,
    credentials: usize,
    connections: usize,
    duration: Duration,
) -> Report {
    let customers = issue_all(server.addr, credentials).await;
    // Each connection owns a disjoint set of customers: one customer signs one
    // payment at a time, as in life.
    let mut shares: Vec<Vec<Customer>> = (0..connections).map(|_| Vec::new()).collect();
    for (n, customer) in customers.into_iter().enumerate() {
        shares[n % connections].push(customer);
    }
    let start = Instant::now();
    let measure_from = start + WARMUP;
    let until = measure_from + duration;
    let pid = server.pid();
    let tasks: Vec<_> = shares
        .into_iter()
        .enumerate()
        .map(|(n, share)| {
            assert!(!share.is_empty(), "more connections than credentials");
            tokio::spawn(lane(
                server.addr,
                share,
                0x9e37_79b9_7f4a_7c15 ^ n as u64,
                measure_from,
                until,
            ))
        })
        .collect();
    tokio::time::sleep_until(measure_from.into()).await;
    let sampler =
        writer_task(&pid).map(|task| std::thread::spawn(move || sample_writer(task, until)));
    let server_cpu_start = cpu_seconds(&pid);
    let writer_cpu_start = writer_cpu_seconds(&pid);
    let written_start = write_bytes(&pid);
    let client_cpu_start = cpu_seconds("self");
    tokio::time::sleep_until(until.into()).await;
    let server_cpu = cpu_seconds(&pid) - server_cpu_start;
    if let Some(sampler) = sampler {
        eprintln!("  {}", sampler.join().expect("sampler"));
    }
    let writer_cpu = writer_cpu_seconds(&pid) - writer_cpu_start;
    let written = write_bytes(&pid).saturating_sub(written_start);
    let client_cpu = cpu_seconds("self") - client_cpu_start;
    let mut total = LaneResult::default();
    for task in tasks {
        let lane = task.await.expect("lane");
        total.verifications += lane.verifications;
        total.errors += lane.errors;
        total.accepted += lane.accepted;
        total.rejected += lane.rejected;
        total.other += lane.other;
        total.verify.merge(lane.verify);
        total.pair.merge(lane.pair);
    }
    let elapsed = duration;
    Report {
        verifications: total.verifications,
        elapsed,
        verify: total.verify,
        pair: total.pair,
        errors: total.errors,
        outcomes: format!(
            "accepted {}, rejected {}, other {}",
            total.accepted, total.rejected, total.other
        ),
        server_cpu: server_cpu / elapsed.as_secs_f64(),
        writer_cpu: writer_cpu / elapsed.as_secs_f64(),
        written_per_verification: written as f64 / total.verifications.max(1) as f64,
        client_cpu: client_cpu / elapsed.as_secs_f64(),
    }
}
