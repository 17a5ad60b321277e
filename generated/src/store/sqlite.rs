//! [`SqliteStore`]: deliveries remembered in an SQLite file.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::{
    BoxError, Claim, DEFAULT_RETENTION, DeliveryStore, KeptDelivery, Lease, QuarantinedDelivery,
    StaleClaim, StoreError,
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
/// The file is written with `synchronous = NORMAL` in WAL mode: a delivery recorded as done
/// survives the process crashing, and at worst the last few records before a power loss are
/// lost, which makes those deliveries' retries run again. [`SqliteStore::durable`] syncs every
/// record to disk instead, at the cost of a sync per write.
pub struct SqliteStore {
    connection: Arc<Mutex<Connection>>,
    path: PathBuf,
    retention: Duration,
}

impl SqliteStore {
    /// Opens (or creates) the store in the file at `path`, and creates its table if needed.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the file cannot be opened or is not a database.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let opened = path.clone();
        let connection = blocking(move || {
            let connection = Connection::open(&opened)?;
            connection.busy_timeout(BUSY_TIMEOUT)?;
            // WAL lets readers and the writer proceed together and other processes share the
            // file; `journal_mode` answers with the mode it set.
            let _: String =
                connection.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
            connection.execute_batch("PRAGMA synchronous = NORMAL;")?;
            connection.execute_batch(sql::SCHEMA)?;
            Ok(connection)
        })
        .await?;
        Ok(Self {
            connection: Arc::new(Mutex::new(connection)),
            path,
            retention: DEFAULT_RETENTION,
        })
    }

    /// How long done records are kept before [`cleanup`](DeliveryStore::cleanup) deletes them
    /// ([`DEFAULT_RETENTION`]).
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Syncs every write to disk (`synchronous = FULL`), so that not even a power loss forgets
    /// a done record.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when SQLite refuses the setting.
    pub async fn durable(self) -> Result<Self, StoreError> {
        self.run(|connection| connection.execute_batch("PRAGMA synchronous = FULL;")).await?;
        Ok(self)
    }

    /// The file it is in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `work` on the connection on tokio's blocking threads: SQLite calls block.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = Arc::clone(&self.connection);
        blocking(move || {
            // A panic cannot happen while the lock is held (the queries return errors), and
            // SQLite's own transactions keep the file consistent if one ever did.
            let mut connection = connection.lock().unwrap_or_else(PoisonError::into_inner);
            work(&mut connection)
        })
        .await
    }

    /// Runs a statement guarded by the lease, and says whether the lease still held.
    async fn guarded(
        &self,
        lease: &Lease,
        statement: impl FnOnce(&mut Connection, &str, i64) -> rusqlite::Result<usize> + Send + 'static,
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

/// Runs blocking SQLite work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, StoreError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(StoreError::Unavailable(Box::new(error))),
        Err(error) => Err(StoreError::Unavailable(Box::new(error) as BoxError)),
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
        // One IMMEDIATE transaction takes SQLite's write lock first, so the claim and the read
        // that explains a refusal see the same row, even with other processes on the file.
        let found = self
            .run(move |connection| {
                let transaction =
                    connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let claimed = transaction
                    .prepare_cached(sql::CLAIM)?
                    .query_row(params![owned_key.as_str(), lease_ms, event_type], |row| {
                        row.get::<_, i64>(0)
                    })
                    .optional()?;
                let found = match claimed {
                    Some(attempts) => Ok(attempts),
                    None => Err(transaction
                        .prepare_cached(sql::STATE)?
                        .query_row(params![owned_key.as_str()], |row| {
                            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                        })
                        .optional()?),
                };
                transaction.commit()?;
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
        match claimed {
            None => Ok(None),
            Some((attempts, Some(body))) => Ok(Some(KeptDelivery {
                lease: Lease { key: key.clone(), attempt: attempt(attempts), duration: lease },
                body,
            })),
            Some((_, None)) => {
                Err(StoreError::Corrupt(format!("quarantined delivery {key} has no body")))
            }
        }
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
