//! 배달 기록 저장소 — Where a receiver remembers deliveries: which are done, which are being
//! handled (and by whom, until when), which failed, and which it keeps for replay.
//!
//! A [`Receiver`](crate::receive::Receiver) uses a [`DeliveryStore`] around your handler:
//!
//! ```text
//! claim(key) ─┬─ Acquired(lease) ──▶ handler ─┬─ Ok ──────▶ complete(lease)   → done
//!             │      (renew while it runs)    ├─ Err/panic ▶ fail(lease)       → failed (claimed again on retry)
//!             │                               └─ unreadable ▶ quarantine(lease) → quarantined (replay later)
//!             ├─ Done ─────────▶ answered 200, handler not called
//!             ├─ InProgress ───▶ answered 503 + Retry-After (another run holds a live lease)
//!             └─ Quarantined ──▶ answered 200 (already kept)
//! ```
//!
//! A claim is a **lease**: it lasts [`Lease::duration`] as measured by the store's own clock
//! (the database server's for PostgreSQL, SQLite's for SQLite), is renewed while the handler
//! runs, and expires when the instance that holds it dies, so that a later retry is handled.
//! Every claim of a key gets the next **attempt** number; completing, failing or renewing with an
//! older one is [`StoreError::LeaseLost`], so a run that lost its lease cannot mark the delivery
//! done over a newer one.
//!
//! Three implementations, each behind its own feature: [`MemoryStore`] (`memory-store`; one
//! process, bounded), [`SqliteStore`] (`sqlite`; one host, survives restarts) and
//! [`PostgresStore`] (`postgres`; shared by any number of instances). The trait uses native
//! `async fn`s with `Send` futures; [`DynDeliveryStore`] is its object-safe form, for choosing a
//! store at run time.

#[cfg(feature = "memory-store")]
mod memory;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "memory-store")]
pub use self::memory::{DEFAULT_MEMORY_CAPACITY, MemoryStore};
#[cfg(feature = "postgres")]
pub use self::postgres::{DEFAULT_POSTGRES_TABLE, PostgresStore};
#[cfg(feature = "sqlite")]
pub use self::sqlite::SqliteStore;
use crate::key::DeliveryKey;

/// How long done records are kept by default: 7 days.
///
/// StepPay does not document how long it retries; other senders retry for up to about 3 days.
/// A delivery is recognised as a duplicate only while its done record exists, so records outlive
/// any retry, and any replay of a captured request that the signature tolerance still admits
/// (see [`Receiver`](crate::receive::Receiver)).
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Any error a store's backend reports.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why a store operation failed. Messages name keys and states, never a delivery's body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached or did not answer: the receiver answers `503` and does not
    /// call the handler.
    #[error("the delivery store is unavailable: {0}")]
    Unavailable(#[source] BoxError),
    /// The lease was taken over by a later attempt (it had expired): this run must not mark the
    /// delivery done or failed.
    #[error("the lease on delivery {key} for attempt {attempt} was lost to a later attempt")]
    LeaseLost {
        /// The delivery's key.
        key: DeliveryKey,
        /// The attempt whose lease was lost.
        attempt: u32,
    },
    /// A bounded store is full of records it may not drop (in progress or quarantined).
    #[error("the delivery store is full: {0} records are in progress or quarantined")]
    Full(usize),
    /// The receiver has no store, so an unreadable delivery cannot be kept.
    #[error("the receiver has no store to keep the delivery in")]
    NoStore,
    /// The store holds a record this version cannot read (a state it does not know, say).
    #[error("the delivery store holds a record it cannot read: {0}")]
    Corrupt(String),
    /// The store's configuration is invalid (a table name that is not an identifier, say).
    #[error("invalid delivery store configuration: {0}")]
    Config(String),
}

/// The result of [`DeliveryStore::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Claim {
    /// The delivery is this caller's to handle, under this lease.
    Acquired(Lease),
    /// It was handled already.
    Done,
    /// Another run holds a live lease on it; ask again after `retry_after`.
    InProgress {
        /// How long the lease has left, as the store measures it.
        retry_after: Duration,
    },
    /// It is kept for replay.
    Quarantined,
}

/// The right to handle one delivery, until its duration runs out on the store's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The delivery's key.
    pub key: DeliveryKey,
    /// Which claim of the key this is, from 1; the fencing token.
    pub attempt: u32,
    /// How long the lease lasts from its last claim or renewal.
    pub duration: Duration,
}

/// A quarantined delivery claimed for replay ([`DeliveryStore::claim_quarantined`]): the lease
/// to replay it under, and its body. `Debug` shows the body's size, never its contents.
#[derive(Clone, PartialEq, Eq)]
pub struct KeptDelivery {
    /// The lease on it.
    pub lease: Lease,
    /// Its raw body, as received and verified.
    pub body: Vec<u8>,
}

impl KeptDelivery {
    /// What a durable store read back on claiming a quarantined delivery for replay: its
    /// attempts (this one included) and its body, which a quarantined record always has.
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    fn from_row(
        key: &DeliveryKey,
        lease: Duration,
        row: Option<(u32, Option<Vec<u8>>)>,
    ) -> Result<Option<Self>, StoreError> {
        match row {
            None => Ok(None),
            Some((attempt, Some(body))) => {
                Ok(Some(Self { lease: Lease { key: key.clone(), attempt, duration: lease }, body }))
            }
            Some((_, None)) => {
                Err(StoreError::Corrupt(format!("quarantined delivery {key} has no body")))
            }
        }
    }
}

impl fmt::Debug for KeptDelivery {
    /// The body may hold personal data: only its size is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptDelivery")
            .field("lease", &self.lease)
            .field("body", &format_args!("<{} bytes, not shown>", self.body.len()))
            .finish()
    }
}

/// A delivery kept for replay: what [`DeliveryStore::quarantined`] lists. The body stays in the
/// store.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct QuarantinedDelivery {
    /// Its key.
    pub key: DeliveryKey,
    /// Its `event`, when that could be read.
    pub event_type: Option<String>,
    /// Why it was kept: the parse error (which never repeats a payload value), or the handler
    /// error of a failed replay.
    pub reason: String,
    /// How many times it has been claimed.
    pub attempts: u32,
    /// How long ago it was last quarantined, on the store's clock.
    pub age: Duration,
}

/// A delivery whose run neither finished nor failed, and whose lease expired some time ago: its
/// instance probably died while handling it. [`DeliveryStore::stale`] reports these so that an
/// operator looks at them; cleanup never deletes them, and a retry from StepPay claims them
/// again.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StaleClaim {
    /// Its key.
    pub key: DeliveryKey,
    /// Its `event`, when that could be read.
    pub event_type: Option<String>,
    /// The attempt that was abandoned.
    pub attempt: u32,
    /// How long ago its lease expired.
    pub expired_for: Duration,
}

/// 배달 기록 저장소 — Remembers deliveries for a [`Receiver`](crate::receive::Receiver); see the
/// [module docs](self) for the life of a record.
///
/// Implementations must make `claim` atomic (two concurrent claims of one key never both get
/// [`Claim::Acquired`]), measure leases with one clock shared by every instance that uses the
/// store, and guard `renew`, `complete`, `fail` and `quarantine` by the lease's attempt.
pub trait DeliveryStore: Send + Sync {
    /// Claims `key` for `lease`: a new key, a [failed](DeliveryStore::fail) one, or one whose
    /// lease has expired is acquired with the next attempt number; otherwise says why not.
    /// `event_type` is recorded for reports.
    fn claim(
        &self,
        key: &DeliveryKey,
        event_type: Option<&str>,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Extends the lease by its duration from now.
    fn renew(&self, lease: &Lease) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks the delivery done: later claims get [`Claim::Done`] until cleanup removes it.
    fn complete(&self, lease: &Lease) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Marks the run failed, so that the next delivery of the key is claimed again. A run of a
    /// quarantined delivery ([`DeliveryStore::claim_quarantined`]) goes back to quarantine,
    /// body and all.
    fn fail(&self, lease: &Lease) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Keeps `body` for replay, with the `reason` it could not be handled.
    fn quarantine(
        &self,
        lease: &Lease,
        body: &[u8],
        reason: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` quarantined deliveries, oldest first.
    fn quarantined(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<QuarantinedDelivery>, StoreError>> + Send;

    /// Claims a quarantined delivery for replay, with its body; `None` when `key` is not
    /// quarantined (any more).
    fn claim_quarantined(
        &self,
        key: &DeliveryKey,
        lease: Duration,
    ) -> impl Future<Output = Result<Option<KeptDelivery>, StoreError>> + Send;

    /// Deletes done records older than the store's retention, and nothing else; returns how many
    /// it deleted.
    fn cleanup(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Claims in progress whose lease expired more than `older_than` ago.
    fn stale(
        &self,
        older_than: Duration,
    ) -> impl Future<Output = Result<Vec<StaleClaim>, StoreError>> + Send;

    /// How long a done record is certain to be remembered; `None` when the store may forget one
    /// sooner (at a restart, or when full). A receiver lets late signatures in only as long as
    /// this (see [`Receiver`](crate::receive::Receiver)).
    fn remembers_for(&self) -> Option<Duration>;
}

/// A boxed future, as [`DynDeliveryStore`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`DeliveryStore`] in object-safe form: every type that implements [`DeliveryStore`]
/// implements this, and `Box<dyn DynDeliveryStore>` and `Arc<dyn DynDeliveryStore>` are
/// [`DeliveryStore`]s, so a store can be chosen at run time:
///
/// ```
/// # #[cfg(feature = "memory-store")] {
/// use std::sync::Arc;
/// use steppay_webhooks::store::{DynDeliveryStore, MemoryStore};
///
/// let store: Arc<dyn DynDeliveryStore> = Arc::new(MemoryStore::new());
/// # let _ = store; }
/// ```
#[allow(missing_docs)] // Each method is the one of `DeliveryStore` with the same name.
pub trait DynDeliveryStore: Send + Sync {
    fn claim<'a>(
        &'a self,
        key: &'a DeliveryKey,
        event_type: Option<&'a str>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>>;
    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>>;
    fn complete<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>>;
    fn fail<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>>;
    fn quarantine<'a>(
        &'a self,
        lease: &'a Lease,
        body: &'a [u8],
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    fn quarantined(
        &self,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<QuarantinedDelivery>, StoreError>>;
    fn claim_quarantined<'a>(
        &'a self,
        key: &'a DeliveryKey,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<KeptDelivery>, StoreError>>;
    fn cleanup(&self) -> BoxFuture<'_, Result<u64, StoreError>>;
    fn stale(&self, older_than: Duration) -> BoxFuture<'_, Result<Vec<StaleClaim>, StoreError>>;
    fn remembers_for(&self) -> Option<Duration>;
}

impl<S: DeliveryStore> DynDeliveryStore for S {
    fn claim<'a>(
        &'a self,
        key: &'a DeliveryKey,
        event_type: Option<&'a str>,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        Box::pin(DeliveryStore::claim(self, key, event_type, lease))
    }
    fn renew<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(DeliveryStore::renew(self, lease))
    }
    fn complete<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(DeliveryStore::complete(self, lease))
    }
    fn fail<'a>(&'a self, lease: &'a Lease) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(DeliveryStore::fail(self, lease))
    }
    fn quarantine<'a>(
        &'a self,
        lease: &'a Lease,
        body: &'a [u8],
        reason: &'a str,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(DeliveryStore::quarantine(self, lease, body, reason))
    }
    fn quarantined(
        &self,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<QuarantinedDelivery>, StoreError>> {
        Box::pin(DeliveryStore::quarantined(self, limit))
    }
    fn claim_quarantined<'a>(
        &'a self,
        key: &'a DeliveryKey,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Option<KeptDelivery>, StoreError>> {
        Box::pin(DeliveryStore::claim_quarantined(self, key, lease))
    }
    fn cleanup(&self) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(DeliveryStore::cleanup(self))
    }
    fn stale(&self, older_than: Duration) -> BoxFuture<'_, Result<Vec<StaleClaim>, StoreError>> {
        Box::pin(DeliveryStore::stale(self, older_than))
    }
    fn remembers_for(&self) -> Option<Duration> {
        DeliveryStore::remembers_for(self)
    }
}

impl DeliveryStore for dyn DynDeliveryStore {
    async fn claim(
        &self,
        key: &DeliveryKey,
        event_type: Option<&str>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        DynDeliveryStore::claim(self, key, event_type, lease).await
    }
    async fn renew(&self, lease: &Lease) -> Result<(), StoreError> {
        DynDeliveryStore::renew(self, lease).await
    }
    async fn complete(&self, lease: &Lease) -> Result<(), StoreError> {
        DynDeliveryStore::complete(self, lease).await
    }
    async fn fail(&self, lease: &Lease) -> Result<(), StoreError> {
        DynDeliveryStore::fail(self, lease).await
    }
    async fn quarantine(&self, lease: &Lease, body: &[u8], reason: &str) -> Result<(), StoreError> {
        DynDeliveryStore::quarantine(self, lease, body, reason).await
    }
    fn quarantined(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<QuarantinedDelivery>, StoreError>> + Send {
        DynDeliveryStore::quarantined(self, limit)
    }
    async fn claim_quarantined(
        &self,
        key: &DeliveryKey,
        lease: Duration,
    ) -> Result<Option<KeptDelivery>, StoreError> {
        DynDeliveryStore::claim_quarantined(self, key, lease).await
    }
    fn cleanup(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
        DynDeliveryStore::cleanup(self)
    }
    fn stale(
        &self,
        older_than: Duration,
    ) -> impl Future<Output = Result<Vec<StaleClaim>, StoreError>> + Send {
        DynDeliveryStore::stale(self, older_than)
    }
    fn remembers_for(&self) -> Option<Duration> {
        DynDeliveryStore::remembers_for(self)
    }
}

/// Forwards every method to the store behind a pointer.
macro_rules! forward {
    ($($pointer:ident),*) => {$(
        impl<S: DeliveryStore + ?Sized> DeliveryStore for $pointer<S> {
            fn claim(
                &self,
                key: &DeliveryKey,
                event_type: Option<&str>,
                lease: Duration,
            ) -> impl Future<Output = Result<Claim, StoreError>> + Send {
                (**self).claim(key, event_type, lease)
            }
            fn renew(&self, lease: &Lease) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).renew(lease)
            }
            fn complete(&self, lease: &Lease) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).complete(lease)
            }
            fn fail(&self, lease: &Lease) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).fail(lease)
            }
            fn quarantine(
                &self,
                lease: &Lease,
                body: &[u8],
                reason: &str,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).quarantine(lease, body, reason)
            }
            fn quarantined(
                &self,
                limit: usize,
            ) -> impl Future<Output = Result<Vec<QuarantinedDelivery>, StoreError>> + Send {
                (**self).quarantined(limit)
            }
            fn claim_quarantined(
                &self,
                key: &DeliveryKey,
                lease: Duration,
            ) -> impl Future<Output = Result<Option<KeptDelivery>, StoreError>> + Send {
                (**self).claim_quarantined(key, lease)
            }
            fn cleanup(&self) -> impl Future<Output = Result<u64, StoreError>> + Send {
                (**self).cleanup()
            }
            fn stale(
                &self,
                older_than: Duration,
            ) -> impl Future<Output = Result<Vec<StaleClaim>, StoreError>> + Send {
                (**self).stale(older_than)
            }
            fn remembers_for(&self) -> Option<Duration> {
                (**self).remembers_for()
            }
        }
    )*};
}

forward!(Arc, Box);

/// No store: what a [`Receiver`](crate::receive::Receiver) uses until it is given one.
///
/// Every claim is acquired as attempt 1 and nothing is remembered, so duplicates are handled
/// again, and an unreadable delivery cannot be kept ([`StoreError::NoStore`]): the receiver
/// answers `500` so that StepPay sends it again.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

impl DeliveryStore for NoStore {
    async fn claim(
        &self,
        key: &DeliveryKey,
        _: Option<&str>,
        lease: Duration,
    ) -> Result<Claim, StoreError> {
        Ok(Claim::Acquired(Lease { key: key.clone(), attempt: 1, duration: lease }))
    }
    async fn renew(&self, _: &Lease) -> Result<(), StoreError> {
        Ok(())
    }
    async fn complete(&self, _: &Lease) -> Result<(), StoreError> {
        Ok(())
    }
    async fn fail(&self, _: &Lease) -> Result<(), StoreError> {
        Ok(())
    }
    async fn quarantine(&self, _: &Lease, _: &[u8], _: &str) -> Result<(), StoreError> {
        Err(StoreError::NoStore)
    }
    async fn quarantined(&self, _: usize) -> Result<Vec<QuarantinedDelivery>, StoreError> {
        Ok(Vec::new())
    }
    async fn claim_quarantined(
        &self,
        _: &DeliveryKey,
        _: Duration,
    ) -> Result<Option<KeptDelivery>, StoreError> {
        Ok(None)
    }
    async fn cleanup(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
    async fn stale(&self, _: Duration) -> Result<Vec<StaleClaim>, StoreError> {
        Ok(Vec::new())
    }
    fn remembers_for(&self) -> Option<Duration> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_delivery_shows_the_size_of_its_body_never_the_body() {
        let kept = KeptDelivery {
            lease: Lease {
                key: DeliveryKey::new("k"),
                attempt: 2,
                duration: Duration::from_secs(30),
            },
            body: br#"{"data":{"customerName":"Hong Gildong"}}"#.to_vec(),
        };
        let shown = format!("{kept:?}");
        // A derived `Debug` would list the bytes: `[123, 34, ...]`.
        assert!(!shown.contains("Hong") && !shown.contains("123"), "{shown}");
        assert!(shown.contains("<40 bytes, not shown>") && shown.contains("attempt: 2"), "{shown}");
    }
}
