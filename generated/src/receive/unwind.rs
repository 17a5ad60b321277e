//! [`CatchUnwind`]: runs the user's handler so that a panic in it is a result, not a crash.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

/// The handler panicked; its message is not kept (it may quote the payload).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Panicked;

/// A future that turns a panic while polling `inner` into `Err(Panicked)`.
///
/// The receiver already runs each delivery on a task of its own (so that a disconnect cannot
/// cancel it); catching the handler's panic here, rather than spawning it on a second task,
/// keeps a delivery to one task.
pub(super) struct CatchUnwind<F> {
    inner: Pin<Box<F>>,
}

impl<F: Future> CatchUnwind<F> {
    pub(super) fn new(inner: F) -> Self {
        Self { inner: Box::pin(inner) }
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Panicked>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // The future is never polled again after it panicked: this returns `Ready` and the
        // caller drops it, so no state it left half-changed is observed.
        match catch_unwind(AssertUnwindSafe(|| self.inner.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(_) => Poll::Ready(Err(Panicked)),
        }
    }
}
