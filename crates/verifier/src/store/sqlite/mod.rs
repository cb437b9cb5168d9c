//! The embedded SQLite store, built for durable throughput.
//!
//! One writer thread owns the only write connection (WAL, `synchronous=FULL`).
//! Every mutation is a job sent over a bounded channel (`Config::max_queue`;
//! when it is full a caller gets `Busy` at once rather than a place in an
//! ever longer queue). The writer takes the first
//! waiting job plus up to `max_batch - 1` more, runs each in its own SAVEPOINT
//! inside ONE transaction, commits once (one fsync for the whole batch), and
//! only then answers each caller (group commit). Two things follow:
//! - every verification is a serial read-modify-write, so concurrent guesses
//!   against one credential can never be evaluated past the limit;
//! - throughput is not bounded by the disk's fsync rate: under load a batch
//!   carries hundreds of operations per fsync. A failing job rolls back to its
//!   savepoint without disturbing its batch mates; so does a job that panics
//!   (a bug), so that one bad operation never stops the writer for good.
//!
//! At the start of every batch the writer reads the master-key fingerprint
//! stored in the database, inside the batch's write transaction. If another
//! process rotated the master key, jobs that seal or open a seed fail with
//! "the master key was rotated; restart with the new key" and write nothing.
//!
//! Reads (`status`, `audit`) use separate connections, which WAL lets run
//! beside the writer. Other processes on the same file (an operator's CLI
//! next to a running service) are serialised by SQLite's own write lock.

mod operators;
mod ops;
pub(crate) use ops::claim_types;
mod schema;
mod signing;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use async_trait::async_trait;
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::model::{AuditEvent, CredentialStatus, Verified};
use crate::outbox::{Delivery, DeliveryInfo, OutboxCounts};
use crate::sealing_key::SealingKey;
use crate::store::{
    Attempt, Change, NewActivation, NewChallenge, NewKey, OutboxClaim, OutboxReport, Purge, Sealer,
    Store,
};

/// The master key as one batch may use it: only while the database still
/// names it as the key in force (checked inside the batch's transaction).
pub(crate) struct BatchKey<'a> {
    sealer: &'a Sealer,
    stored: Option<String>,
}

impl BatchKey<'_> {
    /// The key, or the "rotated elsewhere" error that fails the job closed.
    pub(crate) fn get(&self) -> Result<&SealingKey, VerifierError> {
        self.sealer.checked(self.stored.as_deref())
    }
}

/// A mutation waiting for the writer.
trait WriteJob: Send {
    /// Runs inside the batch; `false` if it failed (its savepoint is rolled back).
    fn run(&mut self, conn: &Connection, key: &BatchKey<'_>) -> bool;
    /// Answers the caller once the batch's fate is known.
    fn deliver(self: Box<Self>, committed: Result<(), String>);
}

struct Typed<T, F> {
    work: Option<F>,
    result: Option<Result<T, VerifierError>>,
    reply: oneshot::Sender<Result<T, VerifierError>>,
}

impl<T, F> WriteJob for Typed<T, F>
where
    T: Send,
    F: FnOnce(&Connection, &BatchKey<'_>) -> Result<T, VerifierError> + Send,
{
    fn run(&mut self, conn: &Connection, key: &BatchKey<'_>) -> bool {
        let work = self.work.take().expect("a job runs once");
        let result = work(conn, key);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn deliver(self: Box<Self>, committed: Result<(), String>) {
        let answer = match (committed, self.result) {
            (Ok(()), Some(result)) => result,
            // An operation that failed on its own reports its own error.
            (Err(_), Some(Err(own))) => Err(own),
            (Err(message), _) => Err(VerifierError::Storage(message)),
            // The job panicked (a bug); its savepoint was rolled back.
            (Ok(()), None) => Err(VerifierError::Storage(
                "the operation failed unexpectedly; nothing of it was stored".into(),
            )),
        };
        // The caller may have gone away; the work is committed regardless.
        let _ = self.reply.send(answer);
    }
}

struct Rotation {
    new: SealingKey,
    actor: Actor,
    now: i64,
    reply: oneshot::Sender<Result<usize, VerifierError>>,
}

enum Job {
    Write(Box<dyn WriteJob>),
    /// Runs alone: later jobs must see the new key, and the key only changes
    /// once the re-wrap is committed.
    Rotate(Rotation),
}

/// The SQLite store.
pub(crate) struct SqliteStore {
    jobs: mpsc::SyncSender<Job>,
    path: PathBuf,
    readers: Arc<Mutex<Vec<Connection>>>,
}

fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens or creates the database file, migrates it, checks the master key
    /// and starts the writer thread.
    pub(crate) fn open(
        path: &Path,
        master: SealingKey,
        config: &crate::Config,
    ) -> Result<Self, VerifierError> {
        let max_batch = config.max_batch;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::paths::create_private_dir(dir).map_err(|e| {
                VerifierError::Storage(format!("cannot create {}: {}", dir.display(), e.kind()))
            })?;
        }
        create_private(path)?;
        let mut conn = connect(path)?;
        schema::migrate(&mut conn)?;
        check_master_key(&conn, &master)?;
        let (jobs, queue) = mpsc::sync_channel(config.max_queue.max(1));
        let sealer = Sealer::new(master);
        std::thread::Builder::new()
            .name("mobipass-sqlite-writer".into())
            .spawn(move || writer_loop(conn, sealer, queue, max_batch.max(1)))
            .map_err(|e| VerifierError::Storage(format!("cannot start the writer thread: {e}")))?;
        Ok(Self {
            jobs,
            path: path.to_path_buf(),
            readers: Arc::new(Mutex::new(Vec::new())),
        })
    }

    async fn write<T, F>(&self, work: F) -> Result<T, VerifierError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &BatchKey<'_>) -> Result<T, VerifierError> + Send + 'static,
    {
        self.submit(work)?.await.map_err(|_| writer_gone())?
    }

    /// Queues a job for the writer and returns where its answer will arrive.
    fn submit<T, F>(
        &self,
        work: F,
    ) -> Result<oneshot::Receiver<Result<T, VerifierError>>, VerifierError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &BatchKey<'_>) -> Result<T, VerifierError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Typed {
            work: Some(work),
            result: None,
            reply,
        };
        self.enqueue(Job::Write(Box::new(job)))?;
        Ok(answer)
    }

    /// Hands a job to the writer without ever waiting: a full queue means
    /// the writer is `max_queue` operations behind already, and callers are
    /// better told `Busy` now than left to pile up in memory.
    fn enqueue(&self, job: Job) -> Result<(), VerifierError> {
        self.jobs.try_send(job).map_err(|error| match error {
            mpsc::TrySendError::Full(_) => VerifierError::Busy("the SQLite write queue is full"),
            mpsc::TrySendError::Disconnected(_) => writer_gone(),
        })
    }

    async fn read<T, F>(&self, work: F) -> Result<T, VerifierError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, VerifierError> + Send + 'static,
    {
        let readers = Arc::clone(&self.readers);
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => connect(&path)?,
            };
            let result = work(&conn);
            readers.lock().unwrap_or_else(|e| e.into_inner()).push(conn);
            result
        })
        .await
        .map_err(|_| VerifierError::Storage("a read task failed".into()))?
    }
}

/// Creates a new database file readable by its owner only (SQLite gives the
/// WAL and shared-memory files the same mode). Seeds are sealed anyway; the
/// audit log and credential ids are still the bank's business alone.
fn create_private(path: &Path) -> Result<(), VerifierError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(VerifierError::Storage(format!(
            "cannot create {}: {}",
            path.display(),
            e.kind()
        ))),
    }
}

fn writer_gone() -> VerifierError {
    VerifierError::Storage("the SQLite writer has stopped".into())
}

/// Refuses a master key that is not the one this database was sealed under.
/// The first process to open a new database records its key's fingerprint;
/// a second one starting at the same moment with another key is refused
/// rather than overwriting it.
fn check_master_key(conn: &Connection, master: &SealingKey) -> Result<(), VerifierError> {
    ops::claim_fingerprint(conn, master)?;
    match ops::fingerprint(conn)? {
        Some(stored) if stored == master.fingerprint() => Ok(()),
        _ => Err(VerifierError::MasterKey(
            "this is not the master key the database's seeds are sealed under".into(),
        )),
    }
}

fn writer_loop(conn: Connection, mut sealer: Sealer, queue: mpsc::Receiver<Job>, max_batch: usize) {
    let mut carried: Option<Job> = None;
    loop {
        let first = match carried.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(_) => return, // every sender is gone: the store was dropped
            },
        };
        match first {
            Job::Rotate(rotation) => rotate(&conn, &mut sealer, rotation),
            Job::Write(job) => {
                let mut batch = vec![job];
                while batch.len() < max_batch {
                    match queue.try_recv() {
                        Ok(Job::Write(job)) => batch.push(job),
                        Ok(rotation @ Job::Rotate(_)) => {
                            carried = Some(rotation);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                run_batch(&conn, &sealer, batch);
            }
        }
    }
}

/// Runs one job in its savepoint. A panicking job is a bug, but it must not
/// take the writer thread (and with it every later operation) down: its
/// savepoint is rolled back like that of a job that failed.
fn run_job(
    conn: &Connection,
    key: &BatchKey<'_>,
    job: &mut Box<dyn WriteJob>,
) -> rusqlite::Result<()> {
    conn.execute_batch("SAVEPOINT job")?;
    match catch_unwind(AssertUnwindSafe(|| job.run(conn, key))) {
        Ok(true) => conn.execute_batch("RELEASE job"),
        Ok(false) | Err(_) => conn.execute_batch("ROLLBACK TO job; RELEASE job"),
    }
}

fn run_batch(conn: &Connection, sealer: &Sealer, mut batch: Vec<Box<dyn WriteJob>>) {
    let outcome = (|| -> rusqlite::Result<()> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let key = BatchKey {
            sealer,
            stored: ops::fingerprint(conn)?,
        };
        for job in &mut batch {
            run_job(conn, &key, job)?;
        }
        conn.execute_batch("COMMIT")
    })();
    let committed = match outcome {
        Ok(()) => Ok(()),
        Err(error) => {
            // Also ends a transaction whose COMMIT failed (it stays open).
            let _ = conn.execute_batch("ROLLBACK");
            Err(error.to_string())
        }
    };
    for job in batch {
        job.deliver(committed.clone());
    }
}

fn rotate(conn: &Connection, sealer: &mut Sealer, rotation: Rotation) {
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<usize, VerifierError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let old = sealer.checked(ops::fingerprint(conn)?.as_deref())?;
        let count = ops::rotate(conn, old, &rotation.new, &rotation.actor, rotation.now)?;
        conn.execute_batch("COMMIT")?;
        Ok(count)
    }))
    .unwrap_or_else(|_| {
        Err(VerifierError::Storage(
            "the rotation failed unexpectedly; nothing was changed".into(),
        ))
    });
    match &result {
        Ok(_) => *sealer = Sealer::new(rotation.new.clone()),
        Err(_) => {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    let _ = rotation.reply.send(result);
}

#[async_trait]
impl Store for SqliteStore {
    async fn issue(&self, new: NewKey) -> Result<(), VerifierError> {
        self.write(move |conn, key| ops::issue(conn, key.get()?, &new))
            .await
    }

    async fn reissue(&self, new: NewKey) -> Result<mobipass_scheme::EnvelopeKind, VerifierError> {
        self.write(move |conn, key| ops::reissue(conn, key.get()?, &new))
            .await
    }

    async fn activation_code(&self, new: NewActivation) -> Result<(), VerifierError> {
        self.write(move |conn, key| ops::activation_code(conn, key.get()?, &new))
            .await
    }

    async fn challenge(&self, new: NewChallenge) -> Result<(), VerifierError> {
        self.write(move |conn, _| ops::challenge(conn, &new)).await
    }

    async fn verify(&self, attempt: Attempt) -> Result<Verified, VerifierError> {
        self.write(move |conn, key| ops::verify(conn, key.get()?, &attempt))
            .await
    }

    async fn change(&self, change: Change) -> Result<(), VerifierError> {
        self.write(move |conn, _| ops::change(conn, &change)).await
    }

    async fn rotate_master_key(
        &self,
        new: SealingKey,
        actor: Actor,
        now: i64,
    ) -> Result<usize, VerifierError> {
        let (reply, answer) = oneshot::channel();
        self.enqueue(Job::Rotate(Rotation {
            new,
            actor,
            now,
            reply,
        }))?;
        answer.await.map_err(|_| writer_gone())?
    }

    async fn purge_challenges(&self, purge: Purge) -> Result<u64, VerifierError> {
        self.write(move |conn, _| ops::purge_challenges(conn, &purge))
            .await
    }

    async fn outbox_register(&self, endpoint: &str) -> Result<(), VerifierError> {
        let endpoint = endpoint.to_owned();
        self.write(move |conn, _| ops::outbox_register(conn, &endpoint))
            .await
    }

    async fn outbox_claim(&self, claim: OutboxClaim) -> Result<Vec<Delivery>, VerifierError> {
        self.write(move |conn, _| ops::outbox_claim(conn, &claim))
            .await
    }

    async fn outbox_report(&self, report: OutboxReport) -> Result<(), VerifierError> {
        self.write(move |conn, _| ops::outbox_report(conn, &report))
            .await
    }

    async fn outbox_redeliver(&self, seq: Option<i64>, now: i64) -> Result<u64, VerifierError> {
        self.write(move |conn, _| ops::outbox_redeliver(conn, seq, now))
            .await
    }

    async fn outbox_failed(&self, limit: usize) -> Result<Vec<DeliveryInfo>, VerifierError> {
        self.read(move |conn| ops::outbox_failed(conn, limit)).await
    }

    async fn outbox_counts(&self) -> Result<OutboxCounts, VerifierError> {
        self.read(ops::outbox_counts).await
    }

    async fn status(&self, id: &CredentialId, now: i64) -> Result<CredentialStatus, VerifierError> {
        let id = id.clone();
        self.read(move |conn| ops::status(conn, &id, now)).await
    }

    async fn audit(
        &self,
        id: Option<&CredentialId>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, VerifierError> {
        let id = id.cloned();
        self.read(move |conn| ops::audit(conn, id.as_ref(), limit))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store on a fresh file, and a job that holds the writer until
    /// released, so that the jobs queued meanwhile land in ONE next batch.
    fn store_with_held_writer() -> (
        tempfile::TempDir,
        SqliteStore,
        std::sync::mpsc::Sender<()>,
        oneshot::Receiver<Result<(), VerifierError>>,
    ) {
        store_with_held_writer_and(&crate::Config::default())
    }

    fn store_with_held_writer_and(
        config: &crate::Config,
    ) -> (
        tempfile::TempDir,
        SqliteStore,
        std::sync::mpsc::Sender<()>,
        oneshot::Receiver<Result<(), VerifierError>>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(
            &dir.path().join("v.sqlite3"),
            SealingKey::from(crate::MasterKey::generate()),
            config,
        )
        .unwrap();
        let (release, held) = std::sync::mpsc::channel::<()>();
        let (started, running) = std::sync::mpsc::channel::<()>();
        let holder = store
            .submit(move |_, _| {
                started.send(()).unwrap();
                held.recv().unwrap();
                Ok(())
            })
            .unwrap();
        // Its batch has been formed: whatever is queued from now on waits.
        running.recv().unwrap();
        (dir, store, release, holder)
    }

    fn insert_marker(
        name: &'static str,
    ) -> impl FnOnce(&Connection, &BatchKey<'_>) -> Result<(), VerifierError> + Send + 'static {
        move |conn, _| {
            conn.execute("INSERT INTO meta (key, value) VALUES (?1, 'x')", [name])?;
            Ok(())
        }
    }

    async fn markers(store: &SqliteStore) -> Vec<String> {
        store
            .read(|conn| {
                Ok(conn
                    .prepare("SELECT key FROM meta WHERE key LIKE 'test-%' ORDER BY key")?
                    .query_map([], |row| row.get(0))?
                    .collect::<Result<Vec<String>, _>>()?)
            })
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn full_write_queue_refuses_at_once_with_busy_and_then_recovers() {
        let config = crate::Config {
            max_queue: 2,
            ..crate::Config::default()
        };
        let (_dir, store, release, holder) = store_with_held_writer_and(&config);
        let first = store.submit(insert_marker("test-a")).unwrap();
        let second = store.submit(insert_marker("test-b")).unwrap();
        assert!(matches!(
            store.submit(insert_marker("test-c")),
            Err(VerifierError::Busy(_))
        ));
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        first.await.unwrap().unwrap();
        second.await.unwrap().unwrap();
        store.write(insert_marker("test-d")).await.unwrap();
        assert_eq!(markers(&store).await, ["test-a", "test-b", "test-d"]);
    }

    #[tokio::test]
    async fn job_that_inserts_then_fails_leaves_no_row_and_its_batch_mates_commit() {
        let (_dir, store, release, holder) = store_with_held_writer();
        let before = store.submit(insert_marker("test-a")).unwrap();
        let failing = store
            .submit(|conn, _| -> Result<(), VerifierError> {
                conn.execute("INSERT INTO meta (key, value) VALUES ('test-b', 'x')", [])?;
                Err(VerifierError::InvalidInput("refused after writing".into()))
            })
            .unwrap();
        let after = store.submit(insert_marker("test-c")).unwrap();
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        before.await.unwrap().unwrap();
        assert!(matches!(
            failing.await.unwrap(),
            Err(VerifierError::InvalidInput(_))
        ));
        after.await.unwrap().unwrap();
        assert_eq!(markers(&store).await, ["test-a", "test-c"]);
    }

    #[tokio::test]
    async fn panicking_job_fails_alone_and_the_writer_keeps_serving() {
        let (_dir, store, release, holder) = store_with_held_writer();
        let before = store.submit(insert_marker("test-a")).unwrap();
        let panicking = store
            .submit(|conn, _| -> Result<(), VerifierError> {
                conn.execute("INSERT INTO meta (key, value) VALUES ('test-b', 'x')", [])
                    .unwrap();
                panic!("a bug in one operation");
            })
            .unwrap();
        let after = store.submit(insert_marker("test-c")).unwrap();
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        before.await.unwrap().unwrap();
        assert!(matches!(
            panicking.await.unwrap(),
            Err(VerifierError::Storage(_))
        ));
        after.await.unwrap().unwrap();
        // The writer is still alive for later batches.
        store.write(insert_marker("test-d")).await.unwrap();
        assert_eq!(markers(&store).await, ["test-a", "test-c", "test-d"]);
    }

    #[tokio::test]
    async fn failing_commit_fails_every_job_of_the_batch_and_keeps_none_of_them() {
        let (_dir, store, release, holder) = store_with_held_writer();
        let first = store.submit(insert_marker("test-a")).unwrap();
        // A deferred foreign-key violation passes every statement and fails
        // only at COMMIT.
        let violating = store
            .submit(|conn, _| -> Result<(), VerifierError> {
                conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
                conn.execute(
                    "INSERT INTO challenges (id, credential_id, code, created_at, expires_at)
                     VALUES (x'00', 'nobody', '123456', 0, 0)",
                    [],
                )?;
                Ok(())
            })
            .unwrap();
        let last = store.submit(insert_marker("test-c")).unwrap();
        release.send(()).unwrap();
        holder.await.unwrap().unwrap();
        for answer in [first, violating, last] {
            assert!(matches!(
                answer.await.unwrap(),
                Err(VerifierError::Storage(_))
            ));
        }
        assert!(markers(&store).await.is_empty());
        let challenges: i64 = store
            .read(|conn| Ok(conn.query_row("SELECT count(*) FROM challenges", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(challenges, 0);
        // The next batch starts a fresh transaction and commits.
        store.write(insert_marker("test-d")).await.unwrap();
        assert_eq!(markers(&store).await, ["test-d"]);
    }
}
