//! tg-tcclient: the one Taskcluster client, linked only by the stages that talk to Taskcluster
//! (tg-optimize, tg-submit, tg-action, tg-decision).
//!
//! Where requests go:
//! - `TASKCLUSTER_PROXY_URL` set: `<proxy>/api/<service>/v1/<path>`, no authentication (the
//!   taskcluster-proxy of a task adds it);
//! - else `TASKCLUSTER_ROOT_URL` set: `<root>/api/<service>/v1/<path>`, signed with Hawk (the
//!   Taskcluster team's `hawk` crate) when `TASKCLUSTER_CLIENT_ID` and
//!   `TASKCLUSTER_ACCESS_TOKEN` are set (plus `TASKCLUSTER_CERTIFICATE` for temporary
//!   credentials);
//! - neither: no client ([`Client::from_env`] returns `Ok(None)`).
//!
//! One retry policy for every call ([`RetryPolicy`]): connection errors, timeouts and 5xx answers
//! are retried with exponential backoff and jitter, a bounded number of times; a 4xx answer is not
//! retried and comes back as [`CallError::Rejected`] with the server's status, `code` and
//! `message`. Every [`CallError`] converts into an `anyhow::Error` whose exit code is 3, and
//! callers can still inspect it with `err.downcast_ref::<CallError>()`.
//!
//! Secrets never appear in output: [`Credentials`] has a redacting `Debug`, error messages name
//! the service, method and path of the call, never the headers.

mod auth;
mod client;
mod endpoint;
mod error;
mod retry;

pub use auth::{hawk_ext, hawk_header, HawkRequest};
pub use client::{Client, Method, RawAnswer};
pub use endpoint::{normalize_root_url, Config, Credentials, Endpoint};
pub use error::CallError;
pub use retry::{RetryPolicy, Timeouts};

/// Percent-encode one path segment or query value as Python's `urllib.parse.quote(s, safe="")`
/// does (what the Taskcluster clients send): everything but `A-Za-z0-9_.-~` is escaped.
pub fn percent_encode(text: &str) -> String {
    const SAFE: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'_').remove(b'.').remove(b'-').remove(b'~');
    percent_encoding::utf8_percent_encode(text, SAFE).to_string()
}

#[cfg(test)]
mod tests {
    use super::percent_encode;

    #[test]
    fn percent_encodes_as_python_quote_with_nothing_safe() {
        // urllib.parse.quote(s, safe="") for each s.
        assert_eq!(percent_encode("a+b/c=d ~x"), "a%2Bb%2Fc%3Dd%20~x");
        assert_eq!(percent_encode("gecko.v2.mozilla-central.latest"), "gecko.v2.mozilla-central.latest");
        assert_eq!(percent_encode("é?&#"), "%C3%A9%3F%26%23");
    }
}
