//! Signature verification against the language-neutral vectors in `tests/vectors/`.

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;
use steppay_webhooks::verify::{Fingerprint, Verifier, VerifyError, sign};

#[derive(Deserialize)]
struct Vectors {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    secrets: Vec<String>,
    now: i64,
    tolerance_seconds: u64,
    header: Option<String>,
    body: Option<String>,
    body_base64: Option<String>,
    verify: String,
    verify_and_parse: Option<String>,
}

fn outcome<T>(result: &Result<T, VerifyError>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(VerifyError::MissingHeader) => "missing_header",
        Err(VerifyError::MalformedHeader(_)) => "malformed_header",
        Err(VerifyError::MissingTimestamp) => "missing_timestamp",
        Err(VerifyError::TimestampTooOld { .. }) => "timestamp_too_old",
        Err(VerifyError::TimestampInFuture { .. }) => "timestamp_in_future",
        Err(VerifyError::NoMatchingSignature) => "no_matching_signature",
        Err(VerifyError::InvalidBody(_)) => "invalid_body",
        Err(other) => panic!("a new error kind needs a vector name: {other}"),
    }
}

#[test]
fn every_vector_gives_its_expected_result() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/signatures.json");
    let vectors: Vectors = serde_json::from_slice(&std::fs::read(&path).expect("read vectors"))
        .expect("vectors are JSON");
    assert!(vectors.cases.len() >= 20);
    for case in vectors.cases {
        let body = match (&case.body, &case.body_base64) {
            (Some(text), None) => text.clone().into_bytes(),
            (None, Some(encoded)) => {
                base64::engine::general_purpose::STANDARD.decode(encoded).expect("base64 body")
            }
            _ => panic!("{}: exactly one of body and body_base64", case.name),
        };
        let now = case.now;
        let verifier = Verifier::new(&case.secrets)
            .expect("secrets")
            .tolerance(Duration::from_secs(case.tolerance_seconds))
            .clock(move || now);
        let header = case.header.as_deref();
        assert_eq!(outcome(&verifier.verify(header, &body)), case.verify, "{}", case.name);
        if let Some(expected) = &case.verify_and_parse {
            assert_eq!(
                outcome(&verifier.verify_and_parse(header, &body)),
                expected,
                "{}",
                case.name
            );
        }
    }
}

#[test]
fn sign_produces_what_verify_accepts_and_nothing_else() {
    let body = super::example("payment.completed");
    let header = sign("secret-a", 1_730_000_000, body.as_bytes());
    assert!(header.starts_with("timestamp=1730000000,key="));
    let verifier = Verifier::new(["secret-a"]).expect("secret").clock(|| 1_730_000_100);
    let webhook = verifier.verify_and_parse(Some(&header), body.as_bytes()).expect("verified");
    assert_eq!(webhook.event.as_str(), "payment.completed");
    let other = Verifier::new(["secret-b"]).expect("secret").clock(|| 1_730_000_100);
    assert_eq!(other.verify(Some(&header), body.as_bytes()), Err(VerifyError::NoMatchingSignature));
}

#[test]
fn error_messages_do_not_leak_the_secret_or_the_expected_signature() {
    let secret = "whsec_very_private_value";
    let body = b"{}";
    let good = sign(secret, 1_730_000_000, body);
    let expected_signature = good.split("key=").nth(1).expect("signature");
    let verifier = Verifier::new([secret]).expect("secret").clock(|| 1_730_000_000);
    for header in
        [Some("timestamp=1730000000,key=AAAA"), Some("nonsense"), None, Some(good.as_str())]
    {
        for message in [
            verifier.verify(header, b"{\"tampered\":1}").err().map(|e| e.to_string()),
            verifier.verify_and_parse(header, body).err().map(|e| e.to_string()),
        ]
        .into_iter()
        .flatten()
        {
            assert!(
                !message.contains(secret) && !message.contains(expected_signature),
                "{message}"
            );
        }
    }
    assert!(!format!("{verifier:?}").contains(secret));
}

#[test]
fn a_fingerprint_identifies_a_body() {
    let body = super::example("order.created");
    assert_eq!(Fingerprint::of(body.as_bytes()), Fingerprint::of(body.clone().as_bytes()));
    assert_ne!(Fingerprint::of(body.as_bytes()), Fingerprint::of(format!("{body} ").as_bytes()));
    assert_eq!(Fingerprint::of(body.as_bytes()).to_string().len(), 64);
}
