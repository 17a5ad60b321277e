//! `dashboard` as a user starts it: the built binary over an SQLite store on a free port of
//! 127.0.0.1; the URL it prints holds the token, a request with it gets the page and one
//! without it is refused.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use steppay_webhooks::store::SqliteStore;

/// The status, the session cookie it sets (`name=value`), and the body of a GET of `url`,
/// without following a redirect.
fn get(url: &str, cookie: Option<&str>) -> (u16, Option<String>, String) {
    let agent = ureq::Agent::new_with_config(
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(20)))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .build(),
    );
    let mut request = agent.get(url);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let mut response = request.call().expect("the dashboard answers");
    let status = response.status().as_u16();
    let set_cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    (status, set_cookie, response.body_mut().read_to_string().unwrap_or_default())
}

/// Kills the child when the test ends, passing or not.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_printed_url_opens_the_dashboard_and_nothing_else_does() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("deliveries.db");
    let rt = tokio::runtime::Runtime::new().expect("rt");
    drop(rt.block_on(SqliteStore::open(&path)).expect("a store"));

    let child = Command::new(env!("CARGO_BIN_EXE_steppay-webhooks"))
        .args(["--json", "dashboard", "--port", "0", "--store"])
        .arg(format!("sqlite:{}", path.display()))
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("starts");
    let mut running = Running(child);
    let stdout = running.0.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("the first line");
    let printed: serde_json::Value = serde_json::from_str(&line).expect("JSON");
    let url = printed["url"].as_str().expect("a URL").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let (base, token) = url.split_once("/?token=").expect("a token in the URL");
    assert!(token.len() >= 32, "{token}");

    // The URL with the token: the page, or (as the library does) a redirect to it that sets
    // the session cookie, which then opens it.
    let (status, cookie, page) = get(&url, None);
    let page = match status {
        200 => page,
        303 | 302 | 307 => {
            let cookie = cookie.expect("the token's visit sets a session cookie");
            assert!(!cookie.contains(token), "the cookie is not the token: {cookie}");
            let (status, _, page) = get(&format!("{base}/"), Some(&cookie));
            assert_eq!(status, 200, "{page}");
            page
        }
        other => panic!("{other}: {page}"),
    };
    assert!(page.contains("<html") || page.contains("<!DOCTYPE") || page.contains("<!doctype"));
    // Without the token, or with another one, refused.
    let (status, cookie, page) = get(&format!("{base}/"), None);
    assert!(status == 401 || status == 403, "{status}: {page}");
    assert!(cookie.is_none() && !page.contains(token));
    let (status, _, _) = get(&format!("{base}/?token=not-the-token"), None);
    assert!(status == 401 || status == 403, "{status}");
    let (status, _, _) = get(&format!("{base}/delivery?key=x"), None);
    assert!(status == 401 || status == 403, "{status}");
}
