//! JSON lines in and out: one compact JSON object per `\n`-terminated line.
//!
//! The reader stops at the first bad line and names `<source>:<line>`, the kind and label when
//! it can find them, and the field path. It consumes the end-of-stream record
//! ([`crate::stream`]) and, when told it is required ([`JsonLinesReader::requiring_end`]),
//! refuses a stream that lacks it. The writer is buffered; callers `finish()` it so that a
//! failed flush is an error, not a silent truncation.

use crate::error::{bad_input, usage};
use crate::quote::{capped, capped_message};
use crate::stream::{is_end_record, missing_end, EndRule};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::io::{BufRead, Write};

/// Longest line accepted (bytes). A longer line is bad input, not an out-of-memory.
pub const MAX_LINE_BYTES: usize = 256 * 1024 * 1024;

/// A named source of JSON lines (`<stdin>` or a file path).
pub struct JsonLinesReader<R> {
    input: R,
    source: String,
    line_no: usize,
    buf: Vec<u8>,
    end_rule: EndRule,
    /// Line number of the end-of-stream record, once read.
    end_seen: Option<usize>,
}

impl<R: BufRead> JsonLinesReader<R> {
    /// A reader for which the end-of-stream record is optional (files, text).
    pub fn new(input: R, source: impl Into<String>) -> Self {
        JsonLinesReader {
            input,
            source: source.into(),
            line_no: 0,
            buf: Vec::new(),
            end_rule: EndRule::Optional,
            end_seen: None,
        }
    }

    /// The same reader, requiring the end-of-stream record when `rule` says so.
    pub fn requiring_end(mut self, rule: EndRule) -> Self {
        self.end_rule = rule;
        self
    }

    /// Where the last line came from, as `<source>:<line>`.
    pub fn position(&self) -> String {
        format!("{}:{}", self.source, self.line_no)
    }

    /// The next non-blank line as raw text, or `None` at the end of input.
    pub fn next_line(&mut self) -> anyhow::Result<Option<&str>> {
        loop {
            self.buf.clear();
            let n = read_line_bounded(&mut self.input, &mut self.buf)
                .map_err(|e| usage(format!("{}:{}: read error: {e}", self.source, self.line_no + 1)))?;
            if n == 0 {
                if self.end_rule == EndRule::Required && self.end_seen.is_none() {
                    return Err(missing_end(&self.source));
                }
                return Ok(None);
            }
            self.line_no += 1;
            if n > MAX_LINE_BYTES {
                return Err(bad_input(format!("{}: line longer than {} bytes", self.position(), MAX_LINE_BYTES)));
            }
            if self.buf.last() != Some(&b'\n') {
                return Err(bad_input(format!(
                    "{}: truncated last line (no terminating newline); is the stream complete?",
                    self.position()
                )));
            }
            let text = std::str::from_utf8(&self.buf)
                .map_err(|e| bad_input(format!("{}: not valid UTF-8: {e}", self.position())))?;
            if text.trim().is_empty() {
                continue;
            }
            if let Some(end_line) = self.end_seen {
                return Err(bad_input(format!(
                    "{}: a record after the end-of-stream record of line {end_line}",
                    self.position()
                )));
            }
            if is_end_record(text) {
                self.end_seen = Some(self.line_no);
            } else {
                // Re-borrow: returning `text` from inside the loop upsets the borrow checker.
                return Ok(Some(std::str::from_utf8(&self.buf).unwrap_or_default()));
            }
        }
    }

    /// The next non-blank line with where it came from, or `None` at the end of input.
    pub fn next_raw(&mut self) -> anyhow::Result<Option<RawLine<'_>>> {
        if self.next_line()?.is_none() {
            return Ok(None);
        }
        let text = std::str::from_utf8(&self.buf).unwrap_or_default();
        Ok(Some(RawLine { text, source: &self.source, line_no: self.line_no }))
    }

    /// The next line parsed as a JSON value.
    pub fn next_value(&mut self) -> anyhow::Result<Option<Value>> {
        match self.next_raw()? {
            Some(line) => line.value().map(Some),
            None => Ok(None),
        }
    }

    /// The next line as a typed record; errors name the kind, label and field path.
    pub fn next_record<T: DeserializeOwned>(&mut self) -> anyhow::Result<Option<T>> {
        match self.next_raw()? {
            Some(line) => line.record().map(Some),
            None => Ok(None),
        }
    }

    /// Every remaining record, stopping at the first bad one.
    pub fn read_all<T: DeserializeOwned>(&mut self) -> anyhow::Result<Vec<T>> {
        let mut out = Vec::new();
        while let Some(rec) = self.next_record()? {
            out.push(rec);
        }
        Ok(out)
    }
}

/// One line of input as read, with its position, for callers that parse it their own way
/// and fall back to [`RawLine::record`] for the exact error message.
pub struct RawLine<'a> {
    /// The line, `\n` included.
    pub text: &'a str,
    pub source: &'a str,
    pub line_no: usize,
}

impl RawLine<'_> {
    /// `<source>:<line>`.
    pub fn position(&self) -> String {
        format!("{}:{}", self.source, self.line_no)
    }

    /// The line as a JSON object.
    pub fn value(&self) -> anyhow::Result<Value> {
        let value: Value = serde_json::from_str(self.text).map_err(|e| {
            bad_input(format!("{}:{}: malformed JSON: {}", self.source, self.line_no, capped_message(&e.to_string())))
        })?;
        if !value.is_object() {
            return Err(bad_input(format!("{}: expected a JSON object", self.position())));
        }
        Ok(value)
    }

    /// The line as a typed record; errors name the kind, label and field path.
    pub fn record<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        let value = self.value()?;
        let who = describe_record(&value);
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let at = if path == "." { String::new() } else { format!("{}: ", capped(&path)) };
            bad_input(format!("{}: {who}{at}{}", self.position(), capped_message(&e.into_inner().to_string())))
        })
    }
}

/// `kind K, task L: ` for error messages, from whatever of those fields the record has.
pub fn describe_record(value: &Value) -> String {
    let kind = value.get("kind").and_then(Value::as_str);
    let label = value.get("label").or_else(|| value.get("name")).and_then(Value::as_str);
    match (kind, label) {
        (Some(k), Some(l)) => format!("kind {}, task {}: ", capped(k), capped(l)),
        (Some(k), None) => format!("kind {}: ", capped(k)),
        (None, Some(l)) => format!("task {}: ", capped(l)),
        (None, None) => String::new(),
    }
}

/// Read one line (through `\n`) into `buf`, reading at most `MAX_LINE_BYTES + 1` bytes of it.
fn read_line_bounded<R: BufRead>(input: &mut R, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut total = 0;
    loop {
        let available = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if available.is_empty() {
            return Ok(total);
        }
        let (used, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if buf.len() <= MAX_LINE_BYTES {
            let room = MAX_LINE_BYTES + 1 - buf.len();
            // `used` is at most `available.len()`, so the range is always there.
            if let Some(part) = available.get(..used.min(room)) {
                buf.extend_from_slice(part);
            }
        }
        input.consume(used);
        total += used;
        if done {
            return Ok(total);
        }
    }
}

/// Buffered JSON-lines output.
pub struct JsonLinesWriter<W: Write> {
    out: std::io::BufWriter<W>,
}

impl<W: Write> JsonLinesWriter<W> {
    pub fn new(out: W) -> Self {
        JsonLinesWriter { out: std::io::BufWriter::with_capacity(1 << 16, out) }
    }

    /// Write one record as a compact line.
    pub fn write<T: Serialize + ?Sized>(&mut self, record: &T) -> anyhow::Result<()> {
        serde_json::to_writer(&mut self.out, record).map_err(std::io::Error::from)?;
        self.out.write_all(b"\n")?;
        Ok(())
    }

    /// Flush everything; an error here (a full disk) is reported, never ignored.
    pub fn finish(mut self) -> anyhow::Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

/// Whether input from `path` (stdin for `None` / `-`) must end with the end-of-stream record:
/// stdin when it is a pipe or a socket ([`crate::stream::stdin_rule`]), never a named file.
pub fn input_end_rule(path: Option<&std::path::Path>) -> EndRule {
    match path {
        None => crate::stream::stdin_rule(),
        Some(p) if p.as_os_str() == "-" => crate::stream::stdin_rule(),
        Some(_) => EndRule::Optional,
    }
}

/// Open `path` for reading, or stdin for `None` / `-`; the name is used in error messages.
pub fn open_input(path: Option<&std::path::Path>) -> anyhow::Result<(Box<dyn BufRead>, String)> {
    match path {
        None => Ok((Box::new(std::io::stdin().lock()), "<stdin>".to_string())),
        Some(p) if p.as_os_str() == "-" => Ok((Box::new(std::io::stdin().lock()), "<stdin>".to_string())),
        Some(p) => {
            let f = std::fs::File::open(p).map_err(|e| usage(format!("cannot open {}: {e}", p.display())))?;
            Ok((Box::new(std::io::BufReader::new(f)), p.display().to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::exit_code_of;

    fn reader(s: &str) -> JsonLinesReader<&[u8]> {
        JsonLinesReader::new(s.as_bytes(), "<stdin>")
    }

    #[test]
    fn reads_objects_and_skips_blank_lines() {
        let mut r = reader("{\"a\":1}\n\n{\"b\":2}\n");
        assert_eq!(r.next_value().unwrap().unwrap()["a"], 1);
        assert_eq!(r.next_value().unwrap().unwrap()["b"], 2);
        assert!(r.next_value().unwrap().is_none());
    }

    #[test]
    fn names_the_bad_line() {
        let mut r = reader("{\"a\":1}\n{oops\n");
        r.next_value().unwrap();
        let e = r.next_value().unwrap_err();
        assert!(e.to_string().starts_with("<stdin>:2: malformed JSON"), "{e}");
        assert_eq!(exit_code_of(&e), 1);
    }

    #[test]
    fn truncated_last_line_is_an_error() {
        let mut r = reader("{\"a\":1}\n{\"b\":");
        r.next_value().unwrap();
        let e = r.next_value().unwrap_err();
        assert!(e.to_string().contains("<stdin>:2: truncated"), "{e}");
    }

    #[test]
    fn non_utf8_names_the_line() {
        let data: &[u8] = b"{\"a\":1}\n{\"b\":\"\xff\"}\n";
        let mut r = JsonLinesReader::new(data, "in.jsonl");
        r.next_value().unwrap();
        let e = r.next_value().unwrap_err();
        assert!(e.to_string().starts_with("in.jsonl:2: not valid UTF-8"), "{e}");
    }

    #[test]
    fn typed_errors_name_kind_label_and_path() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct R {
            kind: String,
            label: String,
            task: Inner,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            n: u32,
        }
        let mut r = reader("{\"kind\":\"test\",\"label\":\"t-1\",\"task\":{\"n\":\"x\"}}\n");
        let e = r.next_record::<R>().unwrap_err().to_string();
        assert!(e.starts_with("<stdin>:1: kind test, task t-1: task.n: invalid type"), "{e}");
    }

    #[test]
    fn huge_labels_and_values_are_capped_in_errors() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct R {
            kind: String,
            label: String,
            n: u32,
        }
        let label = "L".repeat(1_000_000);
        let value = "V".repeat(1_000_000);
        let line = format!("{{\"kind\":\"test\",\"label\":\"{label}\",\"n\":\"{value}\"}}\n");
        let e = reader(&line).next_record::<R>().unwrap_err().to_string();
        let shown_label = format!("{}… (1000000 bytes)", "L".repeat(crate::quote::MAX_QUOTED_CHARS));
        assert!(
            e.starts_with(&format!("<stdin>:1: kind test, task {shown_label}: n: invalid type: string \"VVV")),
            "{e}"
        );
        assert!(e.ends_with("VVV\", expected u32"), "{e}");
        assert!(e.len() < 2000, "error of {} bytes", e.len());
    }

    #[test]
    fn huge_malformed_line_is_capped_in_the_error() {
        let line = format!("{{\"a\":{}x}}\n", "1".repeat(1_000_000));
        let e = reader(&line).next_value().unwrap_err().to_string();
        assert!(e.starts_with("<stdin>:1: malformed JSON"), "{e}");
        assert!(e.len() < 2000, "error of {} bytes", e.len());
    }

    #[test]
    fn the_end_record_is_consumed_and_required_when_asked() {
        let text = "{\"a\":1}\n{\"end_of_stream\":{\"by\":\"tg-x\"}}\n";
        let mut r = reader(text).requiring_end(EndRule::Required);
        assert_eq!(r.next_value().unwrap().unwrap()["a"], 1);
        assert!(r.next_value().unwrap().is_none());
        // Cut before the record, or empty: refused when required, fine when optional.
        for cut in ["{\"a\":1}\n", ""] {
            let e = reader(cut).requiring_end(EndRule::Required).read_all::<Value>().unwrap_err();
            assert!(e.to_string().contains("ended without its end-of-stream record"), "{e}");
            assert_eq!(exit_code_of(&e), 1);
            assert!(reader(cut).read_all::<Value>().is_ok());
        }
        // Nothing may follow the record.
        let after = format!("{text}{{\"b\":2}}\n");
        let e = reader(&after).read_all::<Value>().unwrap_err();
        assert!(e.to_string().starts_with("<stdin>:3: a record after the end-of-stream record of line 2"), "{e}");
    }

    #[test]
    fn writer_writes_compact_lines() {
        let mut buf = Vec::new();
        let mut w = JsonLinesWriter::new(&mut buf);
        w.write(&serde_json::json!({"a": [1, 2]})).unwrap();
        w.finish().unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "{\"a\":[1,2]}\n");
    }
}
