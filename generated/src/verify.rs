//! 서명 검증 — Verifying the `Steppay-Signature` header, and signing for tests.
//!
//! StepPay signs every delivery with the endpoint's 검증 KEY (portal → 설정 → 결제 설정 → 웹훅
//! 설정 → the webhook's detail page):
//!
//! ```text
//! Steppay-Signature: timestamp=1706002316,key=BMFfPB/HjnZeJrwA4wC1csUDzkINZsaExF99X3/Q9ph=
//! signature = Base64(HMAC-SHA256(key = 검증 KEY, message = "<timestamp>.<raw body>"))
//! ```
//!
//! [`Verifier`] checks that header against the raw body bytes exactly as received, in constant
//! time, and rejects timestamps outside a tolerance window. It is stricter than StepPay's own
//! samples where they are unsafe (the JS sample matches by substring, neither checks the
//! timestamp) and more lenient where StepPay is inconsistent: a real delivery labelled its
//! signature `v0=` where the docs say `key=`, so every label other than `timestamp` counts, and
//! each may hold several `;`-separated signatures. [`SignatureHeader`] is the one parser of the
//! header, for the [`Verifier`] and for anyone who needs to look into one.
//!
//! ```
//! use std::time::Duration;
//! use steppay_webhooks::verify::{sign, Verifier};
//!
//! let body = br#"{"timestamp":1700000000,"version":"v1","event":"order.refunded","data":{}}"#;
//! let header = sign("my-webhook-key", 1_700_000_000, body);
//!
//! let verifier = Verifier::new(["my-webhook-key"])?
//!     .tolerance(Duration::from_secs(300))
//!     .clock(|| 1_700_000_030); // tests pin the clock; by default it is the system's
//! let webhook = verifier.verify_and_parse(Some(&header), body)?;
//! assert_eq!(webhook.event.as_str(), "order.refunded");
//! assert!(verifier.verify(Some(&header), b"{}").is_err()); // another body
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::{ParseError, Webhook};

/// The header StepPay puts the signature in. HTTP header names are case-insensitive; StepPay
/// sends it as `steppay-signature`.
pub const HEADER: &str = "Steppay-Signature";

/// How far the signed timestamp may be from now by default: 5 minutes either way.
///
/// StepPay signs each delivery when it sends it (the captured delivery arrived within a second of
/// its timestamp), so a short window costs nothing and limits replays of a captured request. It
/// leaves room for clock skew. StepPay does not document whether a retry is signed anew; if
/// retried deliveries are rejected as too old, widen it with [`Verifier::tolerance`].
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(5 * 60);

type HmacSha256 = Hmac<Sha256>;

/// Checks `Steppay-Signature` headers against one or more secrets.
///
/// Several secrets can be configured at once so that a key can be rotated without rejecting
/// deliveries signed with the old one. Cloning is cheap. `Debug` never shows a secret.
#[derive(Clone)]
pub struct Verifier {
    secrets: Arc<[Box<[u8]>]>,
    tolerance: Duration,
    /// Whether [`Verifier::tolerance`] chose the tolerance: a receiver with a store widens only
    /// the default one.
    tolerance_chosen: bool,
    clock: Arc<dyn Fn() -> i64 + Send + Sync>,
}

/// A [`Verifier`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No secret was given.
    #[error("no webhook secret was given")]
    NoSecret,
    /// A secret was empty, as an unset environment variable would be; an empty key would accept
    /// signatures anyone can compute.
    #[error("webhook secret #{0} is empty")]
    EmptySecret(usize),
}

/// Why a delivery was rejected. The messages never contain a secret or an expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The request has no `Steppay-Signature` header.
    #[error("missing {HEADER} header")]
    MissingHeader,
    /// The header is not `timestamp=<seconds>,<label>=<signature>[;<signature>…]`.
    #[error("malformed {HEADER} header: {0}")]
    MalformedHeader(&'static str),
    /// The header has no `timestamp=` entry.
    #[error("{HEADER} header has no timestamp")]
    MissingTimestamp,
    /// The signed timestamp is older than the tolerance allows.
    #[error("signature timestamp {timestamp} is {age} s old, more than the {tolerance} s allowed")]
    TimestampTooOld {
        /// The signed timestamp, in Unix seconds.
        timestamp: i64,
        /// How old it is, in seconds.
        age: i64,
        /// The tolerance, in seconds.
        tolerance: u64,
    },
    /// The signed timestamp is further in the future than the tolerance allows.
    #[error(
        "signature timestamp {timestamp} is {ahead} s in the future, more than the {tolerance} s allowed"
    )]
    TimestampInFuture {
        /// The signed timestamp, in Unix seconds.
        timestamp: i64,
        /// How far ahead it is, in seconds.
        ahead: i64,
        /// The tolerance, in seconds.
        tolerance: u64,
    },
    /// No signature in the header matches the body under any configured secret.
    #[error("no signature in the {HEADER} header matches the body")]
    NoMatchingSignature,
    /// The signature is valid but the body is not a valid delivery.
    #[error(transparent)]
    InvalidBody(#[from] ParseError),
}

impl Verifier {
    /// A verifier for the given secrets (검증 KEY), with the [`DEFAULT_TOLERANCE`] and the
    /// system clock.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when there is no secret or one is empty.
    pub fn new<I, S>(secrets: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<[u8]>,
    {
        let secrets: Vec<Box<[u8]>> = secrets.into_iter().map(|s| s.as_ref().into()).collect();
        if secrets.is_empty() {
            return Err(ConfigError::NoSecret);
        }
        if let Some(index) = secrets.iter().position(|s| s.is_empty()) {
            return Err(ConfigError::EmptySecret(index));
        }
        Ok(Self {
            secrets: secrets.into(),
            tolerance: DEFAULT_TOLERANCE,
            tolerance_chosen: false,
            clock: Arc::new(system_now),
        })
    }

    /// How far the signed timestamp may be from now, either way.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self.tolerance_chosen = true;
        self
    }

    /// The tolerance in effect.
    pub fn current_tolerance(&self) -> Duration {
        self.tolerance
    }

    /// Replaces the default tolerance, leaving one chosen with [`Verifier::tolerance`] alone.
    #[cfg(feature = "receive")]
    pub(crate) fn default_tolerance(mut self, tolerance: Duration) -> Self {
        if !self.tolerance_chosen {
            self.tolerance = tolerance;
        }
        self
    }

    /// Replaces the clock (Unix seconds), for tests.
    #[must_use]
    pub fn clock(mut self, now: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(now);
        self
    }

    /// Checks the `Steppay-Signature` header (`None` when the request has none) against the raw
    /// body.
    ///
    /// # Errors
    ///
    /// Every [`VerifyError`] but [`VerifyError::InvalidBody`].
    pub fn verify(&self, header: Option<&str>, body: &[u8]) -> Result<(), VerifyError> {
        let header = SignatureHeader::parse(header.ok_or(VerifyError::MissingHeader)?)?;
        if !header.signed_by_any(self.secrets.iter().map(|secret| &secret[..]), body) {
            return Err(VerifyError::NoMatchingSignature);
        }
        self.check_timestamp(header.timestamp)
    }

    /// Verifies the delivery, then parses it: the one call a receiver needs.
    ///
    /// # Errors
    ///
    /// Any [`VerifyError`]; [`VerifyError::InvalidBody`] when the signature is valid but the body
    /// is not a valid delivery.
    pub fn verify_and_parse(
        &self,
        header: Option<&str>,
        body: &[u8],
    ) -> Result<Webhook, VerifyError> {
        self.verify(header, body)?;
        Ok(Webhook::from_slice(body)?)
    }

    fn check_timestamp(&self, timestamp: i64) -> Result<(), VerifyError> {
        let now = (self.clock)();
        let tolerance = self.tolerance.as_secs();
        let allowed = i64::try_from(tolerance).unwrap_or(i64::MAX);
        let age = now.saturating_sub(timestamp);
        if age > allowed {
            return Err(VerifyError::TimestampTooOld { timestamp, age, tolerance });
        }
        let ahead = timestamp.saturating_sub(now);
        if ahead > allowed {
            return Err(VerifyError::TimestampInFuture { timestamp, ahead, tolerance });
        }
        Ok(())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secrets", &format_args!("[{} redacted]", self.secrets.len()))
            .field("tolerance", &self.tolerance)
            .finish_non_exhaustive()
    }
}

fn system_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(elapsed) => i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// 서명 헤더 — A parsed `Steppay-Signature` header: its timestamp and its signatures.
///
/// The header is `timestamp=<seconds>,<label>=<signature>[;<signature>…][,<label>=…]`, with
/// whitespace allowed around every separator. Every label other than `timestamp` carries
/// signatures: StepPay's docs write `key=`, a real delivery carried `v0=`, and several
/// signatures may come at once while a key is being replaced. [`Verifier`] parses the header
/// with this; use it directly to read the timestamp or count the signatures of a header you
/// are looking into, or to check it against a body under one key whatever its timestamp.
///
/// `Debug` shows the timestamp and each signature's label, never a signature.
///
/// ```
/// use steppay_webhooks::verify::{sign, SignatureHeader};
///
/// let body = br#"{"event":"order.refunded"}"#;
/// let header = sign("my-webhook-key", 1_700_000_000, body);
/// let parsed = SignatureHeader::parse(&header)?;
/// assert_eq!(parsed.timestamp(), 1_700_000_000);
/// assert_eq!(parsed.signature_count(), 1);
/// assert!(parsed.is_signed_by(b"my-webhook-key", body));
/// let signature = header.rsplit_once("key=").map_or("", |(_, signature)| signature);
/// assert!(!format!("{parsed:?}").contains(signature));
/// # Ok::<(), steppay_webhooks::verify::HeaderError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SignatureHeader<'a> {
    timestamp: i64,
    /// The digits as sent: the signed message starts with exactly these.
    timestamp_text: &'a str,
    /// Each signature with the label it came under.
    signatures: Vec<(&'a str, &'a str)>,
}

/// 서명 헤더 오류 — Why a `Steppay-Signature` header could not be read. The messages never
/// repeat a value from the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// No `timestamp=` entry.
    MissingTimestamp,
    /// An entry has no `=` between its label and its value.
    NotLabelValue,
    /// An entry has nothing before its `=`.
    EmptyLabel,
    /// More than one `timestamp=` entry.
    RepeatedTimestamp,
    /// The timestamp is not a whole number of seconds (digits only).
    TimestampNotSeconds,
    /// The timestamp's digits do not fit a 64-bit number of seconds.
    TimestampOutOfRange,
    /// A timestamp, but no signature under any label.
    NoSignature,
}

impl HeaderError {
    /// What is wrong, as a phrase: `"the timestamp is not a number of seconds"`.
    pub const fn reason(self) -> &'static str {
        match self {
            HeaderError::MissingTimestamp => "no `timestamp=` entry",
            HeaderError::NotLabelValue => "an entry is not `label=value`",
            HeaderError::EmptyLabel => "an entry has an empty label",
            HeaderError::RepeatedTimestamp => "more than one timestamp",
            HeaderError::TimestampNotSeconds => "the timestamp is not a number of seconds",
            HeaderError::TimestampOutOfRange => "the timestamp is out of range",
            HeaderError::NoSignature => "no signature",
        }
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

impl std::error::Error for HeaderError {}

impl From<HeaderError> for VerifyError {
    fn from(error: HeaderError) -> Self {
        match error {
            HeaderError::MissingTimestamp => VerifyError::MissingTimestamp,
            other => VerifyError::MalformedHeader(other.reason()),
        }
    }
}

impl<'a> SignatureHeader<'a> {
    /// Parses a `Steppay-Signature` header value.
    ///
    /// # Errors
    ///
    /// [`HeaderError`] when the header has no timestamp, more than one, one that is not a
    /// number of seconds, an entry that is not `label=value`, or no signature.
    pub fn parse(header: &'a str) -> Result<Self, HeaderError> {
        let mut timestamp = None;
        let mut signatures = Vec::new();
        for entry in header.split(',') {
            let entry = entry.trim();
            if entry.is_empty() {
                continue;
            }
            let (label, value) = entry.split_once('=').ok_or(HeaderError::NotLabelValue)?;
            let (label, value) = (label.trim(), value.trim());
            if label.is_empty() {
                return Err(HeaderError::EmptyLabel);
            }
            if label.eq_ignore_ascii_case("timestamp") {
                if timestamp.is_some() {
                    return Err(HeaderError::RepeatedTimestamp);
                }
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(HeaderError::TimestampNotSeconds);
                }
                let seconds = value.parse::<i64>().map_err(|_| HeaderError::TimestampOutOfRange)?;
                timestamp = Some((seconds, value));
            } else {
                let values = value.split(';').map(str::trim).filter(|s| !s.is_empty());
                signatures.extend(values.map(|signature| (label, signature)));
            }
        }
        let (timestamp, timestamp_text) = timestamp.ok_or(HeaderError::MissingTimestamp)?;
        if signatures.is_empty() {
            return Err(HeaderError::NoSignature);
        }
        Ok(Self { timestamp, timestamp_text, signatures })
    }

    /// The signed timestamp, in Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// How many signatures the header carries, under every label.
    pub fn signature_count(&self) -> usize {
        self.signatures.len()
    }

    /// Whether one of the signatures is that of `body` at this header's timestamp under
    /// `secret`, compared in constant time. The timestamp is not checked against any clock:
    /// [`Verifier::verify`] does that too.
    pub fn is_signed_by(&self, secret: impl AsRef<[u8]>, body: &[u8]) -> bool {
        self.signed_by_any(std::iter::once(secret.as_ref()), body)
    }

    /// Whether one of the signatures is that of `body` under one of `secrets`.
    fn signed_by_any<'s>(&self, mut secrets: impl Iterator<Item = &'s [u8]>, body: &[u8]) -> bool {
        // A signature that is not base64 matches nothing.
        let candidates: Vec<Vec<u8>> =
            self.signatures.iter().filter_map(|(_, s)| BASE64.decode(s).ok()).collect();
        secrets.any(|secret| {
            let Ok(mut mac) = HmacSha256::new_from_slice(secret) else { return false };
            mac.update(self.timestamp_text.as_bytes());
            mac.update(b".");
            mac.update(body);
            // `verify_slice` compares in constant time.
            candidates.iter().any(|candidate| mac.clone().verify_slice(candidate).is_ok())
        })
    }
}

impl fmt::Debug for SignatureHeader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |(label, _): &(&str, &str)| format!("{label}=<redacted>");
        f.debug_struct("SignatureHeader")
            .field("timestamp", &self.timestamp)
            .field("signatures", &self.signatures.iter().map(redacted).collect::<Vec<_>>())
            .finish()
    }
}

/// The `Steppay-Signature` header value StepPay would send for `body` at `timestamp`, signed
/// with `secret`, in the documented form `timestamp=<seconds>,key=<base64>`.
///
/// For testing your own endpoint with real signatures; the `testing` module (feature
/// `test-util`) builds whole requests with it.
pub fn sign(secret: impl AsRef<[u8]>, timestamp: i64, body: &[u8]) -> String {
    sign_with_label(secret, timestamp, body, Label::Key)
}

/// [`sign`], with the signature under another label: StepPay's docs write `key=`, and a real
/// delivery carried `v0=`. A [`Verifier`] accepts either.
pub fn sign_with_label(
    secret: impl AsRef<[u8]>,
    timestamp: i64,
    body: &[u8],
    label: Label,
) -> String {
    let signature = match HmacSha256::new_from_slice(secret.as_ref()) {
        Ok(mut mac) => {
            mac.update(timestamp.to_string().as_bytes());
            mac.update(b".");
            mac.update(body);
            BASE64.encode(mac.finalize().into_bytes())
        }
        // HMAC accepts keys of any length, so this arm is never taken.
        Err(_) => String::new(),
    };
    format!("timestamp={timestamp},{}={signature}", label.as_str())
}

/// The label a signature is sent under in the `Steppay-Signature` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Label {
    /// `key=`, as StepPay's docs write it.
    #[default]
    Key,
    /// `v0=`, as a real delivery (2023-08-02) carried it.
    V0,
}

impl Label {
    /// The label as it stands in the header, without the `=`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Label::Key => "key",
            Label::V0 => "v0",
        }
    }
}

/// A stable identity for a delivery: the SHA-256 of its raw body.
///
/// StepPay's envelope has no event or delivery id, and deliveries may arrive more than once and
/// in any order. A retried delivery carries the same body, so its fingerprint is the same:
/// store fingerprints of handled deliveries (with a time-to-live) and skip repeats. To order
/// events about the same object, compare [`Webhook::timestamp`] and ignore older ones.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of a raw body.
    pub fn of(body: &[u8]) -> Self {
        Self(Sha256::digest(body).into())
    }

    /// The 32 bytes of the SHA-256.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    /// Lowercase hex, 64 characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_parsed_with_every_label_but_timestamp() {
        let parsed = SignatureHeader::parse("timestamp=1706002316,key=YWJj").expect("parses");
        assert_eq!((parsed.timestamp(), parsed.signature_count()), (1_706_002_316, 1));
        assert_eq!(parsed.signatures, vec![("key", "YWJj")]);

        // Whitespace around every separator, several signatures under one label, and another
        // label (`v0=`, as a real delivery had it).
        let parsed =
            SignatureHeader::parse(" timestamp = 17 , key = a= ; b= ,v0=c=").expect("parses");
        assert_eq!(parsed.timestamp(), 17);
        assert_eq!(parsed.signatures, vec![("key", "a="), ("key", "b="), ("v0", "c=")]);
        assert_eq!(parsed.signature_count(), 3);
    }

    #[test]
    fn a_bad_header_says_what_is_wrong() {
        for (bad, error) in [
            ("key=a", HeaderError::MissingTimestamp),
            ("", HeaderError::MissingTimestamp),
            ("timestamp=1", HeaderError::NoSignature),
            ("timestamp=1,key=;", HeaderError::NoSignature),
            ("timestamp=1,key", HeaderError::NotLabelValue),
            ("timestamp=x,key=a", HeaderError::TimestampNotSeconds),
            ("timestamp=-1,key=a", HeaderError::TimestampNotSeconds),
            ("timestamp=99999999999999999999,key=a", HeaderError::TimestampOutOfRange),
            ("timestamp=1,timestamp=2,key=a", HeaderError::RepeatedTimestamp),
            ("=a,timestamp=1", HeaderError::EmptyLabel),
        ] {
            assert_eq!(SignatureHeader::parse(bad), Err(error), "{bad}");
            assert!(!error.to_string().is_empty());
        }
        // The verifier reports them as before: a missing timestamp on its own, the rest as
        // malformed with the same reason.
        assert_eq!(VerifyError::from(HeaderError::MissingTimestamp), VerifyError::MissingTimestamp);
        assert_eq!(
            VerifyError::from(HeaderError::NoSignature),
            VerifyError::MalformedHeader("no signature")
        );
    }

    #[test]
    fn a_header_is_checked_against_a_body_under_a_key() {
        let body = br#"{"event":"order.refunded"}"#;
        let header = sign("key-1", 1_700_000_000, body);
        let parsed = SignatureHeader::parse(&header).expect("parses");
        assert!(parsed.is_signed_by("key-1", body));
        assert!(!parsed.is_signed_by("key-2", body));
        assert!(!parsed.is_signed_by("key-1", b"{}"));
        // The timestamp is part of what is signed.
        let other_time = header.replace("1700000000", "1700000001");
        assert!(!SignatureHeader::parse(&other_time).expect("parses").is_signed_by("key-1", body));
        // One signature among several, any label, and one that is not base64, which matches
        // nothing.
        let signature = header.rsplit_once("key=").expect("signed").1;
        let several = format!("timestamp=1700000000,v1=!!;YWJj,v0={signature}");
        assert!(SignatureHeader::parse(&several).expect("parses").is_signed_by("key-1", body));
    }

    #[test]
    fn debug_never_shows_a_signature() {
        let header = sign("key-1", 1_700_000_000, b"{}");
        let signature = header.rsplit_once("key=").expect("signed").1;
        let several = format!("timestamp=1700000000,key={signature};{signature},v0={signature}");
        let debug = format!("{:?}", SignatureHeader::parse(&several).expect("parses"));
        assert_eq!(
            debug,
            r#"SignatureHeader { timestamp: 1700000000, signatures: ["key=<redacted>", "key=<redacted>", "v0=<redacted>"] }"#
        );
        assert!(!debug.contains(signature));
    }

    #[test]
    fn fingerprints_are_hex_sha256() {
        assert_eq!(
            Fingerprint::of(b"").to_string(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn debug_never_shows_a_secret() {
        let verifier = Verifier::new(["hunter2-secret"]).expect("valid");
        assert!(!format!("{verifier:?}").contains("hunter2"));
        assert_eq!(Verifier::new([""; 0]).err(), Some(ConfigError::NoSecret));
        assert_eq!(Verifier::new(["ok", ""]).err(), Some(ConfigError::EmptySecret(1)));
    }
}
