//! [`PostgresStore`]: deliveries kept in a PostgreSQL table shared by every instance.

use std::fmt;
use std::future::Future;
use std::time::{Duration, SystemTime};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use super::{
    Arrival, AttemptOutcome, AttemptRecord, BoxError, BoxFuture, Claim, Cleanup, DEFAULT_RETENTION,
    DeadLetter, DeliveryRecord, DeliveryStore, DeliverySummary, Failed, Filter, HourCount,
    KeptDelivery, Lease, Page, StartedBy, State, StateCounts, StoreError, fragment,
};
use crate::key::DeliveryKey;

/// The statements, one file each, named after the transition it performs (see
/// [`lifecycle`](super::lifecycle)), with the invariant it keeps in its comment. `{table}` and
/// the other names in braces are replaced by quoted identifiers when the store is made.
mod sql {
    pub(super) const SCHEMA: &str = include_str!("postgres/schema.sql");
    pub(super) const UPGRADE_V1: &str = include_str!("postgres/upgrade_v1.sql");
    pub(super) const CLAIM: &str = include_str!("postgres/claim.sql");
    pub(super) const STATE: &str = include_str!("postgres/state.sql");
    pub(super) const RENEW: &str = include_str!("postgres/renew.sql");
    pub(super) const COMPLETE: &str = include_str!("postgres/complete.sql");
    pub(super) const FAIL: &str = include_str!("postgres/fail.sql");
    pub(super) const QUARANTINE: &str = include_str!("postgres/quarantine.sql");
    pub(super) const RELEASE: &str = include_str!("postgres/release.sql");
    pub(super) const CLAIM_DUE: &str = include_str!("postgres/claim_due.sql");
    pub(super) const BURY_ABANDONED: &str = include_str!("postgres/bury_abandoned.sql");
    pub(super) const CLEANUP: &str = include_str!("postgres/cleanup.sql");
    pub(super) const DROP_DONE_BODIES: &str = include_str!("postgres/drop_done_bodies.sql");
    pub(super) const SUMMARY: &str = include_str!("postgres/summary.sql");
    pub(super) const FILTER: &str = include_str!("postgres/filter.sql");
    pub(super) const GET: &str = include_str!("postgres/get.sql");
    pub(super) const LIST: &str = include_str!("postgres/list.sql");
    pub(super) const COUNT: &str = include_str!("postgres/count.sql");
    pub(super) const COUNTS: &str = include_str!("postgres/counts.sql");
    pub(super) const OLDEST_DUE: &str = include_str!("postgres/oldest_due.sql");
    pub(super) const RETRY: &str = include_str!("postgres/retry.sql");
    pub(super) const REPLAY: &str = include_str!("postgres/replay.sql");
    pub(super) const DISCARD: &str = include_str!("postgres/discard.sql");
    pub(super) const RECORD_ATTEMPT: &str = include_str!("postgres/record_attempt.sql");
    pub(super) const ATTEMPTS: &str = include_str!("postgres/attempts.sql");
    pub(super) const PER_HOUR: &str = include_str!("postgres/per_hour.sql");
}

/// The table used unless [`PostgresStore::table`] names another.
pub const DEFAULT_POSTGRES_TABLE: &str = "steppay_deliveries";

/// How long one store operation may take, waiting for a connection included, before the
/// receiver gives up and answers `503`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// How many connections the pool of [`PostgresStore::connect`] opens at most.
const POOL_SIZE: usize = 16;

/// How many times a claim is tried when the row changes between the claim and the read of its
/// state (it finished, failed, or was cleaned up in between).
const CLAIM_TRIES: usize = 5;

/// PostgreSQL 저장소 — A [`DeliveryStore`] in a PostgreSQL table (feature `postgres`), shared by
/// any number of receiver instances: the store to run behind a load balancer.
///
/// A claim is one `INSERT … ON CONFLICT … DO UPDATE … WHERE` statement, which PostgreSQL makes
/// atomic, so of two instances that receive the same delivery at once, one handles it and the
/// other answers `503` with `Retry-After`. The workers of every instance take due deliveries
/// with `FOR UPDATE SKIP LOCKED`, so each goes to one of them and none waits for another's.
/// Leases and due times are measured with the database server's clock (`now()`), never the
/// instances'.
///
/// [`PostgresStore::connect`] creates the table (`steppay_deliveries`, or the one named with
/// [`PostgresStore::table`]) if needed, and upgrades one an earlier version made, every record
/// kept; its definition is in `src/store/postgres/schema.sql`.
/// Connections come from a [deadpool](https://docs.rs/deadpool-postgres) pool; bring your own
/// (with TLS, say) through [`PostgresStore::from_pool`]. The pool prepares its statements, which
/// PgBouncer in transaction mode supports only from version 1.21.
///
/// When the database cannot be reached, every operation fails within its timeout (5 s) with
/// [`StoreError::Unavailable`], and the receiver answers `503` without calling the handler.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    table: String,
    queries: Queries,
    retention: Duration,
    keep_done_bodies: Duration,
    timeout: Duration,
}

/// The queries with the table's name in them.
#[derive(Debug, Clone)]
struct Queries {
    claim: String,
    state: String,
    renew: String,
    complete: String,
    fail: String,
    quarantine: String,
    release: String,
    claim_due: String,
    bury_abandoned: String,
    cleanup: String,
    drop_done_bodies: String,
    get: String,
    list: String,
    count: String,
    counts: String,
    oldest_due: String,
    retry: String,
    replay: String,
    discard: String,
    record_attempt: String,
    attempts: String,
    per_hour: String,
}

impl PostgresStore {
    /// Connects with a libpq-style connection string (`host=127.0.0.1 user=app dbname=app` or
    /// `postgresql://app@127.0.0.1/app`), without TLS, and creates the table if needed.
    ///
    /// # Errors
    ///
    /// [`StoreError::Config`] for a malformed connection string; [`StoreError::Unavailable`] when
    /// the database cannot be reached or the table cannot be created.
    pub async fn connect(config: &str) -> Result<Self, StoreError> {
        Self::connect_with_table(config, DEFAULT_POSTGRES_TABLE).await
    }

    /// Connects as [`PostgresStore::connect`] does, keeping the records in `table` (`name` or
    /// `schema.name`, as [`PostgresStore::in_table`] takes it).
    ///
    /// # Errors
    ///
    /// As [`PostgresStore::connect`], and [`StoreError::Config`] for a table name it does not
    /// take.
    pub async fn connect_with_table(config: &str, table: &str) -> Result<Self, StoreError> {
        let mut config: tokio_postgres::Config = config.parse().map_err(|error| {
            StoreError::Config(format!("PostgreSQL connection string: {error}"))
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(DEFAULT_TIMEOUT);
        }
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let timeouts = Timeouts {
            wait: Some(DEFAULT_TIMEOUT),
            create: Some(DEFAULT_TIMEOUT),
            recycle: Some(DEFAULT_TIMEOUT),
        };
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(Runtime::Tokio1)
            .timeouts(timeouts)
            .build()
            .map_err(|error| StoreError::Config(format!("PostgreSQL pool: {error}")))?;
        Self::in_table(pool, table).await
    }

    /// A store over a pool of your own, in the table `steppay_deliveries`, which it creates if
    /// needed.
    ///
    /// # Errors
    ///
    /// [`StoreError::Unavailable`] when the table cannot be created.
    pub async fn from_pool(pool: Pool) -> Result<Self, StoreError> {
        Self::in_table(pool, DEFAULT_POSTGRES_TABLE).await
    }

    /// A store over `pool` in the table `table` (`name` or `schema.name`; letters, digits and
    /// `_`), which it creates, with its schema, if needed.
    ///
    /// # Errors
    ///
    /// [`StoreError::Config`] when `table` is not such a name; [`StoreError::Unavailable`] when
    /// it cannot be created.
    pub async fn in_table(pool: Pool, table: &str) -> Result<Self, StoreError> {
        let (schema, name) = match table.split_once('.') {
            Some((schema, name)) => (Some(identifier(schema)?), identifier(name)?),
            None => (None, identifier(table)?),
        };
        let quoted = match &schema {
            Some(schema) => format!("\"{schema}\".\"{name}\""),
            None => format!("\"{name}\""),
        };
        let attempts_table = match &schema {
            Some(schema) => format!("\"{schema}\".\"{name}_attempts\""),
            None => format!("\"{name}_attempts\""),
        };
        let names = [
            ("{table_literal}", quoted.clone()),
            ("{table}", quoted.clone()),
            ("{attempts}", attempts_table),
            ("{state_check}", format!("\"{name}_state_check\"")),
            ("{index_state}", format!("\"{name}_state_updated\"")),
            ("{index_received}", format!("\"{name}_received\"")),
            ("{index_subject}", format!("\"{name}_subject\"")),
            ("{summary}", fragment(sql::SUMMARY)),
            ("{filter}", fragment(sql::FILTER)),
        ];
        let fill = |query: &str| {
            names.iter().fold(query.to_owned(), |query, (name, value)| query.replace(name, value))
        };
        let queries = Queries {
            claim: fill(sql::CLAIM),
            state: fill(sql::STATE),
            renew: fill(sql::RENEW),
            complete: fill(sql::COMPLETE),
            fail: fill(sql::FAIL),
            quarantine: fill(sql::QUARANTINE),
            release: fill(sql::RELEASE),
            claim_due: fill(sql::CLAIM_DUE),
            bury_abandoned: fill(sql::BURY_ABANDONED),
            cleanup: fill(sql::CLEANUP),
            drop_done_bodies: fill(sql::DROP_DONE_BODIES),
            get: fill(sql::GET),
            list: fill(sql::LIST),
            count: fill(sql::COUNT),
            counts: fill(sql::COUNTS),
            oldest_due: fill(sql::OLDEST_DUE),
            retry: fill(sql::RETRY),
            replay: fill(sql::REPLAY),
            discard: fill(sql::DISCARD),
            record_attempt: fill(sql::RECORD_ATTEMPT),
            attempts: fill(sql::ATTEMPTS),
            per_hour: fill(sql::PER_HOUR),
        };
        let store = Self {
            pool,
            table: table.to_owned(),
            queries,
            retention: DEFAULT_RETENTION,
            keep_done_bodies: Duration::ZERO,
            timeout: DEFAULT_TIMEOUT,
        };
        let create_schema = match &schema {
            Some(schema) => format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\";\n"),
            None => String::new(),
        };
        let schema_sql = format!("{create_schema}{}\n{}", fill(sql::UPGRADE_V1), fill(sql::SCHEMA));
        store.migrate(&schema_sql).await?;
        Ok(store)
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

    /// How long one operation may take, waiting for a connection included (5 s by default).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The table it keeps its records in, as given.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// The pool it draws connections from.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Creates the table in one transaction under an advisory lock keyed by the table's name, so
    /// that instances starting together do not race on `CREATE … IF NOT EXISTS`.
    async fn migrate(&self, schema_sql: &str) -> Result<(), StoreError> {
        self.bounded(async {
            let mut client = self.pool.get().await?;
            let transaction = client.transaction().await?;
            let lock_key = format!("steppay-webhooks:{}", self.table);
            transaction.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&lock_key]).await?;
            transaction.batch_execute(schema_sql).await?;
            transaction.commit().await?;
            Ok(())
        })
        .await
    }

    /// Runs `operation` within the store's timeout, as one [`StoreError::Unavailable`] on any
    /// database or pool error.
    async fn bounded<T>(
        &self,
        operation: impl Future<Output = Result<T, Failure>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(self.timeout, operation).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(Failure(error))) => Err(StoreError::Unavailable(error)),
            Err(elapsed) => Err(StoreError::Unavailable(Box::new(elapsed))),
        }
    }
}

/// A database or pool error on its way to [`StoreError::Unavailable`].
struct Failure(BoxError);

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Failure {
    fn from(error: E) -> Self {
        Self(Box::new(error))
    }
}

/// Checks one part of a table name. It is quoted into the queries, so only letters, digits and
/// `_`, not starting with a digit; at most 40 bytes, so that the names made from it (the index
/// `…_state_updated`, the history `…_attempts` and its key `…_attempts_pkey`) stay within
/// PostgreSQL's 63.
fn identifier(part: &str) -> Result<&str, StoreError> {
    let valid = !part.is_empty()
        && part.len() <= 40
        && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !part.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(part)
    } else {
        Err(StoreError::Config(format!(
            "`{part}` is not a table or schema name this store accepts (letters, digits and `_`, \
             not starting with a digit, at most 40 bytes)"
        )))
    }
}

/// Seconds as PostgreSQL's `make_interval` takes them.
fn seconds(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

/// A duration from seconds PostgreSQL computed; negative reads as zero.
fn duration(seconds: f64) -> Duration {
    Duration::try_from_secs_f64(seconds.max(0.0)).unwrap_or(Duration::MAX)
}

/// An attempt number read from the table.
fn attempt(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

impl fmt::Debug for PostgresStore {
    /// The table and the pool's size; never the connection string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("table", &self.table)
            .field("connections", &status.size)
            .field("retention", &self.retention)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A filter's parts as `filter.sql` takes them (`$1` to `$9`).
struct FilterParams<'a> {
    key: Option<&'a str>,
    subject: Option<&'a str>,
    states: Option<Vec<&'static str>>,
    event_types: Option<&'a [String]>,
    since: Option<SystemTime>,
    before: Option<SystemTime>,
    min_attempts: Option<i32>,
    has_body: Option<bool>,
    key_prefix: Option<&'a str>,
}

impl<'a> FilterParams<'a> {
    fn of(filter: &'a Filter) -> Self {
        Self {
            key: filter.key.as_ref().map(DeliveryKey::as_str),
            subject: filter.subject.as_deref(),
            states: (!filter.states.is_empty())
                .then(|| filter.states.iter().map(|state| state.as_str()).collect()),
            event_types: (!filter.event_types.is_empty()).then_some(filter.event_types.as_slice()),
            since: filter.received_since,
            before: filter.received_before,
            min_attempts: filter.min_attempts.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            has_body: filter.has_body,
            key_prefix: filter.key_prefix.as_deref(),
        }
    }

    fn values(&self) -> Vec<&(dyn ToSql + Sync)> {
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

/// A summary from the columns of `summary.sql`.
fn summary(row: &Row) -> Result<DeliverySummary, StoreError> {
    let key = DeliveryKey::new(row.try_get::<_, String>(0).map_err(unavailable)?);
    let state: String = row.try_get(1).map_err(unavailable)?;
    let Ok(state) = state.parse::<State>() else {
        return Err(StoreError::Corrupt(format!("delivery {key} is in state `{state}`")));
    };
    let last_outcome: Option<String> = row.try_get(8).map_err(unavailable)?;
    Ok(DeliverySummary {
        state,
        event_type: row.try_get(2).map_err(unavailable)?,
        subject: row.try_get(3).map_err(unavailable)?,
        attempts: attempt(row.try_get(4).map_err(unavailable)?),
        received_at: row.try_get(5).map_err(unavailable)?,
        updated_at: row.try_get(6).map_err(unavailable)?,
        due_at: row.try_get(7).map_err(unavailable)?,
        last_outcome: last_outcome.as_deref().and_then(AttemptOutcome::from_name),
        reason: row.try_get(9).map_err(unavailable)?,
        has_body: row.try_get(10).map_err(unavailable)?,
        key,
    })
}

/// A run of the history from the columns of `attempts.sql`.
fn attempt_record(row: &Row) -> Result<AttemptRecord, StoreError> {
    let outcome: String = row.try_get(3).map_err(unavailable)?;
    let started_by: String = row.try_get(4).map_err(unavailable)?;
    let unknown =
        |what: &str, name: &str| StoreError::Corrupt(format!("an attempt has the {what} `{name}`"));
    let record = AttemptRecord::new(
        attempt(row.try_get(0).map_err(unavailable)?),
        row.try_get(1).map_err(unavailable)?,
        Duration::from_millis(
            u64::try_from(row.try_get::<_, i64>(2).map_err(unavailable)?).unwrap_or(0),
        ),
        AttemptOutcome::from_name(&outcome).ok_or_else(|| unknown("outcome", &outcome))?,
        StartedBy::from_name(&started_by).ok_or_else(|| unknown("starter", &started_by))?,
    );
    Ok(record.note(row.try_get(5).map_err(unavailable)?))
}

/// A database error reading a row.
fn unavailable(error: tokio_postgres::Error) -> StoreError {
    StoreError::Unavailable(Box::new(error))
}

/// A run's parameters, as the history statements take them: started, duration in
/// milliseconds, started by, note.
fn run_params(run: &AttemptRecord) -> (SystemTime, i64, &'static str, Option<&str>) {
    let duration = i64::try_from(run.duration.as_millis()).unwrap_or(i64::MAX);
    (run.started_at, duration, run.started_by.as_str(), run.note.as_deref())
}

impl PostgresStore {
    async fn claim_now(&self, arrival: &Arrival<'_>, lease: Duration) -> Result<Claim, StoreError> {
        let lease_secs = seconds(lease);
        let key = arrival.key;
        for _ in 0..CLAIM_TRIES {
            let found = self
                .bounded(async {
                    let client = self.pool.get().await?;
                    let claim = client.prepare_cached(&self.queries.claim).await?;
                    let params: [&(dyn ToSql + Sync); 6] = [
                        &key.as_str(),
                        &lease_secs,
                        &arrival.event_type,
                        &arrival.body,
                        &arrival.durable,
                        &arrival.subject,
                    ];
                    if let Some(row) = client.query_opt(&claim, &params).await? {
                        return Ok(Ok(row.try_get::<_, i32>(0)?));
                    }
                    let state = client.prepare_cached(&self.queries.state).await?;
                    let row = client.query_opt(&state, &[&key.as_str()]).await?;
                    Ok(Err(match row {
                        Some(row) => {
                            Some((row.try_get::<_, String>(0)?, row.try_get::<_, f64>(1)?))
                        }
                        None => None,
                    }))
                })
                .await?;
            let lease = |attempts| {
                Lease::new(key.clone(), attempt(attempts), lease).claim_on_disk(arrival.durable)
            };
            match found {
                Ok(attempts) => return Ok(Claim::Acquired(lease(attempts))),
                Err(Some((state, left))) => match state.parse::<State>() {
                    Ok(State::Done) => return Ok(Claim::Done),
                    Ok(State::Discarded) => return Ok(Claim::Discarded),
                    Ok(State::Quarantined) => return Ok(Claim::Quarantined),
                    Ok(State::Processing) if left > 0.0 => {
                        return Ok(Claim::InProgress { retry_after: duration(left) });
                    }
                    // The row changed between the two statements (its run ended, or its lease
                    // expired): claim again.
                    Ok(State::Processing | State::Pending | State::Failed | State::Dead) => {}
                    _ => {
                        return Err(StoreError::Corrupt(format!(
                            "delivery {key} is in state `{state}`"
                        )));
                    }
                },
                // Cleaned up between the two statements: claim again.
                Err(None) => {}
            }
        }
        // The row kept changing under us: someone else is busy with it.
        Ok(Claim::InProgress { retry_after: Duration::from_secs(1) })
    }

    /// Runs a statement guarded by the lease; `true` when the lease still held.
    async fn guarded_execute(
        &self,
        lease: &Lease,
        query: &str,
        extra: &[&(dyn ToSql + Sync)],
    ) -> Result<(), StoreError> {
        let key = lease.key.as_str();
        let attempt = i32::try_from(lease.attempt).unwrap_or(i32::MAX);
        let changed = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(query).await?;
                let mut params: Vec<&(dyn ToSql + Sync)> = vec![&key, &attempt];
                params.extend_from_slice(extra);
                Ok(client.execute(&statement, &params).await?)
            })
            .await?;
        if changed == 0 {
            return Err(StoreError::LeaseLost { key: lease.key.clone(), attempt: lease.attempt });
        }
        Ok(())
    }

    /// Runs a statement guarded by the lease that records a run (complete.sql,
    /// quarantine.sql) and answers how many rows it changed: 0 means the lease was lost.
    async fn guarded_count(
        &self,
        lease: &Lease,
        query: &str,
        extra: &[&(dyn ToSql + Sync)],
    ) -> Result<(), StoreError> {
        let key = lease.key.as_str();
        let attempt = i32::try_from(lease.attempt).unwrap_or(i32::MAX);
        let changed: i64 = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(query).await?;
                let mut params: Vec<&(dyn ToSql + Sync)> = vec![&key, &attempt];
                params.extend_from_slice(extra);
                Ok(client.query_one(&statement, &params).await?.try_get(0)?)
            })
            .await?;
        if changed == 0 {
            return Err(StoreError::LeaseLost { key: lease.key.clone(), attempt: lease.attempt });
        }
        Ok(())
    }

    async fn fail_now(
        &self,
        lease: &Lease,
        run: &AttemptRecord,
        retry_in: Option<Duration>,
    ) -> Result<Failed, StoreError> {
        let key = lease.key.as_str();
        let attempt = i32::try_from(lease.attempt).unwrap_or(i32::MAX);
        let retry_secs = retry_in.map(seconds);
        let wait = !lease.claim_on_disk;
        let (started, took, by, note) = run_params(run);
        let row = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(&self.queries.fail).await?;
                let params: [&(dyn ToSql + Sync); 9] = [
                    &key,
                    &attempt,
                    &run.outcome.as_str(),
                    &retry_secs,
                    &wait,
                    &started,
                    &took,
                    &by,
                    &note,
                ];
                match client.query_opt(&statement, &params).await? {
                    Some(row) => {
                        Ok(Some((row.try_get::<_, String>(0)?, row.try_get::<_, bool>(1)?)))
                    }
                    None => Ok(None),
                }
            })
            .await?;
        match row {
            None => Err(StoreError::LeaseLost { key: lease.key.clone(), attempt: lease.attempt }),
            Some((state, first)) if state == "dead" => Ok(Failed::Dead { first }),
            Some(_) => Ok(Failed::WillRetry),
        }
    }

    async fn claim_due_now(
        &self,
        limit: usize,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Vec<KeptDelivery>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let lease_secs = seconds(lease);
        let max_attempts = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        let rows = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(&self.queries.claim_due).await?;
                Ok(client.query(&statement, &[&limit, &lease_secs, &max_attempts]).await?)
            })
            .await?;
        rows.iter()
            .map(|row| {
                let key = DeliveryKey::new(row.try_get::<_, String>(0)?);
                // claim_due commits synchronously: the claim is on disk.
                let lease = Lease::new(key, attempt(row.try_get(1)?), lease).claim_on_disk(true);
                Ok(KeptDelivery::new(lease, row.try_get(2)?, row.try_get(3)?))
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(|error| StoreError::Unavailable(Box::new(error)))
    }

    async fn bury_now(&self, max_attempts: u32) -> Result<Vec<DeadLetter>, StoreError> {
        let max_attempts = i32::try_from(max_attempts).unwrap_or(i32::MAX);
        let rows = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(&self.queries.bury_abandoned).await?;
                Ok(client.query(&statement, &[&max_attempts]).await?)
            })
            .await?;
        let mut letters = Vec::new();
        for row in &rows {
            let read = || -> Result<_, tokio_postgres::Error> {
                Ok((
                    row.try_get::<_, String>(0)?,
                    row.try_get::<_, Option<String>>(1)?,
                    row.try_get::<_, i32>(2)?,
                    row.try_get::<_, bool>(3)?,
                ))
            };
            let (key, event_type, attempts, first) =
                read().map_err(|error| StoreError::Unavailable(Box::new(error)))?;
            if first {
                letters.push(DeadLetter {
                    key: DeliveryKey::new(key),
                    event_type,
                    attempts: attempt(attempts),
                    last_outcome: AttemptOutcome::Abandoned,
                });
            }
        }
        Ok(letters)
    }

    async fn cleanup_now(&self) -> Result<Cleanup, StoreError> {
        let retention = seconds(self.retention);
        let keep = seconds(self.keep_done_bodies);
        self.bounded(async {
            let client = self.pool.get().await?;
            let cleanup = client.prepare_cached(&self.queries.cleanup).await?;
            let deleted: i64 = client.query_one(&cleanup, &[&retention]).await?.try_get(0)?;
            let deleted = u64::try_from(deleted).unwrap_or(0);
            let drop_bodies = client.prepare_cached(&self.queries.drop_done_bodies).await?;
            let bodies_dropped = client.execute(&drop_bodies, &[&keep]).await?;
            Ok(Cleanup { deleted, bodies_dropped })
        })
        .await
    }

    async fn get_now(&self, key: &DeliveryKey) -> Result<Option<DeliveryRecord>, StoreError> {
        let (row, attempts) = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(&self.queries.get).await?;
                let Some(row) = client.query_opt(&statement, &[&key.as_str()]).await? else {
                    return Ok((None, Vec::new()));
                };
                let statement = client.prepare_cached(&self.queries.attempts).await?;
                Ok((Some(row), client.query(&statement, &[&key.as_str()]).await?))
            })
            .await?;
        let Some(row) = row else { return Ok(None) };
        let body = row.try_get(11).map_err(unavailable)?;
        let attempts = attempts.iter().map(attempt_record).collect::<Result<_, _>>()?;
        Ok(Some(DeliveryRecord::new(summary(&row)?, body, attempts)))
    }

    /// Runs one of the operators' statements over the deliveries `filter` matches, with `extra`
    /// parameters after the filter's. It is prepared afresh (not cached), so that PostgreSQL
    /// plans it for the parts of the filter actually given.
    async fn query_filtered(
        &self,
        query: &str,
        filter: &Filter,
        extra: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let params = FilterParams::of(filter);
        self.bounded(async {
            let client = self.pool.get().await?;
            let mut values = params.values();
            values.extend_from_slice(extra);
            Ok(client.query(query, &values).await?)
        })
        .await
    }

    /// As [`PostgresStore::query_filtered`], for a statement that changes rows: how many.
    async fn execute_filtered(
        &self,
        query: &str,
        filter: &Filter,
        extra: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let params = FilterParams::of(filter);
        self.bounded(async {
            let client = self.pool.get().await?;
            let mut values = params.values();
            values.extend_from_slice(extra);
            Ok(client.execute(query, &values).await?)
        })
        .await
    }

    async fn list_now(
        &self,
        filter: &Filter,
        page: &Page,
    ) -> Result<Vec<DeliverySummary>, StoreError> {
        let after_at = page.after.as_ref().map(|cursor| cursor.received_at);
        let after_key = page.after.as_ref().map(|cursor| cursor.key.as_str());
        let limit = i64::try_from(page.limit).unwrap_or(i64::MAX);
        let rows = self
            .query_filtered(&self.queries.list, filter, &[&after_at, &after_key, &limit])
            .await?;
        rows.iter().map(summary).collect()
    }

    async fn count_now(&self, filter: &Filter) -> Result<u64, StoreError> {
        let rows = self.query_filtered(&self.queries.count, filter, &[]).await?;
        let count: i64 = rows
            .first()
            .map(|row| row.try_get(0))
            .transpose()
            .map_err(|error| StoreError::Unavailable(Box::new(error)))?
            .unwrap_or(0);
        Ok(u64::try_from(count).unwrap_or(0))
    }

    async fn counts_now(&self) -> Result<StateCounts, StoreError> {
        let (rows, oldest) = self
            .bounded(async {
                let client = self.pool.get().await?;
                let counts = client.prepare_cached(&self.queries.counts).await?;
                let rows = client.query(&counts, &[]).await?;
                let oldest = client.prepare_cached(&self.queries.oldest_due).await?;
                let oldest: Option<f64> = client.query_one(&oldest, &[]).await?.try_get(0)?;
                Ok((rows, oldest))
            })
            .await?;
        let mut counts = StateCounts { oldest_due: oldest.map(duration), ..StateCounts::default() };
        for row in &rows {
            let read = || -> Result<(String, i64), tokio_postgres::Error> {
                Ok((row.try_get(0)?, row.try_get(1)?))
            };
            let (state, count) =
                read().map_err(|error| StoreError::Unavailable(Box::new(error)))?;
            let state =
                state.parse::<State>().map_err(|error| StoreError::Corrupt(error.to_string()))?;
            counts.by_state.insert(state, u64::try_from(count).unwrap_or(0));
        }
        Ok(counts)
    }
}

impl DeliveryStore for PostgresStore {
    fn claim<'a>(
        &'a self,
        arrival: &'a Arrival<'a>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        Box::pin(self.claim_now(arrival, lease))
    }

    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let lease_secs = seconds(lease.duration);
            self.guarded_execute(lease, &self.queries.renew, &[&lease_secs]).await
        })
    }

    fn complete<'a>(
        &'a self,
        lease: &'a Lease,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let keep = !self.keep_done_bodies.is_zero();
            let wait = !lease.claim_on_disk;
            let (started, took, by, note) = run_params(run);
            let params: [&(dyn ToSql + Sync); 6] = [&keep, &wait, &started, &took, &by, &note];
            self.guarded_count(lease, &self.queries.complete, &params).await
        })
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
        Box::pin(async move {
            let wait = !lease.claim_on_disk;
            let (started, took, by, note) = run_params(run);
            let params: [&(dyn ToSql + Sync); 6] = [&reason, &wait, &started, &took, &by, &note];
            self.guarded_count(lease, &self.queries.quarantine, &params).await
        })
    }

    fn record_attempt<'a>(
        &'a self,
        key: &'a DeliveryKey,
        run: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let attempt = i32::try_from(run.attempt).unwrap_or(i32::MAX);
            let (started, took, by, note) = run_params(run);
            self.bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(&self.queries.record_attempt).await?;
                let params: [&(dyn ToSql + Sync); 7] =
                    [&key.as_str(), &attempt, &started, &took, &run.outcome.as_str(), &by, &note];
                client.execute(&statement, &params).await?;
                Ok(())
            })
            .await
        })
    }

    fn release<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.guarded_execute(lease, &self.queries.release, &[]))
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
        Box::pin(self.count_now(filter))
    }

    fn counts(&self) -> BoxFuture<'_, Result<StateCounts, StoreError>> {
        Box::pin(self.counts_now())
    }

    fn per_hour(&self, since: SystemTime) -> BoxFuture<'_, Result<Vec<HourCount>, StoreError>> {
        Box::pin(async move {
            let rows = self
                .bounded(async {
                    let client = self.pool.get().await?;
                    let statement = client.prepare_cached(&self.queries.per_hour).await?;
                    Ok(client.query(&statement, &[&since]).await?)
                })
                .await?;
            rows.iter()
                .map(|row| {
                    let state: String = row.try_get(1).map_err(unavailable)?;
                    let state = state
                        .parse::<State>()
                        .map_err(|error| StoreError::Corrupt(error.to_string()))?;
                    let count: i64 = row.try_get(2).map_err(unavailable)?;
                    let hour = row.try_get(0).map_err(unavailable)?;
                    Ok(HourCount::new(hour, state, u64::try_from(count).unwrap_or(0)))
                })
                .collect()
        })
    }

    fn retry<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.execute_filtered(&self.queries.retry, filter, &[]))
    }

    fn replay<'a>(&'a self, filter: &'a Filter) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(self.execute_filtered(&self.queries.replay, filter, &[]))
    }

    fn discard<'a>(
        &'a self,
        filter: &'a Filter,
        reason: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(
            async move { self.execute_filtered(&self.queries.discard, filter, &[&reason]).await },
        )
    }

    fn remembers_for(&self) -> Option<Duration> {
        Some(self.retention)
    }
}
