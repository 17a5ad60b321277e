//! One table of deliveries, sent through every adapter: axum, hyper 1 and actix-web 4 over real
//! sockets, a tower stack and AWS Lambda's `lambda_http` called in process (Lambda with an API
//! Gateway event, as the runtime would hand it over). Each adapter must answer every row as the
//! table says, and so exactly as the others: status, `Content-Type`, `Retry-After`, `Allow` and
//! body.

use std::net::SocketAddr;
use std::sync::mpsc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use steppay_webhooks::receive::Receiver;
use steppay_webhooks::store::MemoryStore;
use steppay_webhooks::verify::sign;
use steppay_webhooks_reliability::{
    Act, PATH, Probe, SECRET, client, delivery, now, unreadable_delivery, verifier,
};
use tower::ServiceExt as _;

/// The largest body the receivers under test take: small, so that a too-large one is cheap.
const LIMIT: usize = 4096;

/// A request as sent: method, `Steppay-Signature`, body.
#[derive(Debug, Clone)]
struct Sent {
    method: &'static str,
    signature: Option<String>,
    body: Vec<u8>,
}

impl Sent {
    /// `body` posted and signed with `secret` at `timestamp`.
    fn post(secret: &str, timestamp: i64, body: Vec<u8>) -> Self {
        Self { method: "POST", signature: Some(sign(secret, timestamp, &body)), body }
    }

    /// `body` posted and signed as StepPay signs it, now.
    fn signed(body: Vec<u8>) -> Self {
        Self::post(SECRET, now(), body)
    }
}

/// What came back, the parts every adapter must agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Got {
    status: u16,
    content_type: Option<String>,
    retry_after: Option<String>,
    allow: Option<String>,
    body: String,
}

impl Got {
    /// The parts of an `http` 1 response.
    fn of(status: u16, headers: &http::HeaderMap, body: String) -> Self {
        let header = |name: &str| {
            headers.get(name).map(|value| value.to_str().expect("ASCII header").to_owned())
        };
        Self {
            status,
            content_type: header("content-type"),
            retry_after: header("retry-after"),
            allow: header("allow"),
            body,
        }
    }
}

/// The adapters under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Adapter {
    Axum,
    Hyper,
    Tower,
    Lambda,
    ActixWeb,
}

/// A receiver mounted on one adapter, ready to take requests.
enum Mounted {
    /// A server on a loopback port, stopped when dropped.
    Socket { address: SocketAddr, _server: Stop },
    /// A tower stack in front of the receiver, called in process.
    Tower(
        tower::util::BoxCloneService<
            http::Request<Full<Bytes>>,
            http::Response<String>,
            std::convert::Infallible,
        >,
    ),
    /// The receiver as `lambda_http` runs it.
    Lambda(Receiver<Probe>),
}

/// How a server is stopped.
enum Stop {
    Task(tokio::task::JoinHandle<()>),
    Actix(actix_web::dev::ServerHandle),
}

impl Drop for Stop {
    fn drop(&mut self) {
        match self {
            Self::Task(task) => task.abort(),
            Self::Actix(handle) => drop(handle.stop(false)),
        }
    }
}

impl Adapter {
    const ALL: [Self; 5] = [Self::Axum, Self::Hyper, Self::Tower, Self::Lambda, Self::ActixWeb];

    async fn mount(self, receiver: Receiver<Probe>) -> Mounted {
        match self {
            Self::Axum => {
                let app = axum::Router::new().route(PATH, receiver.into_method_router());
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let address = listener.local_addr().expect("address");
                let task =
                    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
                Mounted::Socket { address, _server: Stop::Task(task) }
            }
            Self::Hyper => {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let address = listener.local_addr().expect("address");
                let task = tokio::spawn(async move {
                    loop {
                        let (stream, _) = listener.accept().await.expect("accept");
                        let service =
                            hyper_util::service::TowerToHyperService::new(receiver.clone());
                        tokio::spawn(
                            hyper::server::conn::http1::Builder::new()
                                .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
                        );
                    }
                });
                Mounted::Socket { address, _server: Stop::Task(task) }
            }
            Self::Tower => {
                // A stack as a service would build it: a layer that looks at each request, and
                // the whole boxed, as routers hold their services.
                let stack = tower::ServiceBuilder::new()
                    .map_request(|request: http::Request<Full<Bytes>>| {
                        assert_eq!(request.uri().path(), PATH);
                        request
                    })
                    .service(receiver);
                Mounted::Tower(tower::util::BoxCloneService::new(stack))
            }
            Self::Lambda => Mounted::Lambda(receiver),
            Self::ActixWeb => {
                let (sender, started) = mpsc::channel();
                std::thread::spawn(move || {
                    actix_web::rt::System::new().block_on(async move {
                        let server = actix_web::HttpServer::new(move || {
                            actix_web::App::new().route(PATH, receiver.clone().into_actix_route())
                        })
                        .workers(1)
                        .disable_signals()
                        .bind(("127.0.0.1", 0))
                        .expect("bind");
                        let address = server.addrs()[0];
                        let server = server.run();
                        sender.send((address, server.handle())).expect("the test waits");
                        server.await.expect("serve");
                    });
                });
                let (address, handle) = started.recv().expect("actix-web started");
                Mounted::Socket { address, _server: Stop::Actix(handle) }
            }
        }
    }
}

impl Mounted {
    async fn send(&self, sent: &Sent) -> Got {
        match self {
            Self::Socket { address, .. } => {
                let method = reqwest::Method::from_bytes(sent.method.as_bytes()).expect("method");
                let mut request = client()
                    .request(method, format!("http://{address}{PATH}"))
                    .header("content-type", "application/json")
                    .body(sent.body.clone());
                if let Some(signature) = &sent.signature {
                    request = request.header("steppay-signature", signature);
                }
                let response = request.send().await.expect("request");
                let status = response.status().as_u16();
                let headers = response.headers().clone();
                Got::of(status, &headers, response.text().await.expect("body"))
            }
            Self::Tower(stack) => {
                let mut request = http::Request::builder()
                    .method(sent.method)
                    .uri(PATH)
                    .header("content-type", "application/json");
                if let Some(signature) = &sent.signature {
                    request = request.header("steppay-signature", signature);
                }
                let request =
                    request.body(Full::new(Bytes::from(sent.body.clone()))).expect("request");
                let response = stack.clone().oneshot(request).await.expect("infallible");
                let (parts, body) = response.into_parts();
                Got::of(parts.status.as_u16(), &parts.headers, body)
            }
            Self::Lambda(receiver) => {
                let request =
                    lambda_http::request::from_str(&api_gateway_event(sent)).expect("event");
                let response = receiver.clone().oneshot(request).await.expect("infallible");
                // What lambda_http hands back to the runtime, body converted as it converts it.
                let response = lambda_http::IntoResponse::into_response(response).await;
                let (parts, body) = response.into_parts();
                let body = match body {
                    lambda_http::Body::Text(text) => text,
                    lambda_http::Body::Empty => String::new(),
                    lambda_http::Body::Binary(bytes) => String::from_utf8(bytes).expect("UTF-8"),
                    other => panic!("an unexpected body: {other:?}"),
                };
                Got::of(parts.status.as_u16(), &parts.headers, body)
            }
        }
    }
}

/// `sent` as API Gateway's HTTP API (payload 2.0) hands it to a Lambda function.
fn api_gateway_event(sent: &Sent) -> String {
    let mut headers = serde_json::json!({ "content-type": "application/json" });
    if let Some(signature) = &sent.signature {
        headers["steppay-signature"] = signature.clone().into();
    }
    let body = String::from_utf8(sent.body.clone()).expect("the table's bodies are text");
    serde_json::json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": PATH,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "steppay",
            "domainName": "steppay.lambda-url.ap-northeast-2.on.aws",
            "domainPrefix": "steppay",
            "http": {
                "method": sent.method,
                "path": PATH,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "StepPay"
            },
            "requestId": "table",
            "routeKey": "$default",
            "stage": "$default",
            "time": "03/Dec/2026:00:00:00 +0000",
            "timeEpoch": 1_796_256_000_000_i64
        },
        "body": body,
        "isBase64Encoded": false
    })
    .to_string()
}

/// One row: what is sent, and the status and body it must get.
struct Row {
    name: &'static str,
    sent: Sent,
    status: u16,
    body: &'static str,
}

/// Every row but "in progress", which needs two requests at once. The probe's script gives the
/// runs, in order: success (good), failure (handler failed), panic (handler panicked), block
/// (in progress).
fn table() -> Vec<Row> {
    let row = |name, sent, status, body| Row { name, sent, status, body };
    let signed_long_ago = now() - 8 * 24 * 60 * 60;
    let too_large = format!("{{\"padding\": \"{}\"}}", "x".repeat(LIMIT));
    vec![
        row("good", Sent::signed(delivery(1)), 200, "handled"),
        row("duplicate", Sent::signed(delivery(1)), 200, "duplicate: handled before"),
        row(
            "forged",
            Sent::post("whsec_not_stepPays", now(), delivery(2)),
            401,
            "no signature in the Steppay-Signature header matches the body",
        ),
        row(
            "stale",
            Sent::post(SECRET, signed_long_ago, delivery(2)),
            401,
            // Then its age, which changes by the second.
            "signature timestamp ",
        ),
        row(
            "unsigned",
            Sent { method: "POST", signature: None, body: delivery(2) },
            401,
            "missing Steppay-Signature header",
        ),
        row(
            "too large",
            Sent::signed(too_large.into_bytes()),
            413,
            "webhook body is larger than the limit",
        ),
        row("unreadable", Sent::signed(unreadable_delivery(3)), 200, "unreadable: kept for replay"),
        row("handler failed", Sent::signed(delivery(4)), 500, "webhook handler failed"),
        row("handler panicked", Sent::signed(delivery(5)), 500, "webhook handler failed"),
        row(
            "wrong method",
            Sent { method: "GET", signature: None, body: Vec::new() },
            405,
            "only POST is accepted here",
        ),
    ]
}

/// A receiver with a memory store, whose handler does as the table's rows need.
fn receiver(probe: &Probe) -> Receiver<Probe> {
    Receiver::new(verifier(), probe.clone())
        .store(MemoryStore::new())
        .body_limit(LIMIT)
        // No retry of the failed rows while the table runs.
        .retry_schedule([Duration::from_secs(3600)])
}

/// Runs the table through `adapter`: each row's answer, by name.
async fn run(adapter: Adapter) -> Vec<(&'static str, Got)> {
    let probe = Probe::scripted([Act::Succeed, Act::Fail, Act::Panic, Act::Block]);
    let mounted = adapter.mount(receiver(&probe)).await;
    let mut answers = Vec::new();
    for row in table() {
        answers.push((row.name, mounted.send(&row.sent).await));
    }

    // In progress: the first request's run blocks; the same delivery again meanwhile must be
    // told to come back later, and the first then completes.
    let blocked = Sent::signed(delivery(6));
    let first = {
        let mounted = &mounted;
        let blocked = blocked.clone();
        async move { mounted.send(&blocked).await }
    };
    let second = async {
        probe.started(4).await;
        let got = mounted.send(&blocked).await;
        probe.open_gate(1);
        got
    };
    let (first, second) = tokio::join!(first, second);
    answers.push(("in progress", second));
    answers.push(("in progress, then handled", first));
    answers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_adapter_answers_the_table_alike() {
    let expected = table();
    let mut reference: Option<Vec<(&'static str, Got)>> = None;
    for adapter in Adapter::ALL {
        let mut answers = run(adapter).await;
        for (row, (name, got)) in expected.iter().zip(&mut answers) {
            assert_eq!(row.name, *name);
            if row.name == "stale" {
                assert!(got.body.starts_with(row.body), "{adapter:?}: stale: {}", got.body);
                assert!(got.body.ends_with("s allowed"), "{adapter:?}: stale: {}", got.body);
                got.body = row.body.to_owned();
            }
            assert_eq!(
                (got.status, got.body.as_str()),
                (row.status, row.body),
                "{adapter:?}: {name}"
            );
            assert_eq!(
                got.content_type.as_deref(),
                Some("text/plain; charset=utf-8"),
                "{adapter:?}: {name}"
            );
            assert_eq!(got.retry_after, None, "{adapter:?}: {name}");
            let allow = (row.status == 405).then(|| "POST".to_owned());
            assert_eq!(got.allow, allow, "{adapter:?}: {name}");
        }
        let (_, busy) = &mut answers[expected.len()];
        assert_eq!(busy.status, 503, "{adapter:?}: in progress");
        assert_eq!(busy.body, "being handled by another request; retry later");
        // The lease's remaining time, in whole seconds: 30 s at most.
        let wait: u64 = busy.retry_after.take().expect("Retry-After").parse().expect("seconds");
        assert!((1..=30).contains(&wait), "{adapter:?}: Retry-After {wait}");
        let (_, done) = &answers[expected.len() + 1];
        assert_eq!((done.status, done.body.as_str()), (200, "handled"), "{adapter:?}");

        match &reference {
            None => reference = Some(answers),
            Some(axum) => assert_eq!(&answers, axum, "{adapter:?} answers unlike axum"),
        }
    }
}
