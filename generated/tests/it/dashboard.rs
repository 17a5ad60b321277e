//! The operator's page over a real SQLite file holding a failed, a dead and a done delivery,
//! served on loopback and asked over a raw TCP socket, as a browser would: what it shows, what it
//! hides, what it refuses, and what its buttons do to the store.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use steppay_webhooks::dashboard::Dashboard;
use steppay_webhooks::key::DeliveryKey;
use steppay_webhooks::store::{
    Arrival, AttemptOutcome, AttemptRecord, BoxFuture, Claim, DeliveryStore, SqliteStore,
    StartedBy, State, StoreError,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const FAILED: &str = "key-failed-0001";
const DEAD: &str = "key-dead-0002";
const DONE: &str = "key-done-0003";
/// Personal data in the example deliveries (the payer's email and name).
const PERSONAL: [&str; 2] = ["minji.kim@example.com", "김민지"];

fn temp_path(name: &str) -> PathBuf {
    let nanos =
        SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    std::env::temp_dir()
        .join(format!("steppay-dashboard-{name}-{}-{nanos}.sqlite3", std::process::id()))
}

/// Claims `key` with `event`'s example body and records one run that ends as `end` says.
async fn deliver(store: &SqliteStore, key: &str, event: &str, end: Option<Option<Duration>>) {
    let body = super::example(event);
    let key = DeliveryKey::new(key);
    let arrival = Arrival::new(&key, Some(event), body.as_bytes()).subject(Some("payment:4418273"));
    let Claim::Acquired(lease) =
        store.claim(&arrival, Duration::from_secs(30)).await.expect("claim")
    else {
        panic!("a new key is acquired")
    };
    let run = |outcome| {
        AttemptRecord::new(
            1,
            SystemTime::now(),
            Duration::from_millis(12),
            outcome,
            StartedBy::Request,
        )
    };
    match end {
        None => store.complete(&lease, &run(AttemptOutcome::Handled)).await.expect("complete"),
        Some(retry_in) => {
            store.fail(&lease, &run(AttemptOutcome::Failed), retry_in).await.expect("fail");
        }
    }
}

/// A store holding a failed (due in an hour), a dead and a done delivery.
async fn store(name: &str) -> Arc<SqliteStore> {
    let store = SqliteStore::open(temp_path(name)).await.expect("open the SQLite store");
    deliver(&store, FAILED, "payment.failed", Some(Some(Duration::from_secs(3600)))).await;
    deliver(&store, DEAD, "payment.completed", Some(None)).await;
    deliver(&store, DONE, "payment.completed", None).await;
    Arc::new(store)
}

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    address
}

/// An answer: status, headers (lowercased names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request over a fresh connection.
async fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Answer {
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let mut request =
        format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST" {
        request.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    let text = String::from_utf8(raw).expect("UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head");
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    // Chunked bodies are read as they come: the assertions look for text inside them.
    Answer { status, headers, body: body.to_owned() }
}

async fn get(address: SocketAddr, path: &str) -> Answer {
    http(address, "GET", path, &[("Accept-Language", "en-US,en;q=0.9")], "").await
}

/// The CSRF token of the first form of a page.
fn csrf(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).expect("a form with a CSRF token");
    page[at + 19..].split('"').next().expect("a value").to_owned()
}

async fn state_of(store: &SqliteStore, key: &str) -> State {
    store.get(&DeliveryKey::new(key)).await.expect("get").expect("a record").summary.state
}

#[tokio::test]
async fn the_list_shows_counts_chart_and_filtered_rows_without_personal_data() {
    let store = store("list").await;
    let address = serve(Dashboard::new(store).router()).await;

    let korean = http(address, "GET", "/", &[], "").await;
    assert_eq!(korean.status, 200);
    assert!(korean.body.contains(r#"<html lang="ko">"#) && korean.body.contains("상태별 배달 수"));
    assert_eq!(korean.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(
        korean.header("content-security-policy").is_some_and(|c| c.contains("default-src 'none'"))
    );

    let all = get(address, "/").await;
    assert!(all.body.contains(r#"<html lang="en">"#));
    for key in [FAILED, DEAD, DONE] {
        assert!(all.body.contains(&format!(r#"data-key="{key}""#)), "{key} listed");
    }
    assert!(all.body.contains("<svg") && all.body.contains(r#"<rect"#), "the chart has bars");
    for value in PERSONAL {
        assert!(!all.body.contains(value), "the list shows {value}");
    }

    let failing = get(address, "/?state=failed&state=dead&event=payment.completed&event=payment.failed&min_attempts=1&subject=payment%3A4418273").await;
    assert_eq!(failing.status, 200);
    assert!(failing.body.contains(&format!(r#"data-key="{FAILED}""#)));
    assert!(failing.body.contains(&format!(r#"data-key="{DEAD}""#)));
    assert!(!failing.body.contains(&format!(r#"data-key="{DONE}""#)));
    assert!(failing.body.contains(r#"data-matching="2""#));
    // The filter is kept in the form and the bulk retry link.
    assert!(failing.body.contains(r#"value="failed" checked"#));
    assert!(failing.body.contains("retry?state=failed&amp;state=dead&amp;event=payment.completed"));

    let one_event = get(address, "/?event=payment.failed").await;
    assert!(one_event.body.contains(r#"data-matching="1""#));

    // Keyset pages of one, newest first, with links that keep the filter: walking them meets
    // each delivery once. (They may share an arrival time; the key breaks the tie.)
    let mut seen = Vec::new();
    let mut path = "/?limit=1".to_owned();
    loop {
        let page = get(address, &path).await;
        assert_eq!(page.status, 200, "{path}");
        let keys: Vec<&str> = [FAILED, DEAD, DONE]
            .into_iter()
            .filter(|key| page.body.contains(&format!(r#"data-key="{key}""#)))
            .collect();
        assert_eq!(keys.len(), 1, "{path}: one delivery per page");
        seen.extend(keys);
        match page.body.split(r#"rel="next" href=""#).nth(1).and_then(|s| s.split('"').next()) {
            Some(next) => {
                assert!(next.contains("limit=1&amp;after="), "{next}");
                path = next.replace("&amp;", "&");
            }
            None => break,
        }
        assert!(seen.len() <= 3, "the pages do not end");
    }
    seen.sort_unstable();
    assert_eq!(seen, [DEAD, DONE, FAILED]);
}

#[tokio::test]
async fn a_delivery_shows_its_runs_and_its_body_redacted() {
    let store = store("detail").await;
    let address = serve(Dashboard::new(store).router()).await;
    let page = get(address, &format!("/delivery?key={FAILED}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"data-state="failed""#));
    assert!(page.body.contains("payment.failed") && page.body.contains("payment:4418273"));
    assert!(page.body.contains(r#"data-outcome="failed""#) && page.body.contains("12 ms"));
    assert!(page.body.contains("Next run"));
    assert!(page.body.contains("&lt;redacted&gt;"));
    assert!(page.body.contains("4526190"), "non-personal values stay: the payment id");
    for value in PERSONAL {
        assert!(!page.body.contains(value), "the detail shows {value}");
    }
    assert!(page.body.contains(r#"id="retry""#) && page.body.contains(r#"id="discard""#));
    let done = get(address, &format!("/delivery?key={DONE}")).await;
    assert!(done.body.contains("not kept") && !done.body.contains(r#"id="retry""#));
}

#[tokio::test]
async fn bad_input_gets_a_4xx_page_in_the_operators_language() {
    let store = store("bad").await;
    let address = serve(Dashboard::new(store).router()).await;
    for (path, status, says) in [
        ("/?state=gone", 400, "`gone` is not a delivery state"),
        ("/?since=yesterday", 400, "is not a time"),
        ("/?limit=5000", 400, "the most is 200"),
        ("/?after=zz", 400, "page position"),
        ("/?min_attempts=-2", 400, "whole number"),
        ("/?subject=payment", 400, "not a subject"),
        ("/?state=%ff", 400, "encoding"),
        ("/delivery", 400, "No delivery key"),
        ("/delivery?key=no-such-key", 404, "no delivery with key `no-such-key`"),
        ("/delivery?key=%3Cscript%3E", 404, "`&lt;script&gt;`"),
    ] {
        let answer = get(address, path).await;
        assert_eq!(answer.status, status, "{path}");
        assert!(answer.body.contains(says), "{path}: {}", answer.body);
        assert!(!answer.body.contains("<script>"), "{path}");
    }
    let korean = http(address, "GET", "/?state=gone", &[("Accept-Language", "ko-KR")], "").await;
    assert_eq!(korean.status, 400);
    assert!(korean.body.contains("배달 상태가 아닙니다"));
}

#[tokio::test]
async fn actions_need_the_csrf_token_and_change_the_store() {
    let store = store("actions").await;
    let address =
        serve(Dashboard::new(Arc::clone(&store) as Arc<dyn DeliveryStore>).router()).await;
    let page = get(address, &format!("/delivery?key={FAILED}")).await;
    let token = csrf(&page.body);

    for form in [
        format!("key={FAILED}"),
        format!("key={FAILED}&csrf=00{token}"),
        format!("key={FAILED}&csrf="),
    ] {
        let refused = http(address, "POST", "/delivery/retry", &[], &form).await;
        assert_eq!(refused.status, 403, "{form}");
    }
    let cross_site = http(
        address,
        "POST",
        "/delivery/retry",
        &[("Sec-Fetch-Site", "cross-site")],
        &format!("key={FAILED}&csrf={token}"),
    )
    .await;
    assert_eq!(cross_site.status, 403);
    assert_eq!(state_of(&store, FAILED).await, State::Failed, "nothing changed");

    let retried =
        http(address, "POST", "/delivery/retry", &[], &format!("key={FAILED}&csrf={token}")).await;
    assert_eq!(retried.status, 303);
    assert_eq!(
        retried.header("location"),
        Some(format!("/delivery?key={FAILED}&did=retry&n=1").as_str())
    );
    assert_eq!(state_of(&store, FAILED).await, State::Pending);

    let unknown =
        http(address, "POST", "/delivery/retry", &[], &format!("key=nope&csrf={token}")).await;
    assert_eq!(unknown.status, 404);
    let no_reason = http(
        address,
        "POST",
        "/delivery/discard",
        &[],
        &format!("key={DEAD}&csrf={token}&reason="),
    )
    .await;
    assert_eq!(no_reason.status, 400);
    let discarded = http(
        address,
        "POST",
        "/delivery/discard",
        &[],
        &format!("key={DEAD}&csrf={token}&reason=refunded+by+hand"),
    )
    .await;
    assert_eq!(discarded.status, 303);
    let record = store.get(&DeliveryKey::new(DEAD)).await.expect("get").expect("record");
    assert_eq!(record.summary.state, State::Discarded);
    assert_eq!(record.summary.reason.as_deref(), Some("refunded by hand"));
}

#[tokio::test]
async fn a_bulk_retry_shows_its_count_first() {
    let store = store("bulk").await;
    let address =
        serve(Dashboard::new(Arc::clone(&store) as Arc<dyn DeliveryStore>).router()).await;
    let confirm = get(address, "/retry?event=payment.completed&event=payment.failed").await;
    assert_eq!(confirm.status, 200);
    assert!(confirm.body.contains(r#"data-confirm-count="2""#), "{}", confirm.body);
    assert_eq!(state_of(&store, DEAD).await, State::Dead, "confirming changes nothing");
    let done_only = get(address, "/retry?state=done").await;
    assert!(
        done_only.body.contains(r#"data-confirm-count="0""#)
            && !done_only.body.contains("confirm-retry")
    );

    let token = csrf(&confirm.body);
    let form = format!("csrf={token}&event=payment.completed&event=payment.failed");
    let retried = http(address, "POST", "/retry", &[], &form).await;
    assert_eq!(retried.status, 303);
    assert!(retried.header("location").is_some_and(|l| l.contains("did=retry&n=2")));
    assert_eq!(state_of(&store, DEAD).await, State::Pending);
    assert_eq!(state_of(&store, FAILED).await, State::Pending);
    assert_eq!(state_of(&store, DONE).await, State::Done);
    let refused = http(address, "POST", "/retry", &[], "state=done").await;
    assert_eq!(refused.status, 403);
}

#[tokio::test]
async fn with_a_token_only_its_holder_gets_in_and_the_links_follow_a_nested_path() {
    let store = store("token").await;
    let dashboard = Dashboard::new(store).access_token("t0ken-1234");
    assert!(!format!("{dashboard:?}").contains("t0ken"));
    let address = serve(axum::Router::new().nest("/ops", dashboard.router())).await;

    let none = get(address, "/ops").await;
    assert_eq!(none.status, 401);
    assert!(none.body.contains("access token") && !none.body.contains("t0ken"));
    let wrong = get(address, "/ops?token=t0ken-123").await;
    assert_eq!(wrong.status, 403);
    let empty = get(address, "/ops?token=").await;
    assert_eq!(empty.status, 403, "an empty token is a wrong one");

    let right = get(address, "/ops?state=failed&token=t0ken-1234").await;
    assert_eq!(right.status, 303);
    assert_eq!(right.header("location"), Some("/ops?state=failed"));
    let cookie = right.header("set-cookie").expect("a cookie").to_owned();
    assert!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict")
            && cookie.contains("Path=/ops;")
    );
    assert!(!cookie.contains("t0ken"), "the cookie holds a MAC, not the token");
    let session = cookie.split(';').next().expect("name=value");

    let page = http(
        address,
        "GET",
        "/ops?state=failed",
        &[("Cookie", session), ("Accept-Language", "en")],
        "",
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!(r#"href="/ops/delivery?key={FAILED}""#)), "{}", page.body);
    assert!(!page.body.contains("t0ken"));
    assert!(page.body.contains(r#"<form class="filter" method="get" action="/ops">"#));
    let forged = http(address, "GET", "/ops", &[("Cookie", "steppay_dashboard=00ff")], "").await;
    assert_eq!(forged.status, 401);
    // A POST with the right CSRF token but no session is still refused.
    let detail =
        http(address, "GET", &format!("/ops/delivery?key={FAILED}"), &[("Cookie", session)], "")
            .await;
    let token = csrf(&detail.body);
    let no_session =
        http(address, "POST", "/ops/delivery/retry", &[], &format!("key={FAILED}&csrf={token}"))
            .await;
    assert_eq!(no_session.status, 401);
}

/// A store whose every operation fails as an unreachable database does, naming a secret.
#[derive(Debug)]
struct Unreachable;

fn down<'a, T: Send + 'a>() -> BoxFuture<'a, Result<T, StoreError>> {
    Box::pin(async {
        Err(StoreError::Unavailable("connect to db.internal with password=hunter2 failed".into()))
    })
}

impl DeliveryStore for Unreachable {
    fn claim<'a>(
        &'a self,
        _: &'a Arrival<'a>,
        _: Duration,
    ) -> BoxFuture<'a, Result<Claim, StoreError>> {
        down()
    }
    fn renew<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Lease,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        down()
    }
    fn complete<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Lease,
        _: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        down()
    }
    fn fail<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Lease,
        _: &'a AttemptRecord,
        _: Option<Duration>,
    ) -> BoxFuture<'a, Result<steppay_webhooks::store::Failed, StoreError>> {
        down()
    }
    fn quarantine<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Lease,
        _: &'a str,
        _: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        down()
    }
    fn record_attempt<'a>(
        &'a self,
        _: &'a DeliveryKey,
        _: &'a AttemptRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        down()
    }
    fn release<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Lease,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        down()
    }
    fn claim_due(
        &self,
        _: usize,
        _: Duration,
        _: u32,
    ) -> BoxFuture<'_, Result<Vec<steppay_webhooks::store::KeptDelivery>, StoreError>> {
        down()
    }
    fn bury_abandoned(
        &self,
        _: u32,
    ) -> BoxFuture<'_, Result<Vec<steppay_webhooks::store::DeadLetter>, StoreError>> {
        down()
    }
    fn cleanup(&self) -> BoxFuture<'_, Result<steppay_webhooks::store::Cleanup, StoreError>> {
        down()
    }
    fn get<'a>(
        &'a self,
        _: &'a DeliveryKey,
    ) -> BoxFuture<'a, Result<Option<steppay_webhooks::store::DeliveryRecord>, StoreError>> {
        down()
    }
    fn list<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Filter,
        _: &'a steppay_webhooks::store::Page,
    ) -> BoxFuture<'a, Result<Vec<steppay_webhooks::store::DeliverySummary>, StoreError>> {
        down()
    }
    fn count<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Filter,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        down()
    }
    fn counts(&self) -> BoxFuture<'_, Result<steppay_webhooks::store::StateCounts, StoreError>> {
        down()
    }
    fn per_hour(
        &self,
        _: SystemTime,
    ) -> BoxFuture<'_, Result<Vec<steppay_webhooks::store::HourCount>, StoreError>> {
        down()
    }
    fn retry<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Filter,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        down()
    }
    fn replay<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Filter,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        down()
    }
    fn discard<'a>(
        &'a self,
        _: &'a steppay_webhooks::store::Filter,
        _: &'a str,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        down()
    }
    fn remembers_for(&self) -> Option<Duration> {
        None
    }
}

#[tokio::test]
async fn a_store_that_fails_gets_a_503_that_names_nothing() {
    let address = serve(Dashboard::new(Arc::new(Unreachable)).router()).await;
    for path in ["/", "/delivery?key=k", "/retry"] {
        let answer = get(address, path).await;
        assert_eq!(answer.status, 503, "{path}");
        assert!(answer.body.contains("did not answer"), "{path}");
        assert!(!answer.body.contains("hunter2") && !answer.body.contains("db.internal"), "{path}");
    }
}
