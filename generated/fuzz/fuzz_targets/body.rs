//! Any bytes as a delivery body: parsing never panics, `Webhook::from_slice` and serde agree,
//! and whatever parses writes back out and parses to the same value.
//!
//! Seed it with the examples: `cargo fuzz run body fuzz/corpus/body ../schema/examples`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use steppay_webhooks::{ParseErrorKind, Webhook};

fuzz_target!(|body: &[u8]| {
    let parsed = Webhook::from_slice(body);
    let through_serde = serde_json::from_slice::<Webhook>(body);
    match (&parsed, &through_serde) {
        (Ok(webhook), Ok(same)) => {
            assert_eq!(webhook, same, "the entry points read the body differently");
            let written = serde_json::to_vec(webhook).expect("a parsed webhook serializes");
            let again = Webhook::from_slice(&written).expect("what was written parses");
            assert_eq!(&again, webhook, "written: {}", String::from_utf8_lossy(&written));
            let _ = format!("{webhook:?}");
        }
        (Err(error), Err(serde_error)) => {
            assert!(error.line() >= 1, "{error}");
            // serde_json calls a number out of range a syntax error. Through serde, a `data` that
            // came before `event` is read again from its raw text, and an error found there can
            // only be passed on as a data error (serde's custom errors have no category).
            let out_of_range = error.to_string().contains("number out of range");
            if error.kind() == ParseErrorKind::Syntax && !out_of_range {
                assert!(serde_error.is_syntax() || serde_error.is_eof(), "{error} / {serde_error}");
            }
            let _ = error.to_string();
        }
        _ => panic!("the entry points disagree: {parsed:?} / {through_serde:?}"),
    }
});
