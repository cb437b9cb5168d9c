//! The embedded SQLite store, built for durable throughput.
//!
//! One writer thread owns the only write connection (WAL, `synchronous=FULL`).
//! Every mutation is a job sent over a channel. The writer takes the first
//! waiting job plus up to `max_batch - 1` more, runs each in its own SAVEPOINT
//! inside ONE transaction, commits once (one fsync for the whole batch), and
//! only then answers each caller (group commit). Two things follow:
//! - every verification is a serial read-modify-write, so concurrent guesses
//!   against one credential can never be evaluated past the limit;
//! - throughput is not bounded by the disk's fsync rate: under load a batch
//!   carries hundreds of operations per fsync. A failing job rolls back to its
//!   savepoint without disturbing its batch mates.
//!
//! Reads (`status`, `audit`) use separate connections, which WAL lets run
//! beside the writer. Other processes on the same file (an operator's CLI
//! next to a running service) are serialised by SQLite's own write lock.

mod ops;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};

use async_trait::async_trait;
use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::VerifierError;
use crate::ids::{Actor, CredentialId};
use crate::master_key::MasterKey;
use crate::model::{AuditEvent, CredentialStatus, Outcome};
use crate::store::{Attempt, Change, NewChallenge, NewKey, Store};

/// A mutation waiting for the writer.
trait WriteJob: Send {
    /// Runs inside the batch; `false` if it failed (its savepoint is rolled back).
    fn run(&mut self, conn: &Connection, master: &MasterKey) -> bool;
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
    F: FnOnce(&Connection, &MasterKey) -> Result<T, VerifierError> + Send,
{
    fn run(&mut self, conn: &Connection, master: &MasterKey) -> bool {
        let work = self.work.take().expect("a job runs once");
        let result = work(conn, master);
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
            (Ok(()), None) => Err(VerifierError::Storage("the job did not run".into())),
        };
        // The caller may have gone away; the work is committed regardless.
        let _ = self.reply.send(answer);
    }
}

struct Rotation {
    new: MasterKey,
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
    jobs: mpsc::Sender<Job>,
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
        master: MasterKey,
        max_batch: usize,
    ) -> Result<Self, VerifierError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                VerifierError::Storage(format!("cannot create {}: {}", dir.display(), e.kind()))
            })?;
        }
        create_private(path)?;
        let mut conn = connect(path)?;
        schema::migrate(&mut conn)?;
        check_master_key(&conn, &master)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("mobipass-sqlite-writer".into())
            .spawn(move || writer_loop(conn, master, queue, max_batch.max(1)))
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
        F: FnOnce(&Connection, &MasterKey) -> Result<T, VerifierError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Typed {
            work: Some(work),
            result: None,
            reply,
        };
        self.jobs
            .send(Job::Write(Box::new(job)))
            .map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
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
fn check_master_key(conn: &Connection, master: &MasterKey) -> Result<(), VerifierError> {
    match ops::fingerprint(conn)? {
        Some(stored) if stored == master.fingerprint() => Ok(()),
        Some(_) => Err(VerifierError::MasterKey(
            "this is not the master key the database's seeds are sealed under".into(),
        )),
        None => Ok(ops::set_fingerprint(conn, master)?),
    }
}

fn writer_loop(
    conn: Connection,
    mut master: MasterKey,
    queue: mpsc::Receiver<Job>,
    max_batch: usize,
) {
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
            Job::Rotate(rotation) => rotate(&conn, &mut master, rotation),
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
                run_batch(&conn, &master, batch);
            }
        }
    }
}

fn run_batch(conn: &Connection, master: &MasterKey, mut batch: Vec<Box<dyn WriteJob>>) {
    let outcome = (|| -> rusqlite::Result<()> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for job in &mut batch {
            conn.execute_batch("SAVEPOINT job")?;
            if job.run(conn, master) {
                conn.execute_batch("RELEASE job")?;
            } else {
                conn.execute_batch("ROLLBACK TO job; RELEASE job")?;
            }
        }
        conn.execute_batch("COMMIT")
    })();
    let committed = match outcome {
        Ok(()) => Ok(()),
        Err(error) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(error.to_string())
        }
    };
    for job in batch {
        job.deliver(committed.clone());
    }
}

fn rotate(conn: &Connection, master: &mut MasterKey, rotation: Rotation) {
    let result = (|| -> Result<usize, VerifierError> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        match ops::rotate(conn, master, &rotation.new, &rotation.actor, rotation.now) {
            Ok(count) => {
                conn.execute_batch("COMMIT")?;
                Ok(count)
            }
            Err(error) => Err(error),
        }
    })();
    match &result {
        Ok(_) => *master = rotation.new.clone(),
        Err(_) => {
            let _ = conn.execute_batch("ROLLBACK");
        }
    }
    let _ = rotation.reply.send(result);
}

#[async_trait]
impl Store for SqliteStore {
    async fn issue(&self, new: NewKey) -> Result<(), VerifierError> {
        self.write(move |conn, master| ops::issue(conn, master, &new))
            .await
    }

    async fn reissue(&self, new: NewKey) -> Result<(), VerifierError> {
        self.write(move |conn, master| ops::reissue(conn, master, &new))
            .await
    }

    async fn challenge(&self, new: NewChallenge) -> Result<(), VerifierError> {
        self.write(move |conn, _| ops::challenge(conn, &new)).await
    }

    async fn verify(&self, attempt: Attempt) -> Result<Outcome, VerifierError> {
        self.write(move |conn, master| ops::verify(conn, master, &attempt))
            .await
    }

    async fn change(&self, change: Change) -> Result<(), VerifierError> {
        self.write(move |conn, _| ops::change(conn, &change)).await
    }

    async fn rotate_master_key(
        &self,
        new: MasterKey,
        actor: Actor,
        now: i64,
    ) -> Result<usize, VerifierError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(Job::Rotate(Rotation {
                new,
                actor,
                now,
                reply,
            }))
            .map_err(|_| writer_gone())?;
        answer.await.map_err(|_| writer_gone())?
    }

    async fn status(&self, id: &CredentialId) -> Result<CredentialStatus, VerifierError> {
        let id = id.clone();
        self.read(move |conn| ops::status(conn, &id)).await
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
