//! What a [`Handler`](crate::Handler) is given besides the payload: the delivery around it.

use std::fmt;
use std::ops::Deref;

use super::webhook::{ParseError, Webhook};
use crate::key::DeliveryKey;
#[cfg(feature = "receive")]
use crate::key::LazyKey;

/// 배달 — One delivery as a handler sees it: the parsed [`Webhook`], and, when it came through a
/// receiver (`receive::Receiver`, feature `receive`), its de-duplication key and attempt number.
///
/// It dereferences to the [`Webhook`], so `delivery.timestamp` and `delivery.sent_at()` read the
/// envelope. [`dispatch`](crate::dispatch) takes a `&Webhook` as well, which becomes a delivery
/// with no key and attempt 1.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Delivery<'a> {
    /// The parsed body.
    pub webhook: &'a Webhook,
    key: KeyRef<'a>,
    /// 시도 번호 — How many times a handler has been started for this key, this run included:
    /// 1 the first time, then 2, 3, … as retries of a failed or abandoned run are claimed.
    ///
    /// The store hands out each number once per key, so it fences a run that lost its lease:
    /// when your handler writes to a database of its own, store the attempt with the effect and
    /// refuse a write whose attempt is lower than the one recorded (see the README's
    /// "Production" section).
    pub attempt: u32,
}

impl<'a> Delivery<'a> {
    /// A delivery of `webhook` with no key, as attempt 1: what [`dispatch`](crate::dispatch)
    /// makes of a bare `&Webhook`.
    pub fn new(webhook: &'a Webhook) -> Self {
        Self { webhook, key: KeyRef::None, attempt: 1 }
    }

    /// The same delivery, de-duplicated by `key`, as attempt `attempt`.
    #[must_use]
    pub fn with_key(self, key: &'a DeliveryKey, attempt: u32) -> Self {
        Self { key: KeyRef::Known(key), attempt, ..self }
    }

    /// The same delivery with a key made when first asked for, as attempt `attempt`.
    #[cfg(feature = "receive")]
    #[must_use]
    pub(crate) fn with_lazy_key(self, key: &'a LazyKey<'a>, attempt: u32) -> Self {
        Self { key: KeyRef::Lazy(key), attempt, ..self }
    }

    /// 중복 제거 키 — The key the receiver de-duplicates this delivery by; `None` outside a
    /// receiver.
    ///
    /// A receiver without a store makes it only when something asks for it (this method, or a
    /// `tracing` subscriber recording the delivery's span), since nothing else needs it there.
    pub fn key(&self) -> Option<&'a DeliveryKey> {
        self.key.get()
    }
}

/// Where a delivery's key comes from.
#[derive(Clone, Copy)]
enum KeyRef<'a> {
    /// Outside a receiver.
    None,
    /// Made already (a store keeps the delivery under it).
    Known(&'a DeliveryKey),
    /// Made when first asked for.
    #[cfg(feature = "receive")]
    Lazy(&'a LazyKey<'a>),
}

impl<'a> KeyRef<'a> {
    fn get(self) -> Option<&'a DeliveryKey> {
        match self {
            Self::None => None,
            Self::Known(key) => Some(key),
            #[cfg(feature = "receive")]
            Self::Lazy(key) => Some(key.get()),
        }
    }
}

impl fmt::Debug for KeyRef<'_> {
    /// The key when it is known or was made; a lazy key is not made for `Debug`'s sake.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Known(key) => f.debug_tuple("Some").field(&key.as_str()).finish(),
            #[cfg(feature = "receive")]
            Self::Lazy(key) => match key.made() {
                Some(key) => f.debug_tuple("Some").field(&key.as_str()).finish(),
                None => f.write_str("<not made yet>"),
            },
        }
    }
}

impl<'a> From<&'a Webhook> for Delivery<'a> {
    fn from(webhook: &'a Webhook) -> Self {
        Self::new(webhook)
    }
}

impl Deref for Delivery<'_> {
    type Target = Webhook;

    fn deref(&self) -> &Webhook {
        self.webhook
    }
}

/// 읽을 수 없는 배달 — A delivery whose signature verified but whose body this version of the
/// crate cannot read: a value of a type the catalogue does not expect, an API `version` it does
/// not know, or a body that is not JSON at all.
///
/// StepPay signed it, so it is a real delivery, and the fault is on our side: the catalogue is
/// behind StepPay. [`Handler::unreadable`](crate::Handler::unreadable) decides what becomes of
/// it.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub struct Unreadable<'a> {
    /// The raw body, exactly as received and verified.
    pub body: &'a [u8],
    /// Why and where it could not be read.
    pub error: &'a ParseError,
    key: Option<&'a DeliveryKey>,
    /// The attempt number, as in [`Delivery::attempt`].
    pub attempt: u32,
}

impl<'a> Unreadable<'a> {
    /// An unreadable delivery of `body`, as attempt 1 with no key.
    pub fn new(body: &'a [u8], error: &'a ParseError) -> Self {
        Self { body, error, key: None, attempt: 1 }
    }

    /// The same delivery, de-duplicated by `key`, as attempt `attempt`.
    #[must_use]
    pub fn with_key(self, key: &'a DeliveryKey, attempt: u32) -> Self {
        Self { key: Some(key), attempt, ..self }
    }

    /// The `event` of the body, when it could be read.
    pub fn event_type(&self) -> Option<&'a str> {
        self.error.event_type()
    }

    /// 중복 제거 키 — The key the receiver de-duplicates this delivery by; `None` outside a
    /// receiver.
    pub fn key(&self) -> Option<&'a DeliveryKey> {
        self.key
    }
}

impl fmt::Debug for Unreadable<'_> {
    /// Shows the size of the body, never its contents (it may hold personal data).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unreadable")
            .field("body", &format_args!("<{} bytes, not shown>", self.body.len()))
            .field("error", self.error)
            .field("key", &self.key)
            .field("attempt", &self.attempt)
            .finish()
    }
}

/// What to do with an [`Unreadable`] delivery: the result of
/// [`Handler::unreadable`](crate::Handler::unreadable).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnreadableAction {
    /// 격리 — Keep the raw body in the receiver's store and answer `200`, so that StepPay stops
    /// sending it; replay it once the catalogue is fixed (`Receiver::replay`, feature `receive`).
    /// The default.
    ///
    /// A receiver without a store has nowhere to keep it and answers `500` instead, so that
    /// StepPay sends it again while the fix ships.
    Quarantine,
    /// Keep nothing and answer `500`, so that StepPay sends it again.
    Retry,
    /// The hook dealt with it (stored it elsewhere, or decided it needs nothing): answer `200`
    /// and remember the key as done.
    Handled,
}

/// 운영자 메모 — An error a handler returns whose message is safe to show an operator: the
/// receiver records it with the attempt (in the store's history, on the operator page and in
/// the CLI's `deliveries show`), where any other error of a handler is recorded only as
/// "failed", since its text may quote personal data.
///
/// Write a message that names no payload value: what went wrong and where, e.g.
/// `"the ledger database timed out"`. At most [`OperatorNote::MAX_LEN`] bytes are kept.
///
/// ```
/// use steppay_webhooks::{HandlerError, OperatorNote};
///
/// fn charge() -> Result<(), HandlerError> {
///     Err(OperatorNote::new("the ledger database timed out").into())
/// }
/// # assert!(charge().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorNote(String);

impl OperatorNote {
    /// The longest note kept, in bytes; a longer one is cut at a character boundary.
    pub const MAX_LEN: usize = 500;

    /// A note saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        let mut message = message.into();
        if message.len() > Self::MAX_LEN {
            let mut end = Self::MAX_LEN;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        Self(message)
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0
    }

    /// The note in a handler's error, if the error is one.
    pub fn of<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Self> {
        error.downcast_ref::<Self>()
    }
}

impl fmt::Display for OperatorNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for OperatorNote {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_found_in_a_handler_error_and_cut_to_its_limit() {
        let error: super::super::HandlerError = OperatorNote::new("the ledger timed out").into();
        assert_eq!(
            OperatorNote::of(&*error).map(OperatorNote::message),
            Some("the ledger timed out")
        );
        let other: super::super::HandlerError = "customer Hong Gildong has no card".into();
        assert_eq!(OperatorNote::of(&*other), None);
        let long = OperatorNote::new("가".repeat(400)); // 3 bytes each
        assert!(long.message().len() <= OperatorNote::MAX_LEN);
        assert_eq!(long.message().len() % 3, 0, "cut at a character boundary");
    }
}
