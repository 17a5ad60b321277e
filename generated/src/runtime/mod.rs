//! The hand-written half of the crate: what the generated code builds on.
//!
//! Nothing here is generated, and nothing here names a StepPay event or schema: the generated
//! modules (`crate::generated`) supply those. Keeping this module free of catalogue knowledge is
//! what lets codegen's fixture crate compile its expected output against this same code.

// The codecs and `impl_open_enum!` serve the generated types. Without the default features only
// the chosen domains' types are compiled, and a helper that only other domains' types use is
// unused there; the default build, where every helper is used, keeps these lints.
#[cfg_attr(not(feature = "default"), allow(dead_code))]
pub(crate) mod codec;
mod delivery;
mod lenient_id;
#[cfg_attr(not(feature = "default"), allow(dead_code, unused_macros))]
mod open_enum;
mod subject;
mod unknown;
mod webhook;

pub use self::delivery::{Delivery, OperatorNote, Unreadable, UnreadableAction};
pub use self::lenient_id::LenientId;
pub use self::open_enum::Unrecognized;
#[cfg_attr(not(feature = "default"), allow(unused_imports))]
pub(crate) use self::open_enum::impl_open_enum;
pub use self::subject::{ParseSubjectError, Subject};
pub use self::unknown::{ParseEventTypeError, UnknownEvent};
pub use self::webhook::{ParseError, ParseErrorKind, Webhook};

/// The error a [`Handler`](crate::generated::Handler) method returns: any error that can cross
/// threads. Turn yours into it with `?` or `.into()`.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync + 'static>;
