//! What keeps the page to its operators: the access token and its cookie, the CSRF token of
//! every form, and the headers of every answer.
//!
//! One random key per [`Dashboard`](super::Dashboard), drawn from the operating system when it
//! is made, derives everything: the cookie holds `HMAC(key, "session" ‖ token)`, never the token
//! itself, and every form carries `HMAC(key, "csrf")`. Both are checked with `Mac::verify_slice`,
//! which compares in constant time. A restart draws a new key, so old cookies and forms stop
//! working, which is what a token printed by a fresh `steppay-webhooks dashboard` wants.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The name of the session cookie.
pub(super) const COOKIE: &str = "steppay_dashboard";

/// The access token an operator must present: `Debug` never shows it.
#[derive(Clone)]
pub(super) struct AccessToken(String);

impl AccessToken {
    pub(super) fn new(token: String) -> Self {
        Self(token)
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<not shown>)")
    }
}

/// The per-process key. `None` when the operating system gave no randomness: then no form
/// and no session can be trusted, and the pages say so (`503`) rather than guess.
#[derive(Clone)]
pub(super) struct Keys {
    key: Option<[u8; 32]>,
}

impl fmt::Debug for Keys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys").field("key", &self.key.map(|_| "<not shown>")).finish()
    }
}

impl Keys {
    pub(super) fn random() -> Self {
        let mut key = [0u8; 32];
        Self { key: getrandom::fill(&mut key).ok().map(|()| key) }
    }

    pub(super) fn available(&self) -> bool {
        self.key.is_some()
    }

    fn mac(&self, purpose: &[u8], message: &[u8]) -> Option<Hmac<Sha256>> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key?).ok()?;
        mac.update(purpose);
        mac.update(&[0]);
        mac.update(message);
        Some(mac)
    }

    /// The CSRF token every form of this process carries, as hex.
    pub(super) fn csrf_token(&self) -> String {
        self.mac(b"csrf", b"").map(|mac| hex(&mac.finalize().into_bytes())).unwrap_or_default()
    }

    /// Whether `given` (hex, from a form) is this process's CSRF token, compared in constant
    /// time.
    pub(super) fn csrf_ok(&self, given: &str) -> bool {
        let (Some(mac), Some(given)) = (self.mac(b"csrf", b""), unhex(given)) else {
            return false;
        };
        mac.verify_slice(&given).is_ok()
    }

    /// The value of the session cookie for `token`.
    pub(super) fn session_cookie(&self, token: &AccessToken) -> String {
        self.mac(b"session", token.0.as_bytes())
            .map(|mac| hex(&mac.finalize().into_bytes()))
            .unwrap_or_default()
    }

    /// Whether `cookie` (hex) is the session cookie for `token`, compared in constant time.
    pub(super) fn session_ok(&self, token: &AccessToken, cookie: &str) -> bool {
        let (Some(mac), Some(given)) = (self.mac(b"session", token.0.as_bytes()), unhex(cookie))
        else {
            return false;
        };
        mac.verify_slice(&given).is_ok()
    }

    /// Whether `given` (from `?token=`) is `token`. Both are run through the MAC first, so the
    /// comparison takes the same time whatever the lengths and contents; an empty token never
    /// matches.
    pub(super) fn token_ok(&self, token: &AccessToken, given: &str) -> bool {
        if given.is_empty() || token.0.is_empty() {
            return false;
        }
        let (Some(expected), Some(mac)) =
            (self.mac(b"token", token.0.as_bytes()), self.mac(b"token", given.as_bytes()))
        else {
            return false;
        };
        mac.verify_slice(&expected.finalize().into_bytes()).is_ok()
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub(super) fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then_some(value)
    })
}

/// Lowercase hex.
pub(super) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Bytes from hex; `None` for anything else.
pub(super) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| text.get(at..at + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// The headers every page is answered with: no script, no frame, no referrer, no cache.
pub(super) const HEADERS: [(&str, &str); 5] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
    ("x-frame-options", "DENY"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_themselves_and_never_show() {
        let keys = Keys::random();
        assert!(keys.available());
        let token = AccessToken::new("s3cret-token".into());
        assert!(keys.token_ok(&token, "s3cret-token"));
        assert!(!keys.token_ok(&token, "s3cret-toke"));
        assert!(!keys.token_ok(&token, ""));
        assert!(!keys.token_ok(&AccessToken::new(String::new()), ""));
        let cookie = keys.session_cookie(&token);
        assert!(keys.session_ok(&token, &cookie) && !cookie.contains("s3cret"));
        assert!(!keys.session_ok(&token, "00ff") && !keys.session_ok(&token, "zz"));
        assert!(!Keys::random().session_ok(&token, &cookie), "another process's cookie");
        assert!(keys.csrf_ok(&keys.csrf_token()) && !keys.csrf_ok("") && !keys.csrf_ok("abc"));
        assert!(!format!("{token:?}{keys:?}").contains("s3cret"));
    }

    #[test]
    fn cookies_and_hex_are_read() {
        assert_eq!(cookie("a=1; steppay_dashboard=ab; b=2", COOKIE), Some("ab"));
        assert_eq!(cookie("a=1", COOKIE), None);
        assert_eq!(unhex("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("é0"), None);
        assert_eq!(hex(&[0, 255]), "00ff");
    }
}
