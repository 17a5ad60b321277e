//! 수신기 — Receiving deliveries so that none is lost and none is handled twice (feature
//! `receive`; the `axum` feature mounts it as a route).
//!
//! [`Receiver`] is one pipeline of plain Rust over a signature header and a body, so that any
//! HTTP framework is a thin adapter over [`Receiver::receive`]:
//!
//! ```text
//! verify ─▶ parse ─▶ key ─▶ claim ─▶ handler (the delivery's own task, lease renewed) ─▶ complete │ fail
//!   401              │        │                                        └─ unreadable ─▶ quarantine
//!                    │        └─ done: 200 · in progress: 503 + Retry-After · store down: 503
//!                    └─ the body cannot be read: still claimed, then `Handler::unreadable`
//! ```
//!
//! - **Verified means answered `2xx` or `5xx`, never `4xx`.** A body the catalogue cannot read
//!   (a value of an unexpected type, an unknown API `version`, not JSON) goes to
//!   [`Handler::unreadable`], which by default keeps it in the store
//!   for [`Receiver::replay`]. Without a store it is answered `500`, so that StepPay retries.
//! - **Each delivery runs on a task of its own**, so a client that disconnects cannot cancel
//!   your handler halfway, and a panic in it is caught: the delivery is recorded as failed and
//!   answered `500`, and the server keeps serving.
//! - **With a [`DeliveryStore`], a delivery's effects are applied once**: a delivery already
//!   done is answered `200` without calling the handler, one being handled elsewhere is answered
//!   `503` with `Retry-After`, and one that failed is handled again. The handler runs at least
//!   once; it runs more than once only when a run dies or loses its lease (see
//!   [`Delivery::attempt`](crate::Delivery::attempt) for fencing those).
//!
//! The statuses and what they ask of StepPay are in [`Outcome`].
//!
//! # The signature tolerance
//!
//! Without a store, the [`Verifier`]'s tolerance applies (5 minutes unless you chose one). With a
//! store that remembers done deliveries for a known time ([`DeliveryStore::remembers_for`]: the
//! SQLite and PostgreSQL stores), a receiver accepts signatures up to [`STORED_TOLERANCE`]
//! (3 days) old, unless you chose a tolerance with [`Verifier::tolerance`] or
//! [`Receiver::tolerance`]. StepPay does not document whether a retry is signed again; if it is
//! not, a 5-minute window refuses every retry after the fifth minute, for good. The risk of the
//! wider window is replay: someone holding a captured request can send it again for 3 days. The
//! store makes that harmless while it remembers the delivery, which is why the tolerance never
//! exceeds its retention (7 days by default): a replay of a handled delivery is answered `200`
//! and not handled again.

mod outcome;
mod pipeline;
mod unwind;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use self::outcome::Outcome;
pub use self::pipeline::{Maintenance, ReplayReport};
use crate::Handler;
use crate::key::KeyStrategy;
use crate::store::{DeliveryStore, NoStore};
use crate::verify::Verifier;

/// The largest body accepted by default: 256 KiB.
///
/// StepPay's deliveries are small (the captured one was 560 bytes; a product with many prices
/// is tens of kilobytes), so anything near this limit is not from StepPay.
pub const DEFAULT_BODY_LIMIT: usize = 256 * 1024;

/// How long a claim lasts by default before it must be renewed: 30 seconds. The receiver renews
/// it every third of that while the handler runs, so a slow handler keeps it; an instance that
/// dies loses it within this time, and a retry after that is handled.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// The widest signature tolerance a receiver with a durable store uses by default: 3 days, the
/// retry horizon of the senders that document one (see the [module docs](self)).
pub const STORED_TOLERANCE: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// How often a receiver cleans up its store by default: hourly.
pub const DEFAULT_CLEANUP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// 수신기 — Verifies, de-duplicates and handles deliveries; see the [module docs](self).
///
/// ```no_run
/// # #[cfg(all(feature = "axum", feature = "sqlite"))]
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use steppay_webhooks::{receive::Receiver, store::SqliteStore, verify::Verifier, Handler};
///
/// struct Billing;
/// impl Handler for Billing {}
///
/// let verifier = Verifier::new([std::env::var("STEPPAY_WEBHOOK_SECRET")?])?;
/// let store = SqliteStore::open("deliveries.sqlite3").await?;
/// let receiver = Receiver::new(verifier, Billing).store(store);
/// let app = axum::Router::new().route("/webhooks/steppay", receiver.into_method_router());
/// axum::serve(tokio::net::TcpListener::bind("127.0.0.1:3000").await?, app).await?;
/// # Ok(())
/// # }
/// ```
///
/// Cloning is cheap and shares the handler, the store and the cleanup schedule.
pub struct Receiver<H, S = NoStore> {
    handler: Arc<H>,
    store: Arc<S>,
    verifier: Verifier,
    keys: KeyStrategy,
    versions: Arc<[String]>,
    lease: Duration,
    body_limit: usize,
    cleanup_every: Option<Duration>,
    last_cleanup: Arc<Mutex<Option<Instant>>>,
}

impl<H: Handler + Send + Sync + 'static> Receiver<H, NoStore> {
    /// A receiver that checks signatures with `verifier` and hands deliveries to `handler`, with
    /// no store: every verified delivery is handled (duplicates included), and an unreadable one
    /// is answered `500`. Add a store with [`Receiver::store`].
    pub fn new(verifier: Verifier, handler: H) -> Self {
        Self {
            handler: Arc::new(handler),
            store: Arc::new(NoStore),
            verifier,
            keys: KeyStrategy::default(),
            versions: Arc::from([crate::Webhook::VERSION.to_owned()]),
            lease: DEFAULT_LEASE,
            body_limit: DEFAULT_BODY_LIMIT,
            cleanup_every: Some(DEFAULT_CLEANUP_INTERVAL),
            last_cleanup: Arc::new(Mutex::new(None)),
        }
    }
}

impl<H, S> Receiver<H, S>
where
    H: Handler + Send + Sync + 'static,
    S: DeliveryStore + 'static,
{
    /// Remembers deliveries in `store`: duplicates are answered without calling the handler,
    /// concurrent ones wait, and unreadable ones are kept for replay. With a store that
    /// remembers done records for a known time, the signature tolerance widens (see the
    /// [module docs](self#the-signature-tolerance)).
    pub fn store<T: DeliveryStore + 'static>(self, store: T) -> Receiver<H, T> {
        let verifier = match store.remembers_for() {
            Some(retention) => self.verifier.default_tolerance(retention.min(STORED_TOLERANCE)),
            None => self.verifier,
        };
        Receiver {
            handler: self.handler,
            store: Arc::new(store),
            verifier,
            keys: self.keys,
            versions: self.versions,
            lease: self.lease,
            body_limit: self.body_limit,
            cleanup_every: self.cleanup_every,
            last_cleanup: self.last_cleanup,
        }
    }

    /// How deliveries are keyed for de-duplication ([`KeyStrategy::EventAndData`] by default).
    #[must_use]
    pub fn key(mut self, strategy: KeyStrategy) -> Self {
        self.keys = strategy;
        self
    }

    /// How long a claim lasts before it must be renewed ([`DEFAULT_LEASE`]; at least 1 s).
    #[must_use]
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_secs(1));
        self
    }

    /// How far the signed timestamp may be from now, either way; overrides the verifier's and
    /// the widened default.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.verifier = self.verifier.tolerance(tolerance);
        self
    }

    /// The envelope `version`s this receiver reads (`["v1"]`, [`Webhook::VERSION`], by
    /// default); a delivery of another version is [unreadable](crate::Handler::unreadable).
    ///
    /// [`Webhook::VERSION`]: crate::Webhook::VERSION
    #[must_use]
    pub fn versions<I: IntoIterator<Item = V>, V: Into<String>>(mut self, versions: I) -> Self {
        self.versions = versions.into_iter().map(Into::into).collect();
        self
    }

    /// The largest body accepted, in bytes ([`DEFAULT_BODY_LIMIT`] unless set).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// How often the receiver cleans up its store on its own, in the background of a delivery
    /// ([`DEFAULT_CLEANUP_INTERVAL`]); `None` leaves it to you ([`Receiver::maintain`]).
    #[must_use]
    pub fn cleanup_every(mut self, interval: Option<Duration>) -> Self {
        self.cleanup_every = interval;
        self
    }

    /// The largest body accepted, in bytes, for the adapters.
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn max_body(&self) -> usize {
        self.body_limit
    }

    /// The handler.
    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// The store.
    pub fn delivery_store(&self) -> &S {
        &self.store
    }
}

impl<H, S> Clone for Receiver<H, S> {
    fn clone(&self) -> Self {
        Self {
            handler: Arc::clone(&self.handler),
            store: Arc::clone(&self.store),
            verifier: self.verifier.clone(),
            keys: self.keys.clone(),
            versions: Arc::clone(&self.versions),
            lease: self.lease,
            body_limit: self.body_limit,
            cleanup_every: self.cleanup_every,
            last_cleanup: Arc::clone(&self.last_cleanup),
        }
    }
}

impl<H, S: fmt::Debug> fmt::Debug for Receiver<H, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("store", &self.store)
            .field("verifier", &self.verifier)
            .field("keys", &self.keys)
            .field("versions", &self.versions)
            .field("lease", &self.lease)
            .field("body_limit", &self.body_limit)
            .field("cleanup_every", &self.cleanup_every)
            .finish_non_exhaustive()
    }
}
