//! Why a delivery does or does not verify, as precisely as it can be told.
//!
//! The library's `Verifier` says whether the header matches the body. When no signature does,
//! this module tries the changes that commonly happen to a body or a secret between StepPay and
//! the code that checks it, undoing each in turn: a trailing newline added or lost, CRLF line
//! endings, JSON re-formatted (pretty-printed, compacted, non-ASCII escaped), a secret
//! base64-decoded or copied with whitespace. A change that makes the signature match is the
//! diagnosis. The header is read once, by the library's `SignatureHeader`, which also checks
//! each candidate (`is_signed_by`, whatever the timestamp). Nothing here ever prints the secret or a signature: the messages are fixed text
//! with numbers.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use steppay_webhooks::json_tree::{JsonTree as Tree, Layout};
use steppay_webhooks::verify::{SignatureHeader, Verifier, VerifyError};

use crate::json::{ascii_escaped, unescaped};

/// The verdict on one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Diagnosis {
    /// The signature matches and the timestamp is within the tolerance.
    Verified {
        age: i64,
    },
    MissingHeader,
    MalformedHeader(String),
    TooOld {
        age: i64,
        tolerance: u64,
    },
    InFuture {
        ahead: i64,
        tolerance: u64,
    },
    /// The signature matches the body as it was before this change.
    BodyChanged {
        change: BodyChange,
        age: Option<i64>,
    },
    /// The signature was made with the secret changed this way.
    SecretChanged(SecretChange),
    /// No signature matches, and no known change explains it.
    NoMatch {
        signatures: usize,
        keys_sorted: bool,
    },
}

/// A change to the body after StepPay signed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyChange {
    TrailingNewlineAdded,
    TrailingNewlineRemoved,
    CrlfLineEndings,
    LfLineEndings,
    /// Re-formatted: whitespace between tokens added, removed or changed; `escaped` when the
    /// non-ASCII characters were also written as `\uXXXX`.
    Reformatted {
        pretty_now: bool,
        escaped: bool,
    },
    NonAsciiEscaped,
}

/// How the key that signed differs from the secret given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecretChange {
    Base64Decoded,
    Whitespace,
}

/// Checks `header` over `body` with `secret`, as of `now`.
pub(crate) fn diagnose(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now: i64,
    tolerance: Duration,
) -> Diagnosis {
    let Some(raw) = header else { return Diagnosis::MissingHeader };
    let header = match SignatureHeader::parse(raw) {
        Ok(header) => header,
        Err(error) => return Diagnosis::MalformedHeader(error.to_string()),
    };
    let verifier = match Verifier::new([secret]) {
        Ok(verifier) => verifier.clock(move || now).tolerance(tolerance),
        // An empty secret is refused before this is called; nothing verifies under it.
        Err(_) => return Diagnosis::NoMatch { signatures: 0, keys_sorted: false },
    };
    let age = now.saturating_sub(header.timestamp());
    let tolerance = tolerance.as_secs();
    // The library's verdict, tolerance included; the header is parsed here only to explain it.
    match verifier.verify(Some(raw), body) {
        Ok(()) => Diagnosis::Verified { age },
        Err(VerifyError::TimestampTooOld { age, .. }) => Diagnosis::TooOld { age, tolerance },
        Err(VerifyError::TimestampInFuture { ahead, .. }) => {
            Diagnosis::InFuture { ahead, tolerance }
        }
        Err(_) => {
            let outside = Some(age).filter(|age| age.unsigned_abs() > tolerance);
            if let Some(change) = body_change(secret, &header, body) {
                return Diagnosis::BodyChanged { change, age: outside };
            }
            if let Some(change) = secret_change(secret, &header, body) {
                return Diagnosis::SecretChanged(change);
            }
            Diagnosis::NoMatch {
                signatures: header.signature_count(),
                keys_sorted: keys_sorted(body),
            }
        }
    }
}

/// The first change whose undoing makes the signature match.
fn body_change(secret: &[u8], header: &SignatureHeader<'_>, body: &[u8]) -> Option<BodyChange> {
    let mut candidates: Vec<(BodyChange, Vec<u8>)> = Vec::new();
    // One line ending less, then two, …: an editor or `echo` adds one, a capture may add more.
    let mut trimmed = body;
    while let Some(shorter) = trimmed.strip_suffix(b"\n") {
        trimmed = shorter.strip_suffix(b"\r").unwrap_or(shorter);
        candidates.push((BodyChange::TrailingNewlineAdded, trimmed.to_vec()));
    }
    candidates.push((BodyChange::TrailingNewlineRemoved, [body, b"\n"].concat()));
    if body.windows(2).any(|w| w == b"\r\n") {
        candidates.push((BodyChange::CrlfLineEndings, replace(body, b"\r\n", b"\n")));
    } else if body.contains(&b'\n') {
        candidates.push((BodyChange::LfLineEndings, replace(body, b"\n", b"\r\n")));
    }
    if let Some(tree) = std::str::from_utf8(body).ok().and_then(|text| Tree::parse(text).ok()) {
        // The signed JSON, as StepPay may have written it: compact or indented, its characters
        // raw or escaped as they are now.
        let layouts: [fn(&Tree) -> String; 3] =
            [Tree::compact, Tree::pretty, |tree| tree.to_text(Layout::indented(4))];
        let multi_line = body.trim_ascii().contains(&b'\n');
        let unescaped = unescaped(&tree);
        let sources = [(&tree, false), (&unescaped, true)];
        for (source, escaped) in sources.into_iter().take(if unescaped == tree { 1 } else { 2 }) {
            for layout in layouts {
                let form = layout(source);
                if form.as_bytes() == body {
                    continue;
                }
                let change = if escaped && layout(&ascii_escaped(source)).as_bytes() == body {
                    BodyChange::NonAsciiEscaped
                } else {
                    BodyChange::Reformatted { pretty_now: multi_line, escaped }
                };
                candidates.push((change, form.into_bytes()));
            }
        }
    }
    candidates
        .into_iter()
        .find(|(_, candidate)| header.is_signed_by(secret, candidate))
        .map(|(change, _)| change)
}

/// The first change to the secret under which the signature matches.
fn secret_change(secret: &[u8], header: &SignatureHeader<'_>, body: &[u8]) -> Option<SecretChange> {
    let text = std::str::from_utf8(secret).ok()?;
    let decoded = [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .filter_map(|engine| engine.decode(text.trim()).ok())
        .any(|key| header.is_signed_by(key, body));
    if decoded {
        return Some(SecretChange::Base64Decoded);
    }
    (text.trim() != text && header.is_signed_by(text.trim(), body))
        .then_some(SecretChange::Whitespace)
}

fn replace(body: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + body.len() / 16);
    let mut rest = body;
    while !rest.is_empty() {
        if rest.starts_with(from) {
            out.extend_from_slice(to);
            rest = rest.get(from.len()..).unwrap_or_default();
        } else {
            out.extend_from_slice(rest.get(..1).unwrap_or_default());
            rest = rest.get(1..).unwrap_or_default();
        }
    }
    out
}

/// Whether the body's top-level keys are in alphabetical order with `data` before `event`, as a
/// re-serialisation through a map sorts them (StepPay sends `event` first).
fn keys_sorted(body: &[u8]) -> bool {
    let Some(Tree::Object(members)) =
        std::str::from_utf8(body).ok().and_then(|text| Tree::parse(text).ok())
    else {
        return false;
    };
    let keys: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    let position = |key| keys.iter().position(|k| *k == key);
    keys.windows(2).all(|w| w.first() <= w.get(1))
        && matches!((position("data"), position("event")), (Some(d), Some(e)) if d < e)
}

impl Diagnosis {
    pub(crate) fn verified(&self) -> bool {
        matches!(self, Diagnosis::Verified { .. })
    }

    /// A stable name for `--json`.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Diagnosis::Verified { .. } => "verified",
            Diagnosis::MissingHeader => "missing_header",
            Diagnosis::MalformedHeader(_) => "malformed_header",
            Diagnosis::TooOld { .. } => "timestamp_too_old",
            Diagnosis::InFuture { .. } => "timestamp_in_future",
            Diagnosis::BodyChanged { change, .. } => match change {
                BodyChange::TrailingNewlineAdded => "trailing_newline",
                BodyChange::TrailingNewlineRemoved => "trailing_newline_removed",
                BodyChange::CrlfLineEndings => "crlf_line_endings",
                BodyChange::LfLineEndings => "lf_line_endings",
                BodyChange::Reformatted { .. } => "reformatted_json",
                BodyChange::NonAsciiEscaped => "non_ascii_escaped",
            },
            Diagnosis::SecretChanged(SecretChange::Base64Decoded) => "base64_decoded_secret",
            Diagnosis::SecretChanged(SecretChange::Whitespace) => "secret_whitespace",
            Diagnosis::NoMatch { .. } => "no_match",
        }
    }

    /// One sentence: what is wrong, or that nothing is.
    pub(crate) fn message(&self) -> String {
        match self {
            Diagnosis::Verified { age } => {
                format!("verifies: the signature matches, made {}", relative(*age))
            }
            Diagnosis::MissingHeader => "there is no Steppay-Signature header".to_owned(),
            Diagnosis::MalformedHeader(why) => {
                format!("the Steppay-Signature header is malformed: {why}")
            }
            Diagnosis::TooOld { age, tolerance } => format!(
                "the signature matches, but it was made {age} s before now, more than the tolerance of {tolerance} s"
            ),
            Diagnosis::InFuture { ahead, tolerance } => format!(
                "the signature matches, but it was made {ahead} s after now, more than the tolerance of {tolerance} s"
            ),
            Diagnosis::BodyChanged { change, .. } => match change {
                BodyChange::TrailingNewlineAdded => {
                    "the body ends with a newline that was not signed: it was added after StepPay sent it".to_owned()
                }
                BodyChange::TrailingNewlineRemoved => {
                    "the body lost the trailing newline it was signed with".to_owned()
                }
                BodyChange::CrlfLineEndings => {
                    "the body's line endings were changed to CRLF (\\r\\n) after it was signed".to_owned()
                }
                BodyChange::LfLineEndings => {
                    "the body was signed with CRLF (\\r\\n) line endings and now has LF".to_owned()
                }
                BodyChange::Reformatted { pretty_now, escaped } => {
                    let how = if *pretty_now {
                        "pretty-printed (or re-indented)"
                    } else {
                        "re-serialised with other whitespace"
                    };
                    let escapes = if *escaped {
                        ", and its non-ASCII characters (the Korean text) escaped as \\uXXXX"
                    } else {
                        ""
                    };
                    format!("the body is the signed JSON {how}{escapes}: the same data, other bytes")
                }
                BodyChange::NonAsciiEscaped => {
                    "the body's non-ASCII characters (the Korean text) were escaped as \\uXXXX after it was signed, as Python's json.dumps does by default".to_owned()
                }
            },
            Diagnosis::SecretChanged(SecretChange::Base64Decoded) => {
                "the signature was made with the secret base64-decoded, but StepPay signs with the 검증 KEY as text (its UTF-8 bytes)".to_owned()
            }
            Diagnosis::SecretChanged(SecretChange::Whitespace) => {
                "the signature matches the secret without the whitespace around it: the secret given has a space or newline that the key has not".to_owned()
            }
            Diagnosis::NoMatch { signatures, .. } => format!(
                "no signature in the header ({signatures}) matches this body under this secret"
            ),
        }
    }

    /// Further facts worth knowing.
    pub(crate) fn notes(&self) -> Vec<String> {
        match self {
            Diagnosis::BodyChanged { age: Some(age), .. } => vec![format!(
                "its timestamp is also outside the tolerance: it was made {}",
                relative(*age)
            )],
            Diagnosis::NoMatch { keys_sorted, .. } => {
                let mut notes = vec![
                    "no trailing newline, line-ending change, JSON re-formatting or base64-decoded secret explains it".to_owned(),
                ];
                if *keys_sorted {
                    notes.push("the body's keys are in alphabetical order (`data` before `event`), as re-serialising through a map or `sort_keys` leaves them; StepPay sends `timestamp`, `version`, `event`, `data`".to_owned());
                }
                notes
            }
            _ => Vec::new(),
        }
    }

    /// What to do about it.
    pub(crate) fn help(&self) -> Option<String> {
        let raw = "verify the bytes exactly as received, before any parsing, re-serialising or editing (StepPay's own docs advise taking the body as a string)";
        Some(match self {
            Diagnosis::Verified { .. } => return None,
            Diagnosis::MissingHeader => "give the header with --header '<value>', or pass the whole captured request (request line, headers, a blank line, the body)".to_owned(),
            Diagnosis::MalformedHeader(_) => "StepPay's header looks like `timestamp=1706002316,key=<base64>` (a real delivery used `v0=` for `key=`); pass it exactly as received".to_owned(),
            Diagnosis::TooOld { .. } => "a delivery captured earlier is checked as of then with --now <unix seconds>; a receiver refuses an old signature so that a captured request cannot be replayed (widen it with --tolerance)".to_owned(),
            Diagnosis::InFuture { .. } => "a clock is off: check this machine's time, or check as of the delivery with --now <unix seconds>".to_owned(),
            Diagnosis::BodyChanged { .. } => raw.to_owned(),
            Diagnosis::SecretChanged(SecretChange::Base64Decoded) => "use the 검증 KEY exactly as the portal shows it, without decoding it; whatever signed this decoded it".to_owned(),
            Diagnosis::SecretChanged(SecretChange::Whitespace) => "trim the secret where it is stored (a file read whole, or `echo` without -n, adds a newline)".to_owned(),
            Diagnosis::NoMatch { .. } => format!("check that the secret is this webhook's 검증 KEY (each webhook in portal → 설정 → 결제 설정 → 웹훅 설정 has its own), and {raw}"),
        })
    }
}

/// "12 s ago" or "12 s from now".
fn relative(age: i64) -> String {
    if age >= 0 { format!("{age} s before now") } else { format!("{} s after now", -age) }
}

#[cfg(test)]
mod tests {
    use steppay_webhooks::verify::sign;

    use super::*;

    const SECRET: &[u8] = b"c2VjcmV0LWtleS0xMjM0";
    const NOW: i64 = 1_800_000_000;
    const TOLERANCE: Duration = Duration::from_secs(300);
    const BODY: &str = r#"{"timestamp":1800000000,"version":"v1","event":"payment.completed","data":{"productName":"원두","paidAmount":100}}"#;

    fn check(header: &str, body: &[u8]) -> Diagnosis {
        diagnose(SECRET, Some(header), body, NOW, TOLERANCE)
    }

    #[test]
    fn each_change_is_named() {
        let header = sign(SECRET, NOW, BODY.as_bytes());
        assert_eq!(check(&header, BODY.as_bytes()), Diagnosis::Verified { age: 0 });
        let tree = Tree::parse(BODY).expect("JSON");
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (format!("{BODY}\n").into_bytes(), "trailing_newline"),
            (format!("{BODY}\r\n\n").into_bytes(), "trailing_newline"),
            (tree.pretty().into_bytes(), "reformatted_json"),
            (tree.to_text(Layout::SPACED).into_bytes(), "reformatted_json"),
            (ascii_escaped(&tree).compact().into_bytes(), "non_ascii_escaped"),
            (ascii_escaped(&tree).to_text(Layout::indented(4)).into_bytes(), "reformatted_json"),
        ];
        for (body, code) in cases {
            assert_eq!(check(&header, &body).code(), code, "{}", String::from_utf8_lossy(&body));
        }
        let pretty = tree.pretty();
        let signed_pretty = sign(SECRET, NOW, pretty.as_bytes());
        assert_eq!(
            check(&signed_pretty, pretty.replace('\n', "\r\n").as_bytes()).code(),
            "crlf_line_endings"
        );
        assert_eq!(check(&signed_pretty, tree.compact().as_bytes()).code(), "reformatted_json");

        let decoded = STANDARD.decode(SECRET).expect("base64");
        let header = sign(&decoded, NOW, BODY.as_bytes());
        assert_eq!(check(&header, BODY.as_bytes()).code(), "base64_decoded_secret");
        let header = sign("another key", NOW, BODY.as_bytes());
        assert_eq!(
            check(&header, BODY.as_bytes()),
            Diagnosis::NoMatch { signatures: 1, keys_sorted: false }
        );
    }

    #[test]
    fn time_and_header_problems_are_named() {
        let old = sign(SECRET, NOW - 3600, BODY.as_bytes());
        assert_eq!(check(&old, BODY.as_bytes()), Diagnosis::TooOld { age: 3600, tolerance: 300 });
        assert_eq!(
            diagnose(SECRET, None, BODY.as_bytes(), NOW, TOLERANCE),
            Diagnosis::MissingHeader
        );
        assert_eq!(check("key=abc", BODY.as_bytes()).code(), "malformed_header");
        let sorted = crate::json::sorted(&Tree::parse(BODY).expect("JSON")).compact();
        assert!(keys_sorted(sorted.as_bytes()) && !keys_sorted(BODY.as_bytes()));
    }

    #[test]
    fn messages_never_hold_the_secret_or_a_signature() {
        let header = sign(SECRET, NOW, BODY.as_bytes());
        let signature = header.rsplit_once("key=").expect("a signature").1;
        for body in [BODY.to_owned(), format!("{BODY}\n"), "{}".to_owned()] {
            let diagnosis = check(&header, body.as_bytes());
            let text =
                format!("{} {:?} {:?}", diagnosis.message(), diagnosis.notes(), diagnosis.help());
            assert!(!text.contains("c2VjcmV0") && !text.contains(signature), "{text}");
        }
    }
}
