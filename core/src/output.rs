//! Output streams that say which stream failed: `writing stdout: No space left on device (os
//! error 28)` rather than a bare OS error.
//!
//! [`Named`] wraps any writer and prefixes the message of every error it returns with
//! `writing <name>: `, keeping the error's kind, so a broken pipe is still a broken pipe (exit
//! 0, see [`crate::error::exit_code_of`]) and a full disk still exits 2. Binaries write their
//! records through [`stdout`].

use std::io::{self, Write};

/// The process's stdout, locked, naming itself `stdout` in write errors.
pub fn stdout() -> Named<io::StdoutLock<'static>> {
    Named::new(io::stdout().lock(), "stdout")
}

/// A writer whose errors name it.
#[derive(Debug)]
pub struct Named<W> {
    inner: W,
    name: &'static str,
}

impl<W: Write> Named<W> {
    /// `inner`, called `name` in its errors.
    pub fn new(inner: W, name: &'static str) -> Self {
        Named { inner, name }
    }

    fn name_error(&self, err: io::Error) -> io::Error {
        io::Error::new(err.kind(), format!("writing {}: {err}", self.name))
    }
}

impl<W: Write> Write for Named<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf).map_err(|e| self.name_error(e))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf).map_err(|e| self.name_error(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| self.name_error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit_code_of;

    /// A writer that fails every call with `kind`.
    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(self.0))
        }
    }

    #[test]
    fn errors_name_the_stream_and_keep_their_kind() {
        let mut out = Named::new(Failing(io::ErrorKind::StorageFull), "stdout");
        let err = out.write_all(b"{}\n").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert!(err.to_string().starts_with("writing stdout: "), "{err}");
        let err: anyhow::Error = out.flush().unwrap_err().into();
        assert_eq!(exit_code_of(&err), 2);
    }

    #[test]
    fn a_broken_pipe_stays_success() {
        let mut out = Named::new(Failing(io::ErrorKind::BrokenPipe), "stdout");
        let err: anyhow::Error = out.write_all(b"x").unwrap_err().into();
        assert_eq!(exit_code_of(&err), 0);
    }

    #[test]
    fn full_disk_message_names_stdout() {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full");
        let Some(full) = testkit::require_some(full.ok(), "no /dev/full") else { return };
        let mut writer = crate::jsonl::JsonLinesWriter::new(Named::new(full, "stdout"));
        let result = writer.write(&serde_json::json!({"a": 1})).and_then(|()| writer.finish());
        let err = result.unwrap_err();
        assert_eq!(crate::cli::render_chain(&err), "writing stdout: No space left on device (os error 28)");
        assert_eq!(exit_code_of(&err), 2);
    }

    #[test]
    fn writes_pass_through() {
        let mut out = Named::new(Vec::new(), "stdout");
        out.write_all(b"{\"a\":1}\n").unwrap();
        out.flush().unwrap();
        assert_eq!(out.inner, b"{\"a\":1}\n");
    }
}
