//! [`SqliteStore`]: deliveries kept in an SQLite file.

mod writer;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::types::ToSql;
use rusqlite::{Connection, OptionalExtension, Row, params};

use self::writer::Writer;
use super::fragment;
use super::{
    Arrival, AttemptOutcome, AttemptRecord, BoxFuture, Claim, Cleanup, DEFAULT_RETENTION,
    DeadLetter, DeliveryRecord, DeliveryStore, DeliverySummary, Failed, Filter, HourCount,
    KeptDelivery, Lease, Page, StartedBy, State, StateCounts, StoreError,
};
use crate::key::DeliveryKey;

/// The statements, one file each, named after the transition it performs (see
/// [`lifecycle`](super::lifecycle)), with the invariant it keeps in its comment.
mod sql {
    pub(super) const SCHEMA: &str = include_str!("sqlite/schema.sql");
    pub(super) const UPGRADE_V1: &str = include_str!("sqlite/upgrade_v1.sql");
    pub(super) const UPGRADE_V1_COPY: &str = include_str!("sqlite/upgrade_v1_copy.sql");
    pub(super) const CLAIM: &str = include_str!("sqlite/claim.sql");
    pub(super) const STATE: &str = include_str!("sqlite/state.sql");
    pub(super) const RENEW: &str = include_str!("sqlite/renew.sql");
    pub(super) const COMPLETE: &str = include_str!("sqlite/complete.sql");
    pub(super) const FAIL: &str = include_str!("sqlite/fail.sql");
    pub(super) const QUARANTINE: &str = include_str!("sqlite/quarantine.sql");
    pub(super) const RELEASE: &str = include_str!("sqlite/release.sql");
    pub(super) const CLAIM_DUE: &str = include_str!("sqlite/claim_due.sql");
    pub(super) const BURY_ABANDONED: &str = include_str!("sqlite/bury_abandoned.sql");
    pub(super) const CLEANUP: &str = include_str!("sqlite/cleanup.sql");
    pub(super) const DROP_DONE_BODIES: &str = include_str!("sqlite/drop_done_bodies.sql");
    pub(super) const SUMMARY: &str = include_str!("sqlite/summary.sql");
    pub(super) const FILTER: &str = include_str!("sqlite/filter.sql");
    pub(super) const GET: &str = include_str!("sqlite/get.sql");
    pub(super) const LIST: &str = include_str!("sqlite/list.sql");
    pub(super) const COUNT: &str = include_str!("sqlite/count.sql");
    pub(super) const COUNTS: &str = include_str!("sqlite/counts.sql");
    pub(super) const OLDEST_DUE: &str = include_str!("sqlite/oldest_due.sql");
    pub(super) const RETRY: &str = include_str!("sqlite/retry.sql");
    pub(super) const REPLAY: &str = include_str!("sqlite/replay.sql");
    pub(super) const DISCARD: &str = include_str!("sqlite/discard.sql");
    pub(super) const RECORD_ATTEMPT: &str = include_str!("sqlite/record_attempt.sql");
    pub(super) const ATTEMPTS: &str = include_str!("sqlite/attempts.sql");
    pub(super) const CLEANUP_ATTEMPTS: &str = include_str!("sqlite/cleanup_attempts.sql");
    pub(super) const PER_HOUR: &str = include_str!("sqlite/per_hour.sql");
}

/// The statements that read a summary or take a filter, with `summary.sql` and `filter.sql`
/// put in their place.
struct Queries {
    get: String,
    list: String,
    count: String,
    retry: String,
    replay: String,
    discard: String,
}

static QUERIES: LazyLock<Queries> = LazyLock::new(|| {
    let fill = |statement: &str| {
        statement
            .replace("{summary}", &fragment(sql::SUMMARY))
            .replace("{filter}", &fragment(sql::FILTER))
    };
    Queries {
        get: fill(sql::GET),
        list: fill(sql::LIST),
        count: fill(sql::COUNT),
        retry: fill(sql::RETRY),
        replay: fill(sql::REPLAY),
        discard: fill(sql::DISCARD),
    }
});

/// How long a statement waits for another process's write to finish before it gives up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// SQLite 저장소 — A [`DeliveryStore`] in an SQLite file (feature `sqlite`; SQLite is compiled
/// in, so nothing needs installing): the embedded choice for one instance that must survive
/// restarts.
///
/// Every record and every kept body is in the file, so a restart forgets nothing: the worker
/// of the restarted process runs what was due, and takes over what its predecessor was running
/// once those leases expire. Several processes on one host may share the file (SQLite's
/// write-ahead log, which is why it must not sit on a network file system); for several hosts,
/// use [`PostgresStore`](super::PostgresStore).
///
/// The table, `steppay_deliveries`, is created by [`SqliteStore::open`] (a table an earlier
/// version made is upgraded in place, every record kept); its definition is in
/// `src/store/sqlite/schema.sql`. Leases and due times are measured with SQLite's own clock
/// (`unixepoch('subsec')`).
///
/// One thread of its own owns the connection and commits in batches: every operation waiting
/// when a transaction starts (up to 128) shares it, and each is answered once its transaction
/// committed. Concurrent deliveries thus share commits instead of queueing for one each.
///
/// The file is written with `synchronous = NORMAL` in WAL mode: a commit survives the process
/// crashing, and at worst the last commits before a power loss are lost. A claim that must be on
/// disk before a receiver answers `2xx` ([`Arrival::durable`], accept-first) is synced as
/// `synchronous = FULL` syncs every commit; [`SqliteStore::durable`] syncs every commit.
pub struct SqliteStore {
    writer: Writer,
    path: PathBuf,
    retention: Duration,
    keep_done_bodies: Duration,
}

impl SqliteStore {
    /// Opens (or creates) the store in the file at `path`, and creates or upgrades its table.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the file cannot be opened, is not a database, or its
    /// table cannot be created or upgraded.
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
            migrate(&connection)?;
            Ok::<_, rusqlite::Error>(connection)
        })
        .await
        .map_err(|error| StoreError::Unavailable(Box::new(error)))?
        .map_err(|error| StoreError::Unavailable(Box::new(error)))?;
        Ok(Self {
            writer: Writer::start(connection)?,
            path,
            retention: DEFAULT_RETENTION,
            keep_done_bodies: Duration::ZERO,
        })
    }

    /// How long done and discarded records are kept before [`cleanup`](DeliveryStore::cleanup)
    /// deletes them ([`DEFAULT_RETENTION`]).
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    /// Keeps the bodies of done deliveries this long (none by default), so that they can be
    /// [replayed](DeliveryStore::replay) after a handler's bug is fixed. They hold personal
    /// data: keep them no longer than you need.
    #[must_use]
    pub fn keep_done_bodies(mut self, time: Duration) -> Self {
        self.keep_done_bodies = time;
        self
    }

    /// Syncs every commit to disk (`synchronous = FULL`), so that not even a power loss forgets
    /// a record. Commits are batched (see the type's docs), so this costs one sync per batch
    /// rather than per delivery.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when SQLite refuses the setting.
    pub async fn durable(self) -> Result<Self, StoreError> {
        self.writer.sync_every_commit().await?;
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
        self.writer.run(false, work).await
    }

    /// Runs a statement guarded by the lease, and says whether the lease still held.
    async fn guarded<T: Send + 'static>(
        &self,
        lease: &Lease,
        statement: impl FnOnce(&Connection, &str, i64) -> rusqlite::Result<Option<T>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let key = lease.key.as_str().to_owned();
        let attempt = i64::from(lease.attempt);
        match self.run(move |connection| statement(connection, &key, attempt)).await? {
            Some(value) => Ok(value),
            None => Err(StoreError::LeaseLost { key: lease.key.clone(), attempt: lease.attempt }),
        }
    }

    /// Runs a bulk statement of the operators' over the deliveries `filter` matches; returns
    /// how many rows it changed (or counted, for `count.sql`).
    async fn with_filter(
        &self,
        statement: &'static str,
        filter: &Filter,
        extra: Option<String>,
        counting: bool,
    ) -> Result<u64, StoreError> {
        let params = FilterParams::of(filter);
        let changed = self
            .run(move |connection| {
                let mut statement = connection.prepare_cached(statement)?;
                let mut values = params.values();
                if let Some(extra) = &extra {
                    values.push(extra);
                }
                if counting {
                    statement.query_row(values.as_slice(), |row| row.get::<_, i64>(0))
                } else {
                    statement.execute(values.as_slice()).map(|n| i64::try_from(n).unwrap_or(0))
                }
            })
            .await?;
        Ok(u64::try_from(changed).unwrap_or(0))
    }
}

/// Creates the table, upgrading a table of schema version 1 first, in one transaction that
/// holds the write lock, so that processes opening the file together do not race.
fn migrate(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch("BEGIN IMMEDIATE")?;
    let result = (|| {
        let version_1: bool = connection.query_row(
            "SELECT count(*) > 0 FROM pragma_table_info('steppay_deliveries') \
             WHERE name = 'lease_until_ms'",
            [],
            |row| row.get(0),
        )?;
        if version_1 {
            connection.execute_batch(sql::UPGRADE_V1)?;
            connection.execute_batch(sql::SCHEMA)?;
            connection.execute_batch(sql::UPGRADE_V1_COPY)
        } else {
            connection.execute_batch(sql::SCHEMA)
        }
    })();
    match result {
        Ok(()) => connection.execute_batch("COMMIT"),
        Err(error) => {
            let _ = connection.execute_batch("ROLLBACK");
            Err(error)
        }
    }
}

/// A filter's parts as `filter.sql` takes them (`?1` to `?9`).
struct FilterParams {
    key: Option<String>,
    subject: Option<String>,
    states: Option<String>,
    event_types: Option<String>,
    since: Option<i64>,
    before: Option<i64>,
    min_attempts: Option<i64>,
    has_body: Option<bool>,
    key_prefix: Option<String>,
}

impl FilterParams {
    fn of(filter: &Filter) -> Self {
        let json = |names: Vec<&str>| serde_json::to_string(&names).ok();
        Self {
            key: filter.key.as_ref().map(|key| key.as_str().to_owned()),
            subject: filter.subject.clone(),
            states: (!filter.states.is_empty())
                .then(|| json(filter.states.iter().map(|s| s.as_str()).collect()))
                .flatten(),
            event_types: (!filter.event_types.is_empty())
                .then(|| json(filter.event_types.iter().map(String::as_str).collect()))
                .flatten(),
            since: filter.received_since.map(epoch_millis),
            before: filter.received_before.map(epoch_millis),
            min_attempts: filter.min_attempts.map(i64::from),
            has_body: filter.has_body,
            key_prefix: filter.key_prefix.clone(),
        }
    }

    fn values(&self) -> Vec<&dyn ToSql> {
        vec![
            &self.key,
            &self.states,
            &self.event_types,
            &self.since,
            &self.before,
            &self.min_attempts,
            &self.subject,
            &self.has_body,
            &self.key_prefix,
        ]
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

/// A time as milliseconds since the Unix epoch.
fn epoch_millis(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH).map_or(0, millis)
}

/// A time from milliseconds since the Unix epoch.
fn time(millis: i64) -> SystemTime {
    UNIX_EPOCH + duration(millis)
}

/// An attempt number read from the table.
fn attempt(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The columns of `summary.sql`, as read before they are checked.
struct SummaryRow {
    key: String,
    state: String,
    event_type: Option<String>,
    subject: Option<String>,
    attempts: i64,
    created_ms: i64,
    updated_ms: i64,
    due_ms: Option<i64>,
    last_outcome: Option<String>,
    reason: Option<String>,
    has_body: bool,
}

impl SummaryRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            key: row.get(0)?,
            state: row.get(1)?,
            event_type: row.get(2)?,
            subject: row.get(3)?,
            attempts: row.get(4)?,
            created_ms: row.get(5)?,
            updated_ms: row.get(6)?,
            due_ms: row.get(7)?,
            last_outcome: row.get(8)?,
            reason: row.get(9)?,
            has_body: row.get(10)?,
        })
    }

    fn summary(self) -> Result<DeliverySummary, StoreError> {
        let key = DeliveryKey::new(self.key);
        let state = self.state.parse::<State>().map_err(|_| corrupt_state(&key, &self.state))?;
        Ok(DeliverySummary {
            state,
            event_type: self.event_type,
            subject: self.subject,
            attempts: attempt(self.attempts),
            received_at: time(self.created_ms),
            updated_at: time(self.updated_ms),
            due_at: self.due_ms.map(time),
            last_outcome: self.last_outcome.as_deref().and_then(AttemptOutcome::from_name),
            reason: self.reason,
            has_body: self.has_body,
            key,
        })
    }
}

/// One row of `attempts.sql`, as read before it is checked.
struct AttemptRow {
    attempt: i64,
    started_ms: i64,
    duration_ms: i64,
    outcome: String,
    started_by: String,
    note: Option<String>,
}

impl AttemptRow {
    fn read(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            attempt: row.get(0)?,
            started_ms: row.get(1)?,
            duration_ms: row.get(2)?,
            outcome: row.get(3)?,
            started_by: row.get(4)?,
            note: row.get(5)?,
        })
    }

    fn record(self) -> Result<AttemptRecord, StoreError> {
        let unknown = |what: &str, name: &str| {
            StoreError::Corrupt(format!("an attempt has the {what} `{name}`"))
        };
        let outcome = AttemptOutcome::from_name(&self.outcome)
            .ok_or_else(|| unknown("outcome", &self.outcome))?;
        let started_by = StartedBy::from_name(&self.started_by)
            .ok_or_else(|| unknown("starter", &self.started_by))?;
        let record = AttemptRecord::new(
            attempt(self.attempt),
            time(self.started_ms),
            duration(self.duration_ms),
            outcome,
            started_by,
        );
        Ok(record.note(self.note))
    }
}

/// Adds `run` to the history of `key` (record_attempt.sql).
fn record_attempt(connection: &Connection, key: &str, run: &AttemptRecord) -> rusqlite::Result<()> {
    connection.prepare_cached(sql::RECORD_ATTEMPT)?.execute(params![
        key,
        run.attempt,
        epoch_millis(run.started_at),
        millis(run.duration),
        run.outcome.as_str(),
        run.started_by.as_str(),
        run.note,
    ])?;
    Ok(())
}

fn corrupt_state(key: &DeliveryKey, state: &str) -> StoreError {
    StoreError::Corrupt(format!("delivery {key} is in state `{state}`"))
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("retention", &self.retention)
            .field("keep_done_bodies", &self.keep_done_bodies)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    async fn claim_now(&self, arrival: &Arrival<'_>, lease: Duration) -> Result<Claim, StoreError> {
        let key = arrival.key.clone();
        let event_type = arrival.event_type.map(str::to_owned);
        let subject = arrival.subject.map(str::to_owned);
        let body = arrival.body.to_vec();
        let lease_ms = millis(lease);
        // The claim and the read that explains a refusal run in one transaction (the batch's),
        // so they see the same row.
        let found = self
            .writer
            .run(arrival.durable, move |connection| {
                let claimed = connection
                    .prepare_cached(sql::CLAIM)?
                    .query_row(params![key.as_str(), lease_ms, event_type, body, subject], |row| {
                        row.get::<_, i64>(0)
                    })
                    .optional()?;
                let found = match claimed {
                    Some(attempts) => Ok(attempts),
                    None => Err(connection
                        .prepare_cached(sql::STATE)?
                        .query_row(params![key.as_str()], |row| {
                            Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
                        })
                        .optional()?),
                };
                Ok(found)
            })
            .await?;
        let key = arrival.key.clone();
        match found {
            Ok(attempts) => {
                let lease = Lease::new(key, attempt(attempts), lease);
                Ok(Claim::Acquired(lease.claim_on_disk(arrival.durable)))
            }
            Err(Some((state, left_ms))) => match state.parse::<State>() {
                Ok(State::Done) => Ok(Claim::Done),
                Ok(State::Discarded) => Ok(Claim::Discarded),
                Ok(State::Quarantined) => Ok(Claim::Quarantined),
                Ok(State::Processing) => Ok(Claim::InProgress { retry_after: duration(left_ms) }),
                _ => Err(corrupt_state(&key, &state)),
            },
            // The insert cannot be refused without a row to conflict with.
            Err(None) => {
                Err(StoreError::Corrupt(format!("delivery {key} was neither claimed nor found")))
            }
        }
    }

    async fn fail_now(
        &self,
        lease: &Lease,
        run: &AttemptRecord,
        retry_in: Option<Duration>,
    ) -> Result<Failed, StoreError> {
        let retry_ms = retry_in.map(millis);
        let run = run.clone();
        let (state, first) = self
            .guarded(lease, move |connection, key, attempt| {
                let failed = connection
                    .prepare_cached(sql::FAIL)?
                    .query_row(params![key, attempt, run.outcome.as_str(), retry_ms], |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, bool>(1)?))
                    })
                    .optional()?;
                if failed.is_some() {
                    record_attempt(connection, key, &run)?;
                }
                Ok(failed)
            })
            .await?;
        Ok(if state == "dead" { Failed::Dead { first } } else { Failed::WillRetry })
    }

    async fn claim_due_now(
        &self,
        limit: usize,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Vec<KeptDelivery>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let lease_ms = millis(lease);
        let rows = self
            .run(move |connection| {
                let mut statement = connection.prepare_cached(sql::CLAIM_DUE)?;
                let rows = statement.query_map(params![limit, lease_ms, max_attempts], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, Option<String>>(2)?,
                        row.get::<_, Vec<u8>>(3)?,
                    ))
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(key, attempts, event_type, body)| {
                let lease =
                    Lease::new(DeliveryKey::new(key), attempt(attempts), lease).claim_on_disk(true);
                KeptDelivery::new(lease, event_type, body)
            })
            .collect())
    }

    async fn bury_now(&self, max_attempts: u32) -> Result<Vec<DeadLetter>, StoreError> {
        let rows = self
            .run(move |connection| {
                let mut statement = connection.prepare_cached(sql::BURY_ABANDONED)?;
                let rows = statement.query_map(params![max_attempts], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, Option<String>>(1)?,
                        row.get::<_, i64>(2)?,
                        row.get::<_, bool>(3)?,
                    ))
                })?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, _, first)| *first)
            .map(|(key, event_type, attempts, _)| DeadLetter {
                key: DeliveryKey::new(key),
                event_type,
                attempts: attempt(attempts),
                last_outcome: AttemptOutcome::Abandoned,
            })
            .collect())
    }

    async fn cleanup_now(&self) -> Result<Cleanup, StoreError> {
        let retention_ms = millis(self.retention);
        let keep_ms = millis(self.keep_done_bodies);
        let (deleted, dropped) = self
            .run(move |connection| {
                connection.prepare_cached(sql::CLEANUP_ATTEMPTS)?.execute(params![retention_ms])?;
                let deleted =
                    connection.prepare_cached(sql::CLEANUP)?.execute(params![retention_ms])?;
                let dropped =
                    connection.prepare_cached(sql::DROP_DONE_BODIES)?.execute(params![keep_ms])?;
                Ok((deleted, dropped))
            })
            .await?;
        Ok(Cleanup {
            deleted: u64::try_from(deleted).unwrap_or(u64::MAX),
            bodies_dropped: u64::try_from(dropped).unwrap_or(u64::MAX),
        })
    }

    async fn get_now(&self, key: &DeliveryKey) -> Result<Option<DeliveryRecord>, StoreError> {
        let owned = key.as_str().to_owned();
        let found = self
            .run(move |connection| {
                let row = connection
                    .prepare_cached(&QUERIES.get)?
                    .query_row(params![owned], |row| {
                        Ok((SummaryRow::read(row)?, row.get::<_, Option<Vec<u8>>>(11)?))
                    })
                    .optional()?;
                let Some(row) = row else { return Ok(None) };
                let mut statement = connection.prepare_cached(sql::ATTEMPTS)?;
                let attempts = statement
                    .query_map(params![owned], AttemptRow::read)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(Some((row, attempts)))
            })
            .await?;
        let Some(((summary, body), attempts)) = found else { return Ok(None) };
        let attempts = attempts.into_iter().map(AttemptRow::record).collect::<Result<_, _>>()?;
        Ok(Some(DeliveryRecord::new(summary.summary()?, body, attempts)))
    }

    async fn list_now(
        &self,
        filter: &Filter,
        page: &Page,
    ) -> Result<Vec<DeliverySummary>, StoreError> {
        let params = FilterParams::of(filter);
        let after_ms = page.after.as_ref().map(|cursor| epoch_millis(cursor.received_at));
        let after_key = page.after.as_ref().map(|cursor| cursor.key.as_str().to_owned());
        let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
        let rows = self
            .run(move |connection| {
                let mut statement = connection.prepare_cached(&QUERIES.list)?;
                let mut values = params.values();
                values.extend([&after_ms as &dyn ToSql, &after_key, &limit]);
                let rows = statement.query_map(values.as_slice(), SummaryRow::read)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        rows.into_iter().map(SummaryRow::summary).collect()
    }

    async fn counts_now(&self) -> Result<StateCounts, StoreError> {
        let (rows, oldest) = self
            .run(|connection| {
                let mut statement = connection.prepare_cached(sql::COUNTS)?;
                let rows = statement
                    .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let oldest = connection
                    .prepare_cached(sql::OLDEST_DUE)?
                    .query_row([], |row| row.get::<_, Option<i64>>(0))?;
                Ok((rows, oldest))
            })
            .await?;
        let mut counts = StateCounts { oldest_due: oldest.map(duration), ..StateCounts::default() };
        for (state, count) in rows {
            let state =
                state.parse::<State>().map_err(|error| StoreError::Corrupt(error.to_string()))?;
            counts.by_state.insert(state, u64::try_from(count).unwrap_or(0));
        }
        Ok(counts)
    }
}

impl DeliveryStore for SqliteStore {
    fn claim<'a>(
        &'a self,
        arrival: &'a Arrival<'a>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        Box::pin(self.claim_now(arrival, lease))
    }

    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        let lease_ms = millis(lease.duration);
        Box::pin(self.guarded(lease, move |connection, key, attempt| {
            let changed =
                connection.prepare_cached(sql::RENEW)?.execute(params![key, attempt, lease_ms])?;
            Ok((changed > 0).then_some(()))
        }))
    }

    fn complete<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let keep = !self.keep_done_bodies.is_zero();
        let run = run.clone();
        Box::pin(self.guarded(lease, move |connection, key, attempt| {
            let changed =
                connection.prepare_cached(sql::COMPLETE)?.execute(params![key, attempt, keep])?;
            if changed == 0 {
                return Ok(None);
            }
            record_attempt(connection, key, &run)?;
            Ok(Some(()))
        }))
    }

    fn fail<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
        retry_in: Option<Duration>,
    ) -> BoxFuture<'a, Result<Failed, StoreError>> {
        Box::pin(self.fail_now(lease, run, retry_in))
    }

    fn quarantine<'a>(
        &'a self,
        lease: &'a Lease,
        reason: &'a str,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let reason = reason.to_owned();
        let run = run.clone();
        Box::pin(self.guarded(lease, move |connection, key, attempt| {
            let changed = connection
                .prepare_cached(sql::QUARANTINE)?
                .execute(params![key, attempt, reason])?;
            if changed == 0 {
                return Ok(None);
            }
            record_attempt(connection, key, &run)?;
            Ok(Some(()))
        }))
    }

    fn record_attempt<'a>(
        &'a self,
        key: &'a DeliveryKey,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        let key = key.as_str().to_owned();
        let run = run.clone();
        Box::pin(self.run(move |connection| record_attempt(connection, &key, &run)))
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.guarded(lease, move |connection, key, attempt| {
            let changed =
                connection.prepare_cached(sql::RELEASE)?.execute(params![key, attempt])?;
            Ok((changed > 0).then_some(()))
        }))
    }

    fn claim_due(
        &self,
        limit: usize,
        lease: Duration,
        max_attempts: u32,
    ) -> BoxFuture<'_, Result<Vec<KeptDelivery>, StoreError>> {
        Box::pin(self.claim_due_now(limit, lease, max_attempts))
    }

    fn bury_abandoned(
        &self,
        max_attempts: u32,
    ) -> BoxFuture<'_, Result<Vec<DeadLetter>, StoreError>> {
        Box::pin(self.bury_now(max_attempts))
    }

    fn cleanup(&self) -> BoxFuture<'_, Result<Cleanup, StoreError>> {
        Box::pin(self.cleanup_now())
    }

    fn get<'a>(
        &'a self,
        key: &'a DeliveryKey,
    ) -> BoxFuture<'a, Result<Option<DeliveryRecord>, StoreError>> {
        Box::pin(self.get_now(key))
    }

    fn list<'a>(
        &'a self,
        filter: &'a Filter,
        page: &'a Page,
    ) -> BoxFuture<'a, Result<Vec<DeliverySummary>, StoreError>> {
        Box::pin(self.list_now(filter, page))
    }

    fn count<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.with_filter(&QUERIES.count, filter, None, true))
    }

    fn counts(&self) -> BoxFuture<'_, Result<StateCounts, StoreError>> {
        Box::pin(self.counts_now())
    }

    fn per_hour(&self, since: SystemTime) -> BoxFuture<'_, Result<Vec<HourCount>, StoreError>> {
        let since_ms = epoch_millis(since);
        Box::pin(async move {
            let rows = self
                .run(move |connection| {
                    let mut statement = connection.prepare_cached(sql::PER_HOUR)?;
                    let rows = statement.query_map(params![since_ms], |row| {
                        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, i64>(2)?))
                    })?;
                    rows.collect::<rusqlite::Result<Vec<_>>>()
                })
                .await?;
            rows.into_iter()
                .map(|(hour, state, count)| {
                    let state = state
                        .parse::<State>()
                        .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                    Ok(HourCount::new(time(hour), state, u64::try_from(count).unwrap_or(0)))
                })
                .collect()
        })
    }

    fn retry<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.with_filter(&QUERIES.retry, filter, None, false))
    }

    fn replay<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.with_filter(&QUERIES.replay, filter, None, false))
    }

    fn discard<'a>(
        &'a self,
        filter: &'a Filter,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.with_filter(&QUERIES.discard, filter, Some(reason.to_owned()), false))
    }

    fn remembers_for(&self) -> Option<Duration> {
        Some(self.retention)
    }
}
