//! [`Answer`]: the one place that turns what happened to a request into the HTTP response every
//! adapter sends (status, headers, body), so that axum, hyper, tower, Lambda and actix-web answer
//! StepPay byte for byte alike.

use super::Outcome;

/// 응답 — The whole HTTP response to a request at the webhook's URL, whatever the framework:
/// its status, its headers ([`Answer::headers`]) and its plain-text body.
///
/// The adapters of this crate build every response from one; an adapter of your own (for a
/// framework this crate does not cover) copies `status`, `headers` and `body` into its response
/// type and decides nothing itself:
///
/// | request | answer |
/// |---|---|
/// | a `POST` whose body was read | the [`Outcome`]'s: [`Answer::from`] |
/// | a `POST` whose body is larger than the limit | `413`, as [`Outcome::TooLarge`] |
/// | a `POST` whose body could not be read from the connection | `400` ([`Answer::body_not_read`]) |
/// | any other method | `405` with `Allow: POST` ([`Answer::method_not_allowed`]) |
///
/// The body is one short line that never holds a secret, a signature or a payload value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    status: u16,
    retry_after: Option<u64>,
    allow: Option<&'static str>,
    body: String,
}

impl Answer {
    /// The `Content-Type` of every answer's body.
    pub const CONTENT_TYPE: &'static str = "text/plain; charset=utf-8";

    /// `405`: the webhook's URL takes only `POST`; the answer says so in `Allow`.
    pub fn method_not_allowed() -> Self {
        Self {
            status: 405,
            retry_after: None,
            allow: Some("POST"),
            body: "only POST is accepted here".to_owned(),
        }
    }

    /// `400`: the body could not be read from the connection (it broke off, or its framing was
    /// wrong), so nothing was verified.
    pub fn body_not_read() -> Self {
        Self {
            status: 400,
            retry_after: None,
            allow: None,
            body: "webhook body could not be read".to_owned(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers to send, as (lower-case name, value): always `content-type`; `retry-after`
    /// (whole seconds) on a `503`; `allow` on a `405`.
    pub fn headers(&self) -> impl Iterator<Item = (&'static str, String)> + '_ {
        let content_type = ("content-type", Self::CONTENT_TYPE.to_owned());
        let retry_after = self.retry_after.map(|seconds| ("retry-after", seconds.to_string()));
        let allow = self.allow.map(|methods| ("allow", methods.to_owned()));
        std::iter::once(content_type).chain(retry_after).chain(allow)
    }

    /// `Retry-After`, in whole seconds, when the answer has one.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// The body: one line of plain text.
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The body, owned.
    pub fn into_body(self) -> String {
        self.body
    }
}

impl From<&Outcome> for Answer {
    fn from(outcome: &Outcome) -> Self {
        Self {
            status: outcome.status(),
            retry_after: outcome.retry_after(),
            allow: None,
            body: outcome.message(),
        }
    }
}

impl From<Outcome> for Answer {
    fn from(outcome: Outcome) -> Self {
        Self::from(&outcome)
    }
}

#[cfg(feature = "tower")]
impl From<Answer> for http::Response<String> {
    fn from(answer: Answer) -> Self {
        let mut response = http::Response::builder().status(answer.status);
        for (name, value) in answer.headers() {
            response = response.header(name, value);
        }
        // Every part is valid: a status from 200 to 503, ASCII header names and values.
        response.body(answer.body).unwrap_or_else(|_| {
            let mut fallback = http::Response::new(String::new());
            *fallback.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_becomes_its_status_headers_and_body() {
        let answer = Answer::from(Outcome::InProgress {
            retry_after: std::time::Duration::from_millis(2500),
        });
        assert_eq!(answer.status(), 503);
        let headers: Vec<_> = answer.headers().collect();
        assert_eq!(
            headers,
            [
                ("content-type", "text/plain; charset=utf-8".to_owned()),
                ("retry-after", "3".to_owned())
            ]
        );
        assert_eq!(answer.body(), "being handled by another request; retry later");
    }

    #[test]
    fn a_wrong_method_is_told_which_one_is_right() {
        let answer = Answer::method_not_allowed();
        assert_eq!(answer.status(), 405);
        assert!(answer.headers().any(|header| header == ("allow", "POST".to_owned())));
        assert!(answer.retry_after().is_none());
    }
}
