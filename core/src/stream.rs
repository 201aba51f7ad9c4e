//! The end-of-stream record: how a stage tells a complete stream from a cut one.
//!
//! A stage that succeeded ends its JSON-lines output with one more line,
//! `{"end_of_stream":{"by":"tg-<stage>"}}`, when its stdout is a pipe or a socket (the stream
//! goes on to another program). A stage that fails, or is killed, never writes it. A stage
//! whose stdin is a pipe or a socket requires it as the last record and acts on nothing
//! before it has seen it: an empty stream, a stream cut by a failure or a `kill -9` upstream,
//! or one whose record a filter dropped, is bad input (exit 1), never a smaller graph.
//!
//! Files keep exactly the records (`tg-transform > full.jsonl` writes no end record, so the
//! file stays what `compare_graphs.py` and `jq -s` read); a regular file given as input needs
//! none, and one that has it (a stream saved with `tee`) is read as well. jq filters pass the
//! record on when they select by a field it lacks (`select(.kind != "docs")`); a filter that
//! selects positively keeps it with `select(.end_of_stream or ...)`. To pipe a saved file
//! through jq into a stage, add the record once jq succeeded:
//! `{ jq -c '...' full.jsonl && echo '{"end_of_stream":{}}'; } | tg-resolve ...`.

use serde_json::Value;
use std::io::Write;
use std::os::fd::AsFd;
use std::os::unix::fs::FileTypeExt;

/// The key that makes a record the end-of-stream record.
pub const END_KEY: &str = "end_of_stream";

/// Whether a reader requires the end-of-stream record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndRule {
    /// The input is a pipe or socket: the record must end it.
    Required,
    /// A file (or in-memory text): the record may end it.
    Optional,
}

/// True when `text` (one line) is the end-of-stream record: a JSON object with the key
/// `end_of_stream` (filters may have added other fields).
pub fn is_end_record(text: &str) -> bool {
    text.contains(END_KEY)
        && serde_json::from_str::<Value>(text)
            .ok()
            .is_some_and(|v| v.as_object().is_some_and(|m| m.contains_key(END_KEY)))
}

/// The record a successful `program` writes last.
pub fn end_record(program: &str) -> String {
    format!("{{\"{END_KEY}\":{{\"by\":{}}}}}\n", Value::String(program.to_string()))
}

/// True when `fd` is a pipe or a socket (another program reads or writes it).
fn is_pipe(fd: std::os::fd::BorrowedFd<'_>) -> bool {
    let Ok(owned) = fd.try_clone_to_owned() else { return false };
    let file = std::fs::File::from(owned);
    file.metadata().is_ok_and(|m| m.file_type().is_fifo() || m.file_type().is_socket())
}

/// The rule for standard input: required when it is a pipe or a socket.
pub fn stdin_rule() -> EndRule {
    if is_pipe(std::io::stdin().as_fd()) {
        EndRule::Required
    } else {
        EndRule::Optional
    }
}

/// True when standard output goes to another program (a pipe or a socket).
pub fn stdout_is_pipe() -> bool {
    is_pipe(std::io::stdout().as_fd())
}

/// Write the end-of-stream record of `program` to `out` when stdout is a pipe or a socket.
/// Call it once every record is written and nothing can fail any more.
pub fn finish_stream(out: &mut dyn Write, program: &str) -> anyhow::Result<()> {
    if stdout_is_pipe() {
        out.write_all(end_record(program).as_bytes())?;
    }
    Ok(())
}

/// End a stage's stdout with its end-of-stream record when stdout is a pipe or a socket: the
/// binaries call it last, once everything else succeeded.
pub fn end_stdout(program: &str) -> anyhow::Result<()> {
    let mut out = crate::output::stdout();
    finish_stream(&mut out, program)?;
    Ok(out.flush()?)
}

/// Remove the end-of-stream record that ends `bytes` (a whole JSON-lines input held in
/// memory); without one, an error when `rule` requires it. A record before the end stays, for
/// the reader to refuse.
pub fn strip_end(bytes: &mut Vec<u8>, source: &str, rule: EndRule) -> anyhow::Result<()> {
    let content_end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    let line_start = bytes.get(..content_end).and_then(|b| b.iter().rposition(|&c| c == b'\n')).map_or(0, |i| i + 1);
    let last_line = bytes.get(line_start..content_end).and_then(|l| std::str::from_utf8(l).ok()).unwrap_or_default();
    if !last_line.is_empty() && is_end_record(last_line) {
        bytes.truncate(line_start);
        return Ok(());
    }
    match rule {
        EndRule::Required => Err(missing_end(source)),
        EndRule::Optional => Ok(()),
    }
}

/// The error for input that ended without its record.
pub fn missing_end(source: &str) -> anyhow::Error {
    crate::error::bad_input(format!(
        "{source}: the stream ended without its end-of-stream record ({{\"{END_KEY}\": ...}}): the stage that \
         wrote it failed or was killed, or a filter dropped the record (keep it with `select(.{END_KEY} or ...)`); \
         nothing was done. A saved file can be given as a file (`< FILE`) instead"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_end_removes_the_last_record_or_requires_it() {
        let mut b = b"{\"a\":1}\n{\"end_of_stream\":{}}\n\n".to_vec();
        strip_end(&mut b, "<stdin>", EndRule::Required).unwrap();
        assert_eq!(b, b"{\"a\":1}\n");
        let mut cut = b"{\"a\":1}\n".to_vec();
        assert!(strip_end(&mut cut, "<stdin>", EndRule::Required).is_err());
        strip_end(&mut cut, "f", EndRule::Optional).unwrap();
        assert_eq!(cut, b"{\"a\":1}\n");
        let mut empty = Vec::new();
        assert!(strip_end(&mut empty, "<stdin>", EndRule::Required).is_err());
        let mut only = end_record("tg-morph").into_bytes();
        strip_end(&mut only, "<stdin>", EndRule::Required).unwrap();
        assert!(only.is_empty());
    }

    #[test]
    fn end_records_are_recognised_with_extra_fields_and_only_then() {
        assert!(is_end_record(&end_record("tg-load")));
        assert!(is_end_record("{\"end_of_stream\":{},\"task\":{\"x\":1}}\n"));
        assert!(!is_end_record("{\"label\":\"end_of_stream\"}\n"));
        assert!(!is_end_record("{\"kind\":\"a\",\"label\":\"b\"}\n"));
        assert_eq!(end_record("tg-x"), "{\"end_of_stream\":{\"by\":\"tg-x\"}}\n");
    }
}
