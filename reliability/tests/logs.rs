//! What the receiver logs: one event per delivery with its event type, key, attempt, outcome and
//! status, and never a payload value, a secret or a signature, whatever happens to the delivery.

use std::io;
use std::sync::{Arc, Mutex};

use steppay_webhooks::key::KeyStrategy;
use steppay_webhooks::receive::Receiver;
use steppay_webhooks::verify::Verifier;
use steppay_webhooks_reliability::{
    Act, Backend, Fixture, PATH, Probe, SECRET, client, delivery, now, post, serve,
    unreadable_delivery,
};

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("lock").clone()).expect("UTF-8")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn logs_name_the_delivery_and_never_its_values_or_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::TRACE)
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let fixture = Fixture::of(Backend::Sqlite).await;
    let probe = Probe::scripted([Act::Fail, Act::Panic]);
    let server = serve(fixture.receiver(&probe)).await;
    let client = client();
    let body = delivery(5001);
    let forged = steppay_webhooks::verify::sign("not-the-secret", now(), &body);
    let rejected = client
        .post(format!("http://{}{PATH}", server.address))
        .header("steppay-signature", &forged)
        .body(body.clone())
        .send()
        .await
        .expect("request");
    assert_eq!(rejected.status().as_u16(), 401);
    let statuses = [
        post(&client, server.address, &body).await.status, // the handler fails
        post(&client, server.address, &body).await.status, // it panics
        post(&client, server.address, &body).await.status, // handled
        post(&client, server.address, &body).await.status, // duplicate
        post(&client, server.address, &unreadable_delivery(5002)).await.status, // quarantined
    ];
    assert_eq!(statuses, [500, 500, 200, 200, 200]);
    // A receiver without a store makes the key only when asked: a subscriber that records the
    // span asks, so its line names the key all the same.
    let verifier = Verifier::new([SECRET]).expect("secret");
    let storeless = serve(Receiver::new(verifier, Probe::default())).await;
    let storeless_body = delivery(5003);
    assert_eq!(post(&client, storeless.address, &storeless_body).await.status, 200);
    // The log line of the last delivery is written by its own task once it answers.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let logs = captured.text();

    let key = KeyStrategy::default().key(&body, None).to_string();
    let storeless_key = KeyStrategy::default().key(&storeless_body, None).to_string();
    for expected in [
        "outcome=\"handler_failed\"",
        "outcome=\"handler_panicked\"",
        "outcome=\"handled\"",
        "outcome=\"duplicate\"",
        "outcome=\"quarantined\"",
        "delivery rejected",
        "no signature in the Steppay-Signature header matches the body",
        "event=\"payment.completed\"",
        "attempt=3",
        "data.paidAmount",
        key.as_str(),
        storeless_key.as_str(),
    ] {
        assert!(logs.contains(expected), "the logs lack {expected:?}:\n{logs}");
    }
    let text = String::from_utf8(body).expect("UTF-8");
    // Values of the example payment, personal data among them: each is in the body, so each
    // could have been logged.
    for value in [
        "김민지",
        "minji.kim@example.com",
        "010-1234-5678",
        "프리미엄 원두",
        "1741065631642Xk29fLqP7vTzR3mB",
    ] {
        assert!(text.contains(value), "{value}");
        assert!(!logs.contains(value), "the logs show {value:?}:\n{logs}");
    }
    let signature = forged.split("key=").nth(1).expect("a signature");
    // The secret, the signature sent, the unreadable value, and the handler's own error (which
    // may quote the payload).
    for secret in [SECRET, signature, "17900 KRW", "scripted failure"] {
        assert!(!logs.contains(secret), "the logs show {secret:?}:\n{logs}");
    }
}
