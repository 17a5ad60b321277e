//! Any text as a `Steppay-Signature` header: verifying never panics and never accepts a
//! signature it did not compute, and a header signed for the body always verifies, whatever
//! the fuzzer appends to it.
//!
//! The input is the header, a newline, and the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use steppay_webhooks::verify::{SignatureHeader, Verifier, sign};

const SECRET: &str = "fuzz-secret";
const NOW: i64 = 1_700_000_000;

fuzz_target!(|input: &[u8]| {
    let (header, body) = match input.iter().position(|&b| b == b'\n') {
        Some(at) => (&input[..at], &input[at + 1..]),
        None => (input, &[][..]),
    };
    let Ok(header) = std::str::from_utf8(header) else { return };
    let verifier = Verifier::new([SECRET]).expect("a secret").clock(|| NOW);

    if verifier.verify(Some(header), body).is_ok() {
        // Only a header that carries the HMAC of this body can pass.
        let timestamp =
            SignatureHeader::parse(header).expect("a verified header parses").timestamp();
        let signed = sign(SECRET, timestamp, body);
        let (_, signature) = signed.split_once(",key=").expect("`timestamp=…,key=…`");
        assert!(header.contains(signature), "{header:?} verified without the signature");
    }
    let _ = verifier.verify_and_parse(Some(header), body);

    let signed = sign(SECRET, NOW, body);
    assert!(verifier.verify(Some(&signed), body).is_ok(), "{signed} does not verify");
    // Extra entries and signatures after the real one do not matter, unless they are a second
    // timestamp, which is malformed.
    let extended = format!("{signed};{header}");
    if !header.contains(',') {
        let result = verifier.verify(Some(&extended), body);
        assert!(result.is_ok(), "{extended:?}: {result:?}");
    }
});
