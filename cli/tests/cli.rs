//! The built `steppay-webhooks` binary, end to end: against the crate's own axum receiver on
//! 127.0.0.1:0, against `listen`, and on files holding each kind of broken delivery.

use std::io::{BufRead as _, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use assert_cmd::Command;
use expect_test::expect_file;
use serde_json::Value;
use steppay_webhooks::receive::Receiver;
use steppay_webhooks::types::Payment;
use steppay_webhooks::verify::{Verifier, sign};
use steppay_webhooks::{Delivery, EventType, Handler, HandlerError, testing};

const SECRET: &str = "whsec_cli_5e2a91";
const PATH: &str = "/webhooks/steppay";

/// The binary, with the secret in its environment, no proxy and no colour.
fn cli() -> Command {
    let mut command = Command::cargo_bin("steppay-webhooks").expect("the binary is built");
    command
        .env("STEPPAY_WEBHOOK_SECRET", SECRET)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .timeout(Duration::from_secs(60));
    for proxy in
        ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    {
        command.env_remove(proxy);
    }
    command
}

/// What the receiver's handler was given for a completed payment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Paid {
    amount: Option<String>,
    status: String,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Paid>>>);

impl Handler for Recorder {
    async fn payment_completed(
        &self,
        _: &Delivery<'_>,
        payment: &Payment,
    ) -> Result<(), HandlerError> {
        let paid = Paid {
            amount: payment.paid_amount.map(|a| a.to_string()),
            status: payment.status.as_str().to_owned(),
        };
        self.0.lock().expect("not poisoned").push(paid);
        Ok(())
    }
}

/// The crate's own receiver, as the README mounts it, on 127.0.0.1:0.
struct Server {
    url: String,
    paid: Recorder,
    _runtime: tokio::runtime::Runtime,
}

fn server() -> Server {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let paid = Recorder::default();
    let verifier = Verifier::new([SECRET]).expect("a secret");
    let app =
        axum::Router::new().route(PATH, Receiver::new(verifier, paid.clone()).into_method_router());
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind");
    let address: SocketAddr = listener.local_addr().expect("address");
    runtime.spawn(async move { axum::serve(listener, app).await.expect("serve") });
    Server { url: format!("http://{address}{PATH}"), paid, _runtime: runtime }
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8")
}

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object a line"))
        .collect()
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schema/examples")
}

#[test]
fn send_all_gets_200_for_every_event() {
    let server = server();
    let output = cli().args(["send", "--all", "--to", &server.url]).output().expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    for event_type in EventType::ALL {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("{event_type} ")))
            .unwrap_or_else(|| panic!("{event_type}: {text}"));
        assert!(row.contains(" 200 ") && row.ends_with("handled"), "{row}");
    }
    assert!(
        text.contains(&format!("{n} answered 2xx, 0 did not", n = EventType::ALL.len())),
        "{text}"
    );

    let output =
        cli().args(["--json", "send", "--all", "--to", &server.url]).output().expect("runs");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), EventType::ALL.len());
    for (line, event_type) in lines.iter().zip(EventType::ALL) {
        assert_eq!(line["event"], event_type.as_str());
        assert_eq!(line["status"], 200, "{line}");
    }
    // Each run handled payment.completed once: de-duplication is the store's job, and there is none.
    assert_eq!(server.paid.0.lock().expect("not poisoned").len(), 2);
}

#[test]
fn send_with_set_changes_what_the_handler_receives() {
    let server = server();
    let output = cli()
        .args([
            "send",
            "payment.completed",
            "--set",
            "data.paidAmount=1500",
            "--set",
            r#"data.status="PARTIAL_CANCELED""#,
        ])
        .args(["--label", "v0", "--to", &server.url])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("200 OK in") && text.contains("handled"), "{text}");
    assert_eq!(
        *server.paid.0.lock().expect("not poisoned"),
        [Paid { amount: Some("1500".into()), status: "PARTIAL_CANCELED".into() }]
    );
}

#[test]
fn a_body_from_a_file_or_stdin_is_sent_as_given() {
    let server = server();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("delivery.json");
    let body = testing::example(EventType::PaymentCompleted).body;
    std::fs::write(&path, body).expect("write the body");
    let from_file = cli().args(["send", "--body"]).arg(&path).args(["--to", &server.url]).output();
    let from_file = from_file.expect("runs");
    assert!(from_file.status.success(), "{}", stderr(&from_file));
    let from_stdin =
        cli().args(["send", "-", "--to", &server.url]).write_stdin(body).output().expect("runs");
    assert!(from_stdin.status.success(), "{}", stderr(&from_stdin));
    assert_eq!(server.paid.0.lock().expect("not poisoned").len(), 2);

    // Nothing to send is clap's usage error: exit 2, before any secret or connection.
    let (listener, url) = witness();
    let nothing = cli().args(["send", "--to", &url]).output().expect("runs");
    assert_eq!(nothing.status.code(), Some(2), "{}", stderr(&nothing));
    assert!(stderr(&nothing).contains("required arguments"), "{}", stderr(&nothing));
    assert!(listener.accept().is_err(), "nothing was sent");
}

/// A port where a connection would be noticed: any attempt shows up as a pending accept.
fn witness() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("http://{}{PATH}", listener.local_addr().expect("address"));
    (listener, url)
}

#[test]
fn a_bad_set_fails_before_sending() {
    let (listener, url) = witness();
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["--set", "isTest.x=1"],
            &["`isTest` is a boolean of the envelope, with no fields under it"],
        ),
        (
            &["--set", "data.paidAmont=1500"],
            &[
                "`data.paidAmont` is not a field: Payment has no `paidAmont`",
                "did you mean `data.paidAmount`?",
            ],
        ),
        (
            &["--set", r#"data.paidAmount="1500""#],
            &["`data.paidAmount` takes a number, or null, not a string"],
        ),
        (&["--set", "data.payer.nickname=1"], &["Payer has no `nickname`"]),
        (
            &["--unset", "data.paymentId"],
            &["`data.paymentId` cannot be unset: Payment requires it"],
        ),
    ];
    for (change, expected) in cases {
        let output = cli()
            .args(["send", "payment.completed"])
            .args(change)
            .args(["--to", &url])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{change:?}");
        let errors = stderr(&output);
        for part in expected {
            assert!(errors.contains(part), "{change:?}: {errors}");
        }
        assert!(errors.contains(&format!("--> {}", change.join(" "))), "{errors}");
    }
    let error = listener.accept().expect_err("no connection was made");
    assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock);
}

#[test]
fn a_non_2xx_answer_and_an_unreachable_endpoint_have_their_own_exit_codes() {
    let server = server();
    // The receiver verifies with another secret: 401.
    let output = cli()
        .env("STEPPAY_WEBHOOK_SECRET", "not-the-receivers")
        .args(["send", "payment.completed", "--to", &server.url])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(
        text.contains("401 Unauthorized")
            && text.contains("no signature in the Steppay-Signature header matches"),
        "{text}"
    );

    let (listener, url) = witness();
    drop(listener);
    let output = cli().args(["send", "payment.completed", "--to", &url]).output().expect("runs");
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(stderr(&output).contains("could not reach"), "{}", stderr(&output));
}

#[test]
fn the_secret_comes_from_the_environment_and_is_never_printed() {
    let output = cli()
        .env_remove("STEPPAY_WEBHOOK_SECRET")
        .args(["send", "order.created", "--to", "http://127.0.0.1:9/"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("STEPPAY_WEBHOOK_SECRET"), "{}", stderr(&output));

    for args in [&["--help"][..], &["send", "--help"], &["verify", "--help"], &["listen", "--help"]]
    {
        let output = cli().args(args).output().expect("runs");
        assert!(output.status.success());
        let help = stdout(&output);
        assert!(!help.contains(SECRET), "{args:?}");
        assert!(help.contains("Examples:"), "{args:?}: {help}");
    }
}

#[test]
fn dry_run_prints_a_curl_command_that_signs_without_printing_the_secret() {
    let server = server();
    let timestamp = testing::now();
    let output = cli()
        .args([
            "send",
            "payment.completed",
            "--dry-run",
            "--timestamp",
            &timestamp.to_string(),
            "--to",
            &server.url,
        ])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let line = stdout(&output);
    let body = testing::example(EventType::PaymentCompleted).body;
    let body = String::from_utf8_lossy(body).replace("1741065731", &timestamp.to_string());
    let signature = sign(SECRET, timestamp, body.as_bytes());
    let signature = signature.rsplit_once("key=").expect("a signature").1;
    assert!(!line.contains(SECRET) && !line.contains(signature), "{line}");
    assert!(server.paid.0.lock().expect("not poisoned").is_empty(), "a dry run sends nothing");

    // The printed command, run by a shell with the secret in its environment, is accepted.
    let run = std::process::Command::new("bash")
        .args(["-c", &line])
        .env("STEPPAY_WEBHOOK_SECRET", SECRET)
        .output()
        .expect("bash, curl and openssl run");
    let answer = String::from_utf8_lossy(&run.stdout);
    assert!(
        answer.starts_with("HTTP/1.1 200 OK"),
        "{answer}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(server.paid.0.lock().expect("not poisoned").len(), 1);
}

#[test]
fn events_lists_every_event_type_with_its_names() {
    let output = cli().args(["events"]).output().expect("runs");
    let text = stdout(&output);
    for event_type in EventType::ALL {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("{event_type} ")))
            .unwrap_or_else(|| panic!("{event_type}"));
        assert!(
            row.contains(event_type.name_ko())
                && row.contains(event_type.name_en())
                && row.ends_with(event_type.schema()),
            "{row}"
        );
    }
    let output = cli().args(["--json", "events"]).output().expect("runs");
    let lines = json_lines(&output);
    assert_eq!(lines.len(), EventType::ALL.len());
    assert_eq!(lines[0]["name"]["ko"], EventType::ALL[0].name_ko());
}

/// A file in `dir` holding `bytes`.
fn file(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path.to_string_lossy().into_owned()
}

const NOW: i64 = 1_741_065_731;

/// `verify` of `body` with `header` (or none): the exit code, the JSON diagnosis, and stderr.
fn verify(header: Option<&str>, body: &[u8], extra: &[&str]) -> (Option<i32>, Value, String) {
    let dir = tempfile::tempdir().expect("a folder");
    let mut command = cli();
    command.args(["--json", "verify", "--now", &NOW.to_string()]).args(extra);
    match header {
        Some(header) => command.args(["--header", header, &file(dir.path(), "body.json", body)]),
        // A captured request without the header.
        None => {
            let request = [
                &b"POST /webhooks/steppay HTTP/1.1\r\nContent-Type: application/json\r\n\r\n"[..],
                body,
            ]
            .concat();
            command.arg(file(dir.path(), "request.http", &request))
        }
    };
    let output = command.output().expect("runs");
    let errors = stderr(&output);
    let lines = json_lines(&output);
    assert_eq!(lines.len(), 1, "{errors}");
    let printed = format!("{}{errors}", stdout(&output));
    assert!(!printed.contains(SECRET), "the secret was printed: {printed}");
    (output.status.code(), lines[0].clone(), errors)
}

fn example_body() -> Vec<u8> {
    testing::example(EventType::PaymentCompleted).body.to_vec()
}

/// A body as StepPay would send it: compact, as signed.
fn compact_body() -> Vec<u8> {
    let value: Value = serde_json::from_slice(&example_body()).expect("JSON");
    let _ = value;
    // Compact, keys in StepPay's order: strip the example's indentation and line breaks.
    let text = String::from_utf8(example_body()).expect("UTF-8");
    text.lines().map(|l| l.trim().replace("\": ", "\":")).collect::<String>().into_bytes()
}

#[test]
fn verify_accepts_a_delivery_that_verifies() {
    let body = example_body();
    let (code, json, _) = verify(Some(&sign(SECRET, NOW - 10, &body)), &body, &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(0), Some("verified")));
    assert_eq!(json["message"], "verifies: the signature matches, made 10 s before now");
}

#[test]
fn verify_diagnoses_a_missing_header() {
    let (code, json, errors) = verify(None, &example_body(), &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("missing_header")));
    assert!(errors.contains("there is no Steppay-Signature header"), "{errors}");
}

#[test]
fn verify_diagnoses_a_malformed_header() {
    let (code, json, errors) = verify(Some("key=abc;def"), &example_body(), &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("malformed_header")));
    assert!(errors.contains("no `timestamp=` entry"), "{errors}");
}

#[test]
fn verify_diagnoses_a_stale_timestamp_by_how_much() {
    let body = example_body();
    let header = sign(SECRET, NOW - 3600, &body);
    let (code, json, errors) = verify(Some(&header), &body, &["--tolerance", "300"]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("timestamp_too_old")));
    assert!(
        errors.contains("made 3600 s before now, more than the tolerance of 300 s"),
        "{errors}"
    );
    let (code, _, _) = verify(Some(&header), &body, &["--tolerance", "3600"]);
    assert_eq!(code, Some(0));
}

#[test]
fn verify_diagnoses_a_secret_that_does_not_match() {
    let body = example_body();
    let (code, json, errors) = verify(Some(&sign("another webhook's key", NOW, &body)), &body, &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("no_match")));
    assert!(
        errors.contains("no signature in the header (1) matches this body under this secret"),
        "{errors}"
    );
    assert!(
        errors.contains("each webhook in portal → 설정 → 결제 설정 → 웹훅 설정 has its own"),
        "{errors}"
    );
}

#[test]
fn verify_diagnoses_a_trailing_newline() {
    let body = compact_body();
    let header = sign(SECRET, NOW, &body);
    let (code, json, errors) = verify(Some(&header), &[&body[..], b"\n"].concat(), &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("trailing_newline")));
    assert!(errors.contains("ends with a newline that was not signed"), "{errors}");
}

#[test]
fn verify_diagnoses_crlf_line_endings() {
    let body = example_body();
    let header = sign(SECRET, NOW, &body);
    let crlf = String::from_utf8(body).expect("UTF-8").replace('\n', "\r\n");
    let (code, json, _) = verify(Some(&header), crlf.as_bytes(), &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("crlf_line_endings")));
}

#[test]
fn verify_diagnoses_pretty_printed_json() {
    let body = compact_body();
    let header = sign(SECRET, NOW, &body);
    let value: Value = serde_json::from_slice(&body).expect("JSON");
    let _ = value;
    // Re-indented as an editor or a logging proxy would (the example file's own layout).
    let (code, json, errors) = verify(Some(&header), &example_body(), &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("reformatted_json")), "{errors}");
    assert!(errors.contains("the body is the signed JSON pretty-printed"), "{errors}");
}

#[test]
fn verify_diagnoses_korean_text_escaped_by_a_re_serialiser() {
    let body = compact_body();
    let header = sign(SECRET, NOW, &body);
    // What Python's json.dumps(json.loads(body), separators=(",", ":")) writes: \uXXXX escapes.
    let escaped: String = String::from_utf8(body)
        .expect("UTF-8")
        .chars()
        .map(|c| if c.is_ascii() { c.to_string() } else { format!("\\u{:04x}", c as u32) })
        .collect();
    let (code, json, _) = verify(Some(&header), escaped.as_bytes(), &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("non_ascii_escaped")));
}

#[test]
fn verify_diagnoses_a_base64_decoded_secret() {
    use base64::Engine as _;
    let body = example_body();
    let decoded = base64::engine::general_purpose::URL_SAFE
        .decode(SECRET)
        .expect("the test secret reads as base64");
    let (code, json, errors) = verify(Some(&sign(&decoded, NOW, &body)), &body, &[]);
    assert_eq!((code, json["diagnosis"].as_str()), (Some(1), Some("base64_decoded_secret")));
    assert!(errors.contains("StepPay signs with the 검증 KEY as text"), "{errors}");
}

#[test]
fn verify_reads_a_whole_captured_request() {
    let body = example_body();
    let header = sign(SECRET, NOW, &body);
    let request = [
        format!("POST /webhooks/steppay HTTP/1.1\r\nsteppay-signature: {header}\r\n\r\n")
            .as_bytes(),
        &body,
    ]
    .concat();
    let dir = tempfile::tempdir().expect("a folder");
    let output = cli()
        .args(["verify", "--now", &NOW.to_string(), &file(dir.path(), "r.http", &request)])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("✓ verifies"), "{}", stdout(&output));
}

#[test]
fn inspect_shows_a_delivery_with_personal_data_redacted() {
    let path = examples_dir().join("payment.completed.json");
    let output = cli().args(["inspect"]).arg(&path).output().expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    expect_file!["snapshots/inspect-payment-completed.txt"].assert_eq(&stdout(&output));
    for personal in ["김민지", "minji.kim@example.com", "010-1234-5678"] {
        assert!(!stdout(&output).contains(personal), "{personal}");
    }
    let shown = cli().args(["inspect", "--show-personal"]).arg(&path).output().expect("runs");
    assert!(stdout(&shown).contains("minji.kim@example.com"));
}

#[test]
fn inspect_json_gives_the_payload_as_written_with_personal_data_redacted() {
    let dir = tempfile::tempdir().expect("a folder");
    // StepPay's own order (`status` first here), a number with a trailing zero, and a member
    // this version does not know.
    let body = String::from_utf8(example_body())
        .expect("UTF-8")
        .replace("    \"status\": \"COMPLETE\",\n", "")
        .replace("\"paymentId\"", "\"status\": \"COMPLETE\",\n    \"paymentId\"")
        .replace("\"paidAmount\": 17900", "\"paidAmount\": 1500.50")
        .replace("\"cancel\": {", "\"couponCode\": \"WELCOME-김민지\",\n    \"cancel\": {");
    file(dir.path(), "delivery.json", body.as_bytes());
    let output = cli()
        .current_dir(dir.path())
        .args(["--json", "inspect", "delivery.json"])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    expect_file!["snapshots/inspect-payment-completed.json"].assert_eq(&text);
    assert!(text.contains(r#""data":{"status":"COMPLETE","paymentId":4418273,"#), "{text}");
    assert!(text.contains(r#""paidAmount":1500.50,"#), "{text}");
    for personal in ["김민지", "minji.kim@example.com", "010-1234-5678", "WELCOME"] {
        assert!(!text.contains(personal), "{personal}: {text}");
    }
    let report: Value = serde_json::from_str(&text).expect("one JSON object");
    assert_eq!(report["redacted"], 4, "three of the payer's values and the unknown member");

    let shown = cli()
        .current_dir(dir.path())
        .args(["--json", "inspect", "--show-personal", "delivery.json"])
        .output()
        .expect("runs");
    let shown: Value = serde_json::from_str(&stdout(&shown)).expect("one JSON object");
    assert_eq!(shown["data"]["couponCode"], "WELCOME-김민지");
    assert_eq!(shown["redacted"], 0);
}

#[test]
fn inspect_locates_what_does_not_parse() {
    let dir = tempfile::tempdir().expect("a folder");
    let body = String::from_utf8(example_body())
        .expect("UTF-8")
        .replace("\"paidAmount\": 17900", "\"paidAmount\": \"17,900원\"");
    file(dir.path(), "broken.json", body.as_bytes());
    let output =
        cli().current_dir(dir.path()).args(["inspect", "broken.json"]).output().expect("runs");
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    expect_file!["snapshots/inspect-error.txt"].assert_eq(&stderr(&output));
    assert!(!stderr(&output).contains("17,900"), "a payload value was printed");
}

/// `listen --port 0 --json` as a child process, and its stdout.
struct Listening {
    child: Child,
    lines: std::io::Lines<BufReader<std::process::ChildStdout>>,
    url: String,
}

impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn listen() -> Listening {
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("steppay-webhooks"))
        .args(["--json", "listen", "--port", "0"])
        .env("STEPPAY_WEBHOOK_SECRET", SECRET)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("listen starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first: Value =
        serde_json::from_str(&lines.next().expect("a line").expect("read")).expect("JSON");
    let url = first["listening"].as_str().expect("its address").to_owned();
    Listening { child, lines, url }
}

#[test]
fn listen_receives_what_send_sends() {
    let mut listening = listen();
    let url = format!("{}webhooks/steppay", listening.url);
    let output = cli()
        .args(["send", "payment.completed", "--set", "data.paidAmount=990", "--to", &url])
        .output()
        .expect("runs");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("200 OK"));
    let received: Value =
        serde_json::from_str(&listening.lines.next().expect("a line").expect("read"))
            .expect("JSON");
    assert_eq!(received["verified"], true, "{received}");
    assert_eq!(received["path"], "/webhooks/steppay");
    assert_eq!(received["delivery"]["event"], "payment.completed");
    assert_eq!(received["delivery"]["data"]["paidAmount"], 990);
    assert_eq!(received["delivery"]["data"]["payer"]["email"], "<redacted>");

    let forged = cli()
        .env("STEPPAY_WEBHOOK_SECRET", "another")
        .args(["send", "order.created", "--to", &url])
        .output()
        .expect("runs");
    assert_eq!(forged.status.code(), Some(1));
    let refused: Value =
        serde_json::from_str(&listening.lines.next().expect("a line").expect("read"))
            .expect("JSON");
    assert_eq!(
        (refused["verified"].as_bool(), refused["diagnosis"].as_str()),
        (Some(false), Some("no_match"))
    );
}
