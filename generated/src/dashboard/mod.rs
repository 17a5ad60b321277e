//! 운영 화면 — An operator's page over a delivery store (feature `dashboard`), as an
//! [`axum::Router`] to mount in a service or to serve alone.
//!
//! It shows how many deliveries are in each state, the deliveries per hour of the last 24 hours
//! by the state they are in now (an inline SVG chart), and the deliveries newest first, filtered
//! by any of several states, an event type, a time window, a least number of attempts and a
//! subject (`payment:4418273`), a page at a time; each filter is in the URL, so a link keeps it.
//! A delivery's page shows its state, event type, subject, next run, reason, each run (start,
//! duration, outcome, what started it, the handler's `OperatorNote`) and its body **with
//! personal data redacted** ([`redact`](crate::redact)); it offers retry, replay and discard
//! (with a reason). The list retries all the failed, dead and quarantined deliveries of its
//! filter, after a page that shows how many that is.
//!
//! 상태별 배달 수, 지난 24시간 시간별 그래프, 여러 조건으로 거른 배달 목록(최신순), 배달 하나의
//! 실행 기록과 개인정보를 가린 본문을 보여 주고, 재시도·재실행·폐기를 할 수 있습니다. 한국어가
//! 기본이며, 브라우저의 `Accept-Language`가 영어를 앞세우면 영어로 보입니다.
//!
//! What it never shows: a signature, a secret, or a personal value. The list shows no body at
//! all; a delivery's page shows its body only through [`redact::body`](crate::redact::body),
//! and a body it cannot read safely only as its size. A store error is a `503` page that names
//! nothing of the store (the error goes to the log, through `tracing`).
//!
//! Every action is a `POST` carrying a CSRF token derived from a random key drawn for each
//! [`Dashboard`], compared in constant time; a form from another site is refused (`403`). Bad
//! input (an unknown state, a time that is not one, a page size over 200, a cursor or key that
//! is not one) is a `400` or `404` page in the operator's language, never a `500`.
//!
//! # Mount it behind your own authentication
//!
//! The router has no authentication of its own unless you give it a token: put it behind your
//! service's, under any path.
//!
#![cfg_attr(feature = "sqlite", doc = "```no_run")]
#![cfg_attr(not(feature = "sqlite"), doc = "```ignore")]
//! use std::sync::Arc;
//! use steppay_webhooks::dashboard::Dashboard;
//! use steppay_webhooks::store::{DeliveryStore, SqliteStore};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let store: Arc<dyn DeliveryStore> = Arc::new(SqliteStore::open("deliveries.sqlite3").await?);
//! let app = axum::Router::new()
//!     .nest("/ops/webhooks", Dashboard::new(Arc::clone(&store)).router());
//!     // .layer(your_admin_auth_layer)
//! # let _ = app; Ok(()) }
//! ```
//!
//! # Or serve it alone, with a token
//!
//! `steppay-webhooks dashboard` does this: a random token, loopback only, and the address with
//! `?token=` printed once. The first visit with the right token sets an `HttpOnly`,
//! `SameSite=Strict` cookie (holding a MAC of the token, not the token) and redirects to the same
//! page without it; a request with neither is refused with `401` (`403` for a wrong token).
//!
#![cfg_attr(feature = "sqlite", doc = "```no_run")]
#![cfg_attr(not(feature = "sqlite"), doc = "```ignore")]
//! # use std::sync::Arc;
//! # use steppay_webhooks::dashboard::Dashboard;
//! # use steppay_webhooks::store::SqliteStore;
//! # async fn run(token: String) -> Result<(), Box<dyn std::error::Error>> {
//! let store = Arc::new(SqliteStore::open("deliveries.sqlite3").await?);
//! let router = Dashboard::new(store).access_token(token).router();
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! println!("http://{}/?token=…", listener.local_addr()?);
//! axum::serve(listener, router).await?;
//! # Ok(()) }
//! ```
//!
//! The page changes deliveries through the store alone: a retried delivery becomes pending,
//! and the receiver's worker (of any instance using the store) runs it within its poll
//! interval.

mod chart;
mod html;
mod i18n;
mod pages;
mod query;
mod routes;
mod security;

use std::fmt;
use std::sync::Arc;

use self::security::{AccessToken, Keys};
use crate::store::DeliveryStore;

/// 운영 화면 — The operator's page over `store`; [`router`](Dashboard::router) serves it. See
/// the [module docs](self) for what it shows and how it keeps its data.
///
/// `Debug` never shows the access token.
#[derive(Clone)]
pub struct Dashboard {
    store: Arc<dyn DeliveryStore>,
    token: Option<AccessToken>,
}

impl Dashboard {
    /// 화면 만들기 — A page over `store`, with no authentication of its own: mount its router
    /// behind your service's.
    pub fn new(store: Arc<dyn DeliveryStore>) -> Self {
        Self { store, token: None }
    }

    /// 접근 토큰 — Requires `token`: given once as `?token=` (then kept in a cookie), compared in
    /// constant time. An empty token lets nobody in.
    #[must_use]
    pub fn access_token(self, token: impl Into<String>) -> Self {
        Self { token: Some(AccessToken::new(token.into())), ..self }
    }

    /// 라우터 — The routes, to serve alone or to `nest` under a path of yours: `GET /` (the list),
    /// `GET /delivery?key=…`, `POST /delivery/{retry,replay,discard}`, `GET`/`POST /retry` (the
    /// bulk retry and its confirmation). Each router draws its own random key, so its cookies and
    /// forms are valid only for it.
    pub fn router(self) -> axum::Router {
        routes::router(routes::Inner { store: self.store, token: self.token, keys: Keys::random() })
    }
}

impl fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dashboard")
            .field("store", &self.store)
            .field("access_token", &self.token.as_ref().map(|_| "<not shown>"))
            .finish()
    }
}
