//! [`PostgresStore`]: deliveries remembered in a PostgreSQL table shared by every instance.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime, Timeouts};
use tokio_postgres::NoTls;
use tokio_postgres::types::ToSql;

use super::{
    BoxError, Claim, DEFAULT_RETENTION, DeliveryStore, KeptDelivery, Lease, QuarantinedDelivery,
    StaleClaim, StoreError,
};
use crate::key::DeliveryKey;

/// The queries, one file each, with the invariant each keeps in its comment. `{table}` and
/// `{index}` are replaced by quoted identifiers when the store is made.
mod sql {
    pub(super) const SCHEMA: &str = include_str!("postgres/schema.sql");
    pub(super) const CLAIM: &str = include_str!("postgres/claim.sql");
    pub(super) const STATE: &str = include_str!("postgres/state.sql");
    pub(super) const RENEW: &str = include_str!("postgres/renew.sql");
    pub(super) const COMPLETE: &str = include_str!("postgres/complete.sql");
    pub(super) const FAIL: &str = include_str!("postgres/fail.sql");
    pub(super) const QUARANTINE: &str = include_str!("postgres/quarantine.sql");
    pub(super) const QUARANTINED: &str = include_str!("postgres/quarantined.sql");
    pub(super) const CLAIM_QUARANTINED: &str = include_str!("postgres/claim_quarantined.sql");
    pub(super) const CLEANUP: &str = include_str!("postgres/cleanup.sql");
    pub(super) const STALE: &str = include_str!("postgres/stale.sql");
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
/// other answers `503` with `Retry-After`. Leases are measured with the database server's clock
/// (`now()`), never the instances'.
///
/// [`PostgresStore::connect`] creates the table (`steppay_deliveries`, or the one named with
/// [`PostgresStore::table`]) if needed; its definition is in `src/store/postgres/schema.sql`.
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
    quarantined: String,
    claim_quarantined: String,
    cleanup: String,
    stale: String,
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
        let index = format!("\"{name}_state_updated\"");
        let fill = |query: &str| query.replace("{table}", &quoted).replace("{index}", &index);
        let queries = Queries {
            claim: fill(sql::CLAIM),
            state: fill(sql::STATE),
            renew: fill(sql::RENEW),
            complete: fill(sql::COMPLETE),
            fail: fill(sql::FAIL),
            quarantine: fill(sql::QUARANTINE),
            quarantined: fill(sql::QUARANTINED),
            claim_quarantined: fill(sql::CLAIM_QUARANTINED),
            cleanup: fill(sql::CLEANUP),
            stale: fill(sql::STALE),
        };
        let store = Self {
            pool,
            table: table.to_owned(),
            queries,
            retention: DEFAULT_RETENTION,
            timeout: DEFAULT_TIMEOUT,
        };
        let schema_sql = match &schema {
            Some(schema) => {
                format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\";\n{}", fill(sql::SCHEMA))
            }
            None => fill(sql::SCHEMA),
        };
        store.migrate(&schema_sql).await?;
        Ok(store)
    }

    /// How long done records are kept before [`cleanup`](DeliveryStore::cleanup) deletes them
    /// ([`DEFAULT_RETENTION`]).
    #[must_use]
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
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

    /// Runs a statement guarded by the lease, and says whether the lease still held.
    async fn guarded(
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
}

/// A database or pool error on its way to [`StoreError::Unavailable`].
struct Failure(BoxError);

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Failure {
    fn from(error: E) -> Self {
        Self(Box::new(error))
    }
}

/// Checks one part of a table name. It is quoted into the queries, so only letters, digits and
/// `_`, not starting with a digit; at most 40 bytes, so that the index name (the table's plus
/// `_state_updated`) stays within PostgreSQL's 63.
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

impl DeliveryStore for PostgresStore {
    async fn claim(
        &self,
        key: &DeliveryKey,
        event_type: Option<&str>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        let lease_secs = seconds(lease);
        for _ in 0..CLAIM_TRIES {
            let found = self
                .bounded(async {
                    let client = self.pool.get().await?;
                    let claim = client.prepare_cached(&self.queries.claim).await?;
                    let claimed = client
                        .query_opt(&claim, &[&key.as_str(), &lease_secs, &event_type])
                        .await?;
                    if let Some(row) = claimed {
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
            let lease =
                |attempts| Lease { key: key.clone(), attempt: attempt(attempts), duration: lease };
            match found {
                Ok(attempts) => return Ok(Claim::Acquired(lease(attempts))),
                Err(Some((state, left))) => match state.as_str() {
                    "done" => return Ok(Claim::Done),
                    "quarantined" => return Ok(Claim::Quarantined),
                    "processing" if left > 0.0 => {
                        return Ok(Claim::InProgress { retry_after: duration(left) });
                    }
                    // Failed, or the lease expired, between the two statements: claim again.
                    "processing" | "failed" => {}
                    other => {
                        return Err(StoreError::Corrupt(format!(
                            "delivery {key} is in state `{other}`"
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

    async fn renew(&self, lease: &Lease) -> Result<(), StoreError> {
        let lease_secs = seconds(lease.duration);
        self.guarded(lease, &self.queries.renew, &[&lease_secs]).await
    }

    async fn complete(&self, lease: &Lease) -> Result<(), StoreError> {
        self.guarded(lease, &self.queries.complete, &[]).await
    }

    async fn fail(&self, lease: &Lease) -> Result<(), StoreError> {
        self.guarded(lease, &self.queries.fail, &[]).await
    }

    async fn quarantine(&self, lease: &Lease, body: &[u8], reason: &str) -> Result<(), StoreError> {
        self.guarded(lease, &self.queries.quarantine, &[&body, &reason]).await
    }

    async fn quarantined(&self, limit: usize) -> Result<Vec<QuarantinedDelivery>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(&self.queries.quarantined).await?;
                Ok(client.query(&statement, &[&limit]).await?)
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(QuarantinedDelivery {
                    key: DeliveryKey::new(row.try_get::<_, String>(0)?),
                    event_type: row.try_get(1)?,
                    reason: row.try_get(2)?,
                    attempts: attempt(row.try_get(3)?),
                    age: duration(row.try_get(4)?),
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(|error| StoreError::Unavailable(Box::new(error)))
    }

    async fn claim_quarantined(
        &self,
        key: &DeliveryKey,
        lease: Duration,
    ) -> Result<Option<KeptDelivery>, StoreError> {
        let lease_secs = seconds(lease);
        let claimed = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(&self.queries.claim_quarantined).await?;
                match client.query_opt(&statement, &[&key.as_str(), &lease_secs]).await? {
                    Some(row) => {
                        Ok(Some((row.try_get::<_, i32>(0)?, row.try_get::<_, Option<Vec<u8>>>(1)?)))
                    }
                    None => Ok(None),
                }
            })
            .await?;
        KeptDelivery::from_row(
            key,
            lease,
            claimed.map(|(attempts, body)| (attempt(attempts), body)),
        )
    }

    async fn cleanup(&self) -> Result<u64, StoreError> {
        let retention = seconds(self.retention);
        self.bounded(async {
            let client = self.pool.get().await?;
            let statement = client.prepare_cached(&self.queries.cleanup).await?;
            Ok(client.execute(&statement, &[&retention]).await?)
        })
        .await
    }

    async fn stale(&self, older_than: Duration) -> Result<Vec<StaleClaim>, StoreError> {
        let older_than = seconds(older_than);
        let rows = self
            .bounded(async {
                let client = self.pool.get().await?;
                let statement = client.prepare_cached(&self.queries.stale).await?;
                Ok(client.query(&statement, &[&older_than]).await?)
            })
            .await?;
        rows.iter()
            .map(|row| {
                Ok(StaleClaim {
                    key: DeliveryKey::new(row.try_get::<_, String>(0)?),
                    event_type: row.try_get(1)?,
                    attempt: attempt(row.try_get(2)?),
                    expired_for: duration(row.try_get(3)?),
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(|error| StoreError::Unavailable(Box::new(error)))
    }

    fn remembers_for(&self) -> Option<Duration> {
        Some(self.retention)
    }
}
