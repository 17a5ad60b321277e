//! [`SqliteStore`]: deliveries remembered in an SQLite file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{
    Claim, DEFAULT_RETENTION, DeliveryStore, KeptDelivery, Lease, QuarantinedDelivery, StaleClaim,
    StoreError,
};
use crate::key::DeliveryKey;

/// The queries, one file each, with the invariant each keeps in its comment.
mod sql {
    pub(super) const SCHEMA: &str = include_str!("sqlite/schema.sql");
    pub(super) const CLAIM: &str = include_str!("sqlite/claim.sql");
    pub(super) const STATE: &str = include_str!("sqlite/state.sql");
    pub(super) const RENEW: &str = include_str!("sqlite/renew.sql");
    pub(super) const COMPLETE: &str = include_str!("sqlite/complete.sql");
    pub(super) const FAIL: &str = include_str!("sqlite/fail.sql");
    pub(super) const QUARANTINE: &str = include_str!("sqlite/quarantine.sql");
    pub(super) const QUARANTINED: &str = include_str!("sqlite/quarantined.sql");
    pub(super) const CLAIM_QUARANTINED: &str = include_str!("sqlite/claim_quarantined.sql");
    pub(super) const CLEANUP: &str = include_str!("sqlite/cleanup.sql");
    pub(super) const STALE: &str = include_str!("sqlite/stale.sql");
}

/// How long a statement waits for another process's write to finish before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite 저장소 — A [`DeliveryStore`] in an SQLite file (feature `sqlite`; SQLite is compiled
/// in, so nothing needs installing): the embedded choice for one instance that must survive
/// restarts.
///
/// Every record, quarantined bodies included, is in the file, so a restart forgets nothing and a
/// replay after a deploy finds what was kept. Several processes on one host may share the file
/// (SQLite's write-ahead log, which is why it must not sit on a network file system); for several
/// hosts, use [`PostgresStore`](super::PostgresStore).
///
/// The table, `steppay_deliveries`, is created by [`SqliteStore::open`]; its definition is in
/// `src/store/sqlite/schema.sql`. Leases are measured with SQLite's own clock
/// (`unixepoch('subsec')`).
///
/// One thread of its own owns the connection and commits in batches: every operation waiting
/// when a transaction starts (up to 128) shares it, and each is answered once its transaction
/// committed. Concurrent deliveries thus share commits instead of queueing for one each.
///
/// The file is written with `synchronous = NORMAL` in WAL mode: a delivery recorded as done
/// survives the process crashing, and at worst the last commits before a power loss are lost,
/// which makes those deliveries' retries run again. [`SqliteStore::durable`] syncs every commit
/// to disk instead.
pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
    path: PathBuf,
    retention: Duration,
}

/// Work for the store's writer thread.
enum Job {
    /// Statements to run in the next batch's transaction.
    Batched(Work),
    /// Statements to run on their own, outside any transaction (a `PRAGMA`).
    Alone(Work),
}

/// Runs statements on the connection (`None`: their transaction could not begin, so they do not
/// run) and returns what to do once the transaction's fate is known: with `Ok` when it
/// committed, with the reason when it did not.
type Work = Box<dyn FnOnce(Option<&Connection>) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;

/// The most jobs one transaction commits.
const MAX_BATCH: usize = 128;

impl SqliteStore {
    /// Opens (or creates) the store in the file at `path`, and creates its table if needed.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the file cannot be opened or is not a database.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let connection = tokio::task::spawn_blocking(move || {
            let connection = Connection::open(&opened)?;
            connection.busy_timeout(BUSY_TIMEOUT)?;
            // WAL lets readers and the writer proceed together and other processes share the
            // file; `journal_mode` answers with the mode it set.
            let _: String =
                connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            connection.execute_batch("PRAGMA synchronous = NORMAL;")?;
            connection.execute_batch(sql::SCHEMA)?;
            Ok::<_, rusqlite::Error>(connection)
        })
        .await
        .map_err(|error| StoreError::Unavailable(Box::new(error)))?
        .map_err(|error| StoreError::Unavailable(Box::new(error)))?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("steppay-sqlite".to_owned())
            .spawn(move || writer(&connection, &queue))
            .map_err(|error| StoreError::Unavailable(Box::new(error)))?;
        Ok(Self { jobs, path, retention: DEFAULT_RETENTION })
    }

    /// How long done records are kept before [`cleanup`](DeliveryStore::cleanup) deletes them
    /// ([`DEFAULT_RETENTION`]).
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Syncs every commit to disk (`synchronous = FULL`), so that not even a power loss forgets
    /// a done record. Commits are batched (see the type's docs), so this costs one sync per
    /// batch rather than per delivery.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when SQLite refuses the setting.
    pub async fn durable(self) -> Result<Self, StoreError> {
        self.submit(true, |connection| connection.execute_batch("PRAGMA synchronous = FULL;"))
            .await?;
        Ok(self)
    }

    /// The file it is in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` in the writer thread's next transaction, and answers once it committed.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        self.submit(false, work).await
    }

    async fn submit<T: Send + 'static>(
        &self,
        alone: bool,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = oneshot::channel();
        let work: Work = Box::new(move |connection| {
            let result = connection.map(work);
            Box::new(move |committed: Result<(), String>| {
                let _ = answer.send(match (result, committed) {
                    (Some(Ok(value)), Ok(())) => Ok(value),
                    (Some(Err(error)), _) => Err(StoreError::Unavailable(Box::new(error))),
                    (_, Err(why)) => Err(StoreError::Unavailable(why.into())),
                    (None, Ok(())) => Err(StoreError::Unavailable("not run".into())),
                });
            })
        });
        let job = if alone { Job::Alone(work) } else { Job::Batched(work) };
        self.jobs.send(job).map_err(|_| writer_stopped())?;
        answered.await.map_err(|_| writer_stopped())?
    }

    /// Runs a statement guarded by the lease, and says whether the lease still held.
    async fn guarded(
        &self,
        lease: &Lease,
        statement: impl FnOnce(&Connection, &str, i64) -> rusqlite::Result<usize> + Send + 'static,
    ) -> Result<(), StoreError> {
        let key = lease.key.as_str().to_owned();
        let attempt = i64::from(lease.attempt);
        let changed = self.run(move |connection| statement(connection, &key, attempt)).await?;
        if changed == 0 {
            return Err(StoreError::LeaseLost { key: lease.key.clone(), attempt: lease.attempt });
        }
        Ok(())
    }
}

fn writer_stopped() -> StoreError {
    StoreError::Unavailable("the SQLite store's writer thread has stopped".into())
}

/// The writer thread: takes every job waiting (up to [`MAX_BATCH`]) and runs them in one
/// `BEGIN IMMEDIATE` transaction, so that concurrent deliveries share one commit. A job is
/// answered only once its transaction committed. Ends when the store is dropped.
fn writer(connection: &Connection, queue: &mpsc::Receiver<Job>) {
    let mut next = queue.recv().ok();
    while let Some(job) = next.take() {
        let first = match job {
            Job::Alone(work) => {
                work(Some(connection))(Ok(()));
                next = queue.recv().ok();
                continue;
            }
            Job::Batched(work) => work,
        };
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(Job::Batched(work)) => batch.push(work),
                Ok(alone) => {
                    next = Some(alone);
                    break;
                }
                Err(_) => break,
            }
        }
        commit(connection, batch);
        if next.is_none() {
            next = queue.recv().ok();
        }
    }
}

/// Runs `batch` in one transaction and answers every job with its outcome.
fn commit(connection: &Connection, batch: Vec<Work>) {
    // The write lock first, so that the claims and the reads that explain refusals see the same
    // rows, even with other processes on the file.
    if let Err(error) = connection.execute_batch("BEGIN IMMEDIATE") {
        let why = format!("could not begin a transaction: {error}");
        for work in batch {
            work(None)(Err(why.clone()));
        }
        return;
    }
    let mut replies = Vec::with_capacity(batch.len());
    let mut rolled_back = false;
    for work in batch {
        // Once SQLite has rolled the transaction back (a full disk, say), nothing more runs in
        // it: each later job is answered with the failure, unrun.
        replies.push(work(if rolled_back { None } else { Some(connection) }));
        rolled_back = rolled_back || connection.is_autocommit();
    }
    let committed = if rolled_back {
        Err("SQLite rolled the transaction back".to_owned())
    } else {
        connection.execute_batch("COMMIT").map_err(|error| error.to_string())
    };
    if committed.is_err() && !connection.is_autocommit() {
        let _ = connection.execute_batch("ROLLBACK");
    }
    for reply in replies {
        reply(committed.clone());
    }
}

/// Milliseconds of a duration, as SQLite's integers hold them.
fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// A duration from milliseconds SQLite computed; negative reads as zero.
fn duration(millis: i64) -> Duration {
    Duration::from_millis(u64::try_from(millis).unwrap_or(0))
}

/// An attempt number read from the table.
fn attempt(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl DeliveryStore for SqliteStore {
    async fn claim(
        &self,
        key: &DeliveryKey,
        event_type: Option<&str>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let owned_key = key.clone();
        let event_type = event_type.map(str::to_owned);
        let lease_ms = millis(lease);
        // The claim and the read that explains a refusal run in one transaction (the batch's),
        // so they see the same row.
        let found = self
            .run(move |connection| {
                let claimed = connection
                    .prepare_cached(sql::CLAIM)?
                    .query_row(params![owned_key.as_str(), lease_ms, event_type], |row| {
                        row.get::<_, i64>(0)
                    })
                    .optional()?;
                let found = match claimed {
                    Some(attempts) => Ok(attempts),
                    None => Err(connection
                        .prepare_cached(sql::STATE)?
                        .query_row(params![owned_key.as_str()], |row| {
                            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                        })
                        .optional()?),
                };
                Ok(found)
            })
            .await?;
        let key = key.clone();
        match found {
            Ok(attempts) => {
                Ok(Claim::Acquired(Lease { key, attempt: attempt(attempts), duration: lease }))
            }
            Err(Some((state, left_ms))) => match state.as_str() {
                "done" => Ok(Claim::Done),
                "quarantined" => Ok(Claim::Quarantined),
                "processing" => Ok(Claim::InProgress { retry_after: duration(left_ms) }),
                other => Err(StoreError::Corrupt(format!("delivery {key} is in state `{other}`"))),
            },
            // The insert cannot be refused without a row to conflict with.
            Err(None) => {
                Err(StoreError::Corrupt(format!("delivery {key} was neither claimed nor found")))
            }
        }
    }

    async fn renew(&self, lease: &Lease) -> Result<(), StoreError> {
        let lease_ms = millis(lease.duration);
        self.guarded(lease, move |connection, key, attempt| {
            connection.prepare_cached(sql::RENEW)?.execute(params![key, attempt, lease_ms])
        })
        .await
    }

    async fn complete(&self, lease: &Lease) -> Result<(), StoreError> {
        self.guarded(lease, |connection, key, attempt| {
            connection.prepare_cached(sql::COMPLETE)?.execute(params![key, attempt])
        })
        .await
    }

    async fn fail(&self, lease: &Lease) -> Result<(), StoreError> {
        self.guarded(lease, |connection, key, attempt| {
            connection.prepare_cached(sql::FAIL)?.execute(params![key, attempt])
        })
        .await
    }

    async fn quarantine(&self, lease: &Lease, body: &[u8], reason: &str) -> Result<(), StoreError> {
        let (body, reason) = (body.to_vec(), reason.to_owned());
        self.guarded(lease, move |connection, key, attempt| {
            connection.prepare_cached(sql::QUARANTINE)?.execute(params![key, attempt, body, reason])
        })
        .await
    }

    async fn quarantined(&self, limit: usize) -> Result<Vec<QuarantinedDelivery>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.run(move |connection| {
            let mut statement = connection.prepare_cached(sql::QUARANTINED)?;
            let rows = statement.query_map(params![limit], |row| {
                Ok(QuarantinedDelivery {
                    key: DeliveryKey::new(row.get::<_, String>(0)?),
                    event_type: row.get(1)?,
                    reason: row.get(2)?,
                    attempts: attempt(row.get(3)?),
                    age: duration(row.get(4)?),
                })
            })?;
            rows.collect()
        })
        .await
    }

    async fn claim_quarantined(
        &self,
        key: &DeliveryKey,
        lease: Duration,
    ) -> Result<Option<KeptDelivery>, StoreError> {
        let owned_key = key.as_str().to_owned();
        let lease_ms = millis(lease);
        let claimed = self
            .run(move |connection| {
                connection
                    .prepare_cached(sql::CLAIM_QUARANTINED)?
                    .query_row(params![owned_key, lease_ms], |row| {
                        Ok((row.get::<_, i64>(0)?, row.get::<_, Option<Vec<u8>>>(1)?))
                    })
                    .optional()
            })
            .await?;
        KeptDelivery::from_row(
            key,
            lease,
            claimed.map(|(attempts, body)| (attempt(attempts), body)),
        )
    }

    async fn cleanup(&self) -> Result<u64, StoreError> {
        let retention_ms = millis(self.retention);
        let deleted = self
            .run(move |connection| {
                connection.prepare_cached(sql::CLEANUP)?.execute(params![retention_ms])
            })
            .await?;
        Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
    }

    async fn stale(&self, older_than: Duration) -> Result<Vec<StaleClaim>, StoreError> {
        let older_than_ms = millis(older_than);
        self.run(move |connection| {
            let mut statement = connection.prepare_cached(sql::STALE)?;
            let rows = statement.query_map(params![older_than_ms], |row| {
                Ok(StaleClaim {
                    key: DeliveryKey::new(row.get::<_, String>(0)?),
                    event_type: row.get(1)?,
                    attempt: attempt(row.get(2)?),
                    expired_for: duration(row.get(3)?),
                })
            })?;
            rows.collect()
        })
        .await
    }

    fn remembers_for(&self) -> Option<Duration> {
        Some(self.retention)
    }
}
