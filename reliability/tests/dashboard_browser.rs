//! The dashboard in a real browser: headless Chromium driven through chromedriver (WebDriver),
//! over a real SQLite store that a receiver and its worker use at the same time, so that the
//! page's retry button really runs the handler again.
//!
//! It runs when `STEPPAY_TEST_CHROMEDRIVER` names the chromedriver binary (`.ci/run` sets it,
//! after `.ci/install-browser.sh`); without it, it says on stderr that it did not run and
//! passes; with it set, anything that does not work fails it. `STEPPAY_TEST_CHROMIUM` may name
//! the browser binary (chromedriver finds Debian's `/usr/bin/chromium` itself).
//!
//! The WebDriver calls are made here, with the reqwest client the suite already has: the test
//! needs eight of them, and a WebDriver crate would bring a TLS stack (rustls with aws-lc, or
//! OpenSSL) for a driver that listens on plain loopback HTTP.

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use steppay_webhooks::dashboard::Dashboard;
use steppay_webhooks_reliability::{Act, Backend, Fixture, Probe, client, delivery, post, serve};

const TOKEN: &str = "browser-test-token-5d1c";
/// The payer's email in the example delivery: personal data the page must not show.
const EMAIL: &str = "minji.kim@example.com";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// chromedriver, stopped when dropped.
struct Chromedriver {
    child: Child,
    url: String,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chromedriver {
    async fn start(program: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("address")
            .port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("STEPPAY_TEST_CHROMEDRIVER={program} does not start: {e}"));
        let driver = Self { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = client().get(format!("{}/status", driver.url)).send().await;
            if let Ok(reply) = ready {
                let status: Value = reply.json_value().await;
                if status["value"]["ready"] == json!(true) {
                    return driver;
                }
            }
            assert!(Instant::now() < deadline, "chromedriver ({program}) is not ready after 20 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The JSON of an answer.
trait JsonValue {
    async fn json_value(self) -> Value;
}

impl JsonValue for reqwest::Response {
    async fn json_value(self) -> Value {
        let text = self.text().await.expect("an answer");
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }
}

/// One browser session.
struct Browser {
    client: reqwest::Client,
    session: String,
}

impl Browser {
    async fn open(driver: &Chromedriver) -> Self {
        let mut options = json!({
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1500", "--lang=en-US"],
            "prefs": { "intl.accept_languages": "en-US,en" },
        });
        if let Ok(binary) = std::env::var("STEPPAY_TEST_CHROMIUM") {
            options["binary"] = json!(binary);
        }
        let capabilities = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome", "goog:chromeOptions": options } } });
        let client = client();
        let answer = client
            .post(format!("{}/session", driver.url))
            .body(capabilities.to_string())
            .send()
            .await
            .expect("chromedriver answers")
            .json_value()
            .await;
        let id = answer["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("chromedriver started no browser: {answer}"));
        let browser = Self { client, session: format!("{}/session/{id}", driver.url) };
        // Finding an element waits for it (up to 10 s): a click that submits a form returns
        // before the next page is there.
        browser.call("POST", "/timeouts", Some(json!({ "implicit": 10_000 }))).await;
        browser
    }

    /// Waits until the address contains `part` (a click's navigation has happened); returns it.
    async fn wait_for_url(&self, part: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = self.url().await;
            if url.contains(part) {
                return url;
            }
            assert!(Instant::now() < deadline, "the address is still {url}, without {part}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.session);
        let request = match method {
            "GET" => self.client.get(url),
            "DELETE" => self.client.delete(url),
            _ => self.client.post(url).body(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let answer = request.send().await.expect("chromedriver answers").json_value().await;
        let value = answer["value"].clone();
        assert!(value.get("error").is_none(), "WebDriver {method} {path}: {value}");
        value
    }

    async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url }))).await;
    }

    async fn source(&self) -> String {
        self.call("GET", "/source", None).await.as_str().expect("text").to_owned()
    }

    async fn url(&self) -> String {
        self.call("GET", "/url", None).await.as_str().expect("text").to_owned()
    }

    async fn find(&self, css: &str) -> String {
        let found = self
            .call("POST", "/element", Some(json!({ "using": "css selector", "value": css })))
            .await;
        found[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {found}")).to_owned()
    }

    async fn count(&self, css: &str) -> usize {
        let found = self
            .call("POST", "/elements", Some(json!({ "using": "css selector", "value": css })))
            .await;
        found.as_array().map_or(0, Vec::len)
    }

    async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.call("POST", &format!("/element/{element}/click"), None).await;
    }

    async fn text(&self, css: &str) -> String {
        let element = self.find(css).await;
        self.call("GET", &format!("/element/{element}/text"), None)
            .await
            .as_str()
            .expect("text")
            .to_owned()
    }

    async fn attribute(&self, css: &str, name: &str) -> String {
        let element = self.find(css).await;
        let value = self.call("GET", &format!("/element/{element}/attribute/{name}"), None).await;
        value.as_str().unwrap_or_default().to_owned()
    }

    async fn screenshot(&self) -> Vec<u8> {
        let data = self.call("GET", "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("base64"))
            .expect("a PNG")
    }

    async fn close(self) {
        self.call("DELETE", "", None).await;
    }
}

/// Where the screenshot goes: `target/dashboard.png` of the workspace (or `CARGO_TARGET_DIR`).
fn screenshot_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"), PathBuf::from);
    target.join("dashboard.png")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_filters_inspects_and_retries_in_a_real_browser() {
    let program = match std::env::var("STEPPAY_TEST_CHROMEDRIVER") {
        Ok(program) if !program.trim().is_empty() => program,
        _ => {
            // Straight to the terminal: the harness hides what a passing test `eprintln!`s.
            let _ = writeln!(
                std::io::stderr(),
                "\nnote: the dashboard's browser test did NOT run: STEPPAY_TEST_CHROMEDRIVER is \
                 not set. To run it:\n      .ci/install-browser.sh && \
                 STEPPAY_TEST_CHROMEDRIVER=/usr/bin/chromedriver cargo test -p \
                 steppay-webhooks-reliability --test dashboard_browser\n"
            );
            return;
        }
    };
    let driver = Chromedriver::start(&program).await;

    // A receiver with its worker over a SQLite file: payment 2 fails twice and dies (one retry
    // allowed), payment 1 fails once and waits an hour, payment 3 is handled; from then on the
    // handler succeeds.
    let fixture = Fixture::of(Backend::Sqlite).await;
    let probe = Probe::scripted([Act::Fail, Act::Fail, Act::Fail]);
    let receiver = fixture.receiver(&probe).retry_schedule([Duration::from_secs(3600)]);
    let server = serve(receiver).await;
    let http = client();
    assert_eq!(post(&http, server.address, &delivery(2)).await.status, 500);
    assert_eq!(post(&http, server.address, &delivery(2)).await.status, 500);
    assert_eq!(post(&http, server.address, &delivery(1)).await.status, 500);
    assert_eq!(post(&http, server.address, &delivery(3)).await.status, 200);

    let dashboard = Dashboard::new(Arc::clone(&fixture.store)).access_token(TOKEN).router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address: SocketAddr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, dashboard).await.expect("serve") });
    let base = format!("http://{address}");

    let browser = Browser::open(&driver).await;
    // Without the token: refused.
    browser.goto(&format!("{base}/")).await;
    assert!(browser.source().await.contains(r#"data-status="401""#), "refused without the token");

    // With it: the cookie is set and the token leaves the address bar.
    browser.goto(&format!("{base}/?token={TOKEN}")).await;
    assert_eq!(browser.url().await, format!("{base}/"));
    assert_eq!(browser.count("tr[data-key]").await, 3, "the three deliveries are listed");
    for state in ["failed", "dead", "done"] {
        assert_eq!(browser.count(&format!("tr[data-state={state}]")).await, 1, "{state}");
    }
    assert!(!browser.source().await.contains(EMAIL));
    // The list with a delivery in each of the three states, for the README.
    let png = browser.screenshot().await;
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let path = screenshot_path();
    std::fs::create_dir_all(path.parent().expect("a folder")).expect("create target/");
    std::fs::write(&path, png).expect("write the screenshot");
    let _ = writeln!(std::io::stderr(), "dashboard browser test: screenshot at {}", path.display());

    // A filter narrows the list, by the form.
    browser.click(r#"form.filter input[name=state][value=failed]"#).await;
    browser.click("form.filter button[type=submit]").await;
    browser.wait_for_url("state=failed").await;
    assert_eq!(browser.count("tr[data-key]").await, 1);

    // The delivery's page hides the payer's data.
    browser.click("tr[data-state=failed] td:last-child a").await;
    browser.wait_for_url("/delivery?key=").await;
    let body = browser.text(r#"pre[data-field=body]"#).await;
    assert!(body.contains("<redacted>") && body.contains("\"paymentId\": 1"), "{body}");
    assert!(!body.contains(EMAIL) && !browser.source().await.contains(EMAIL));
    assert_eq!(browser.attribute("dd[data-field=state] .badge", "data-state").await, "failed");
    let png = browser.screenshot().await;
    std::fs::write(path.with_file_name("dashboard-delivery.png"), png).expect("write");

    // Retry: the worker runs it again, and the handler now succeeds.
    browser.click("#retry").await;
    let after = browser.wait_for_url("did=retry&n=1").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let state = browser.attribute("dd[data-field=state] .badge", "data-state").await;
        if state == "done" {
            break;
        }
        assert!(Instant::now() < deadline, "still {state} 15 s after the retry");
        tokio::time::sleep(Duration::from_millis(200)).await;
        browser.goto(&after).await;
    }
    assert_eq!(probe.successes(1), 1, "the handler ran payment 1 again, and it succeeded");

    browser.close().await;
    drop(server);
}
