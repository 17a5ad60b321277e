//! [`Subject`]: the business object a delivery is about, written `kind:id`.
//!
//! The catalogue marks, on each payload type, the one field that identifies the object it
//! describes (`subject: true`, see `schema/README.md`); the generated `Event::subject` reads it.
//! This module knows no kind by name: the generated code supplies the list of kinds
//! (`SUBJECT_KINDS`), which is what lets `kind` be a `&'static str` even for a subject read
//! back from text.

use std::fmt;
use std::str::FromStr;

use crate::generated::SUBJECT_KINDS;

/// 대상 — The business object a delivery is about: the kind of its payload and that object's
/// id, written `kind:id`, e.g. `payment:4418273`.
///
/// [`Event::subject`](crate::Event::subject) (and [`Webhook::subject`](crate::Webhook::subject))
/// gives it from the field the catalogue marks as the payload type's subject: StepPay's payment
/// number for a payment, the order number for an order, the plan's code for a price plan. So
/// "did the webhook for payment 4418273 arrive?" is a question about `payment:4418273`.
///
/// - The **kind** is the payload type's name in snake_case: `payment`, `order`, `price`, …
/// - The **id** is the field's value as text, as [`Display`](fmt::Display) writes it: an integer
///   in decimal, a string or a [`LenientId`](crate::LenientId) as it is. It is never empty, and
///   the whole text is at most [`Subject::MAX_LEN`] bytes; a field whose value would break either
///   rule gives no subject.
///
/// Its text reads back with [`FromStr`], which checks the same rules and takes only the kinds
/// this version of the crate knows (of every domain, whichever Cargo features are on), so every
/// `Subject` the crate gives writes text that parses to an equal `Subject`. Ids are not
/// personal data (the catalogue refuses a subject field marked personal data), so `Debug` shows
/// them.
///
/// ```
/// use steppay_webhooks::Subject;
///
/// let subject: Subject = "payment:4418273".parse()?;
/// assert_eq!(subject.kind(), "payment");
/// assert_eq!(subject.id(), "4418273");
/// assert_eq!(subject.to_string(), "payment:4418273");
///
/// assert!("payment4418273".parse::<Subject>().is_err());
/// # Ok::<(), steppay_webhooks::ParseSubjectError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    kind: &'static str,
    id: String,
}

impl Subject {
    /// 최대 길이 — The longest text of a subject, `kind:id`, in bytes. Ids are short (StepPay's
    /// numbers and codes are well under 40 bytes); a longer text is refused by [`FromStr`], and a
    /// field whose value would make one gives no subject.
    pub const MAX_LEN: usize = 128;

    /// The subject of kind `kind` whose id is `id` as text, or `None` when that id is empty or
    /// too long for a subject. `kind` is one of [`SUBJECT_KINDS`]: the generated code calls this.
    // Only the domains' generated code calls it: a build without any domain has no caller.
    #[cfg_attr(not(feature = "default"), allow(dead_code))]
    pub(crate) fn new(kind: &'static str, id: impl fmt::Display) -> Option<Self> {
        let id = id.to_string();
        (!id.is_empty() && text_len(kind, &id) <= Self::MAX_LEN).then_some(Self { kind, id })
    }

    /// 종류 — The kind of object: the payload type's name in snake_case, e.g. `"payment"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// 번호 — The object's id as text, e.g. `"4418273"`.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The length of `kind:id` in bytes.
fn text_len(kind: &str, id: &str) -> usize {
    kind.len().saturating_add(1).saturating_add(id.len())
}

impl fmt::Display for Subject {
    /// `kind:id`, e.g. `payment:4418273`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind, self.id)
    }
}

impl FromStr for Subject {
    type Err = ParseSubjectError;

    /// Reads `kind:id`. The kind ends at the first `:` (no kind has one), so an id may hold `:`.
    /// The id is taken as written, spaces included.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() > Self::MAX_LEN {
            return Err(ParseSubjectError::TooLong { len: text.len() });
        }
        let (kind, id) = text.split_once(':').ok_or(ParseSubjectError::NoColon)?;
        if kind.is_empty() {
            return Err(ParseSubjectError::EmptyKind);
        }
        if id.is_empty() {
            return Err(ParseSubjectError::EmptyId);
        }
        let kind = SUBJECT_KINDS
            .iter()
            .copied()
            .find(|known| *known == kind)
            .ok_or_else(|| ParseSubjectError::UnknownKind { kind: kind.to_owned() })?;
        Ok(Self { kind, id: id.to_owned() })
    }
}

/// 대상이 아닌 글 — Text that is not a [`Subject`], from its [`FromStr`]; the message says
/// what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseSubjectError {
    /// No `:` between the kind and the id (an empty text has none either).
    #[error("a subject is written `kind:id`, e.g. `payment:4418273`, and this text has no `:`")]
    NoColon,
    /// Nothing before the `:`.
    #[error("a subject needs a kind before its `:`, e.g. `payment` in `payment:4418273`")]
    EmptyKind,
    /// Nothing after the `:`.
    #[error("a subject needs an id after its `:`, e.g. `4418273` in `payment:4418273`")]
    EmptyId,
    /// A kind this version of the crate does not know.
    #[error("`{kind}` is not a kind of subject; the kinds are {}", SUBJECT_KINDS.join(", "))]
    UnknownKind {
        /// The text before the `:`.
        kind: String,
    },
    /// Longer than [`Subject::MAX_LEN`] bytes; checked first, so a long text is not read.
    #[error("a subject is at most {} bytes, and this text has {len}", Subject::MAX_LEN)]
    TooLong {
        /// The text's length in bytes.
        len: usize,
    },
}
