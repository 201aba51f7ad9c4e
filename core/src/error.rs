//! Exit codes and the error type that carries one.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success, also when the reader downstream closed the pipe |
//! | 1 | bad input: malformed line or YAML, schema violation, broken graph invariant |
//! | 2 | usage or environment: bad flags, unreadable file |
//! | 3 | remote failure (queue or index unreachable after retries) |

use std::fmt;

/// Exit code for bad input.
pub const EXIT_BAD_INPUT: u8 = 1;
/// Exit code for usage and environment errors (flags, unreadable files).
pub const EXIT_USAGE: u8 = 2;
/// Exit code for a remote service that failed after retries.
pub const EXIT_REMOTE: u8 = 3;

/// An error that knows which exit code it maps to. Wrap it in `anyhow::Error`; context added
/// with `anyhow::Context` on top keeps the code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failure {}

/// Bad input (exit 1).
pub fn bad_input(message: impl Into<String>) -> anyhow::Error {
    Failure { code: EXIT_BAD_INPUT, message: message.into() }.into()
}

/// Usage or I/O environment error (exit 2).
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Failure { code: EXIT_USAGE, message: message.into() }.into()
}

/// Remote failure after retries (exit 3).
pub fn remote(message: impl Into<String>) -> anyhow::Error {
    Failure { code: EXIT_REMOTE, message: message.into() }.into()
}

/// True when the error is a broken pipe on output: the reader went away, which is success.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit code an error maps to: a [`Failure`]'s own code, 2 for other I/O errors, else 1.
pub fn exit_code_of(err: &anyhow::Error) -> u8 {
    if is_broken_pipe(err) {
        return 0;
    }
    for cause in err.chain() {
        if let Some(f) = cause.downcast_ref::<Failure>() {
            return f.code;
        }
    }
    if err.chain().any(|c| c.is::<std::io::Error>()) {
        return EXIT_USAGE;
    }
    EXIT_BAD_INPUT
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn codes_survive_context() {
        let e = Err::<(), _>(remote("queue down")).context("creating task").unwrap_err();
        assert_eq!(exit_code_of(&e), 3);
        assert_eq!(exit_code_of(&bad_input("x")), 1);
        assert_eq!(exit_code_of(&usage("x")), 2);
    }

    #[test]
    fn broken_pipe_is_success_and_other_io_is_usage() {
        let bp: anyhow::Error = std::io::Error::from(std::io::ErrorKind::BrokenPipe).into();
        assert_eq!(exit_code_of(&bp), 0);
        let nf: anyhow::Error = std::io::Error::from(std::io::ErrorKind::NotFound).into();
        assert_eq!(exit_code_of(&nf), 2);
        assert_eq!(exit_code_of(&anyhow::anyhow!("plain")), 1);
    }
}
