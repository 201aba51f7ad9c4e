//! [`CallError`]: why a Taskcluster call failed, naming the call; exit code 3.

use std::fmt;
use tg_core::error::{Failure, EXIT_REMOTE};

/// Why a call failed. Converts to an exit-3 error (see the crate doc).
#[derive(Debug)]
pub enum CallError {
    /// The service answered 4xx (or 5xx on the last attempt): not retried further.
    Rejected { call: String, status: u16, code: String, message: String, failure: Failure },
    /// No usable answer after every retry (connection errors, timeouts, 5xx).
    Unavailable { call: String, attempts: u32, last_error: String, failure: Failure },
}

impl CallError {
    pub(crate) fn rejected(call: &str, status: u16, code: String, message: String) -> CallError {
        let text = format!("{call}: HTTP {status} {code}: {message}");
        CallError::Rejected {
            call: call.to_string(),
            status,
            code,
            message,
            failure: Failure { code: EXIT_REMOTE, message: text },
        }
    }

    pub(crate) fn unavailable(call: &str, attempts: u32, last_error: String) -> CallError {
        let text = format!("{call}: failed after {attempts} attempts: {last_error}");
        CallError::Unavailable {
            call: call.to_string(),
            attempts,
            last_error,
            failure: Failure { code: EXIT_REMOTE, message: text },
        }
    }

    /// The HTTP status when the service answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            CallError::Rejected { status, .. } => Some(*status),
            CallError::Unavailable { .. } => None,
        }
    }

    /// True for a 404 answer (an index path with no task, an unknown task).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// True for any 4xx answer: the service refused, retrying would not help.
    pub fn is_client_error(&self) -> bool {
        self.status().is_some_and(|s| (400..500).contains(&s))
    }

    /// The server's message (4xx) or the last transport error.
    pub fn message(&self) -> &str {
        match self {
            CallError::Rejected { message, .. } => message,
            CallError::Unavailable { last_error, .. } => last_error,
        }
    }

    /// `service.METHOD /path` of the failed call.
    pub fn call(&self) -> &str {
        match self {
            CallError::Rejected { call, .. } | CallError::Unavailable { call, .. } => call,
        }
    }

    fn failure(&self) -> &Failure {
        match self {
            CallError::Rejected { failure, .. } | CallError::Unavailable { failure, .. } => failure,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.failure().message)
    }
}

impl std::error::Error for CallError {
    /// The exit-3 [`Failure`] (same text), so `tg_core::error::exit_code_of` finds code 3.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.failure())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_errors_exit_3_and_keep_their_status() {
        let err: anyhow::Error =
            CallError::rejected("queue.PUT /task/x", 400, "InputError".into(), "bad".into()).into();
        assert_eq!(tg_core::error::exit_code_of(&err), 3);
        assert_eq!(err.downcast_ref::<CallError>().and_then(CallError::status), Some(400));
        assert_eq!(tg_core::cli::render_chain(&err), "queue.PUT /task/x: HTTP 400 InputError: bad");
        let gone: anyhow::Error = CallError::unavailable("index.GET /task/a", 6, "timed out".into()).into();
        assert_eq!(tg_core::error::exit_code_of(&gone), 3);
        assert_eq!(gone.to_string(), "index.GET /task/a: failed after 6 attempts: timed out");
    }
}
