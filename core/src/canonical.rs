//! Is a JSON text already in the exact form serde_json writes it?
//!
//! Whole-graph stages keep task bodies as text and copy them to their output unchanged, instead
//! of parsing them into [`serde_json::Value`]s and writing those back. That is only allowed when
//! the copy gives the same bytes as the round trip would, which [`is_canonical`] decides:
//!
//! - no whitespace between tokens;
//! - strings escape exactly `"`, `\` and control characters, as `\"`, `\\`, `\b`, `\f`, `\n`,
//!   `\r`, `\t` or `\u00xx` (lowercase hex), and nothing else (`\/` or `\u00e9` are re-written);
//! - integers without a sign on zero that fit `u64` (or `i64` when negative); any other number
//!   only when writing its parsed value gives the same text back;
//! - no object repeats a key (a `Value` keeps one entry per key).
//!
//! The text must be valid JSON (it came through serde_json's own parser); on anything else the
//! answer is `false`, which only means "take the slow road".

use std::collections::HashSet;

/// True when `serde_json::to_string(&serde_json::from_str::<Value>(text)?)` would equal `text`.
pub fn is_canonical(text: &str) -> bool {
    let mut scanner = Scanner { bytes: text.as_bytes(), pos: 0, text };
    scanner.value(0) && scanner.pos == text.len()
}

/// Deeper nesting than this is left to the slow road: serde_json's parser stops at 128 levels,
/// but the scan that captures a raw value does not, so such a text must be parsed to be judged.
const MAX_DEPTH: usize = 100;

/// Objects with more keys than this check repeats with a hash set instead of a linear scan.
const LINEAR_KEY_CHECK: usize = 24;

/// Record `key` (a range of `bytes`, quotes included); false when the object already has it.
/// Canonical strings have one spelling each, so equal raw text means equal keys.
fn new_key<'a>(
    bytes: &'a [u8],
    key: (usize, usize),
    keys: &mut Vec<(usize, usize)>,
    set: &mut Option<HashSet<&'a [u8]>>,
) -> bool {
    // The ranges come from the scanner, inside `bytes`; a range that is not is "not canonical".
    let Some(text) = bytes.get(key.0..key.1) else { return false };
    if let Some(set) = set {
        return set.insert(text);
    }
    if keys.iter().any(|&(s, e)| bytes.get(s..e) == Some(text)) {
        return false;
    }
    keys.push(key);
    if keys.len() > LINEAR_KEY_CHECK {
        *set = Some(keys.iter().filter_map(|&(s, e)| bytes.get(s..e)).collect());
    }
    true
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    text: &'a str,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn eat(&mut self, byte: u8) -> bool {
        if self.peek() == Some(byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string(),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => false,
        }
    }

    fn literal(&mut self, word: &[u8]) -> bool {
        if self.bytes.get(self.pos..).is_some_and(|rest| rest.starts_with(word)) {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn object(&mut self, depth: usize) -> bool {
        self.pos += 1;
        if self.eat(b'}') {
            return true;
        }
        let mut keys: Vec<(usize, usize)> = Vec::new();
        let mut key_set: Option<HashSet<&'a [u8]>> = None;
        loop {
            let start = self.pos;
            if self.peek() != Some(b'"') || !self.string() {
                return false;
            }
            let key = (start, self.pos);
            if !new_key(self.bytes, key, &mut keys, &mut key_set) {
                return false;
            }
            if !self.eat(b':') || !self.value(depth + 1) {
                return false;
            }
            if self.eat(b',') {
                continue;
            }
            return self.eat(b'}');
        }
    }

    fn array(&mut self, depth: usize) -> bool {
        self.pos += 1;
        if self.eat(b']') {
            return true;
        }
        loop {
            if !self.value(depth + 1) {
                return false;
            }
            if self.eat(b',') {
                continue;
            }
            return self.eat(b']');
        }
    }

    fn string(&mut self) -> bool {
        self.pos += 1;
        loop {
            let Some(rest) = self.bytes.get(self.pos..) else { return false };
            let Some(offset) = rest.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20) else { return false };
            let Some(&stop) = rest.get(offset) else { return false };
            self.pos += offset;
            match stop {
                b'"' => {
                    self.pos += 1;
                    return true;
                }
                b'\\' => {
                    if !self.escape() {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }

    /// One escape, as serde_json writes them: the short forms, and `\u00xx` only for the
    /// control characters without one.
    fn escape(&mut self) -> bool {
        match self.bytes.get(self.pos + 1) {
            Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                true
            }
            Some(b'u') => {
                let Some(&[h0, h1, h2, h3]) = self.bytes.get(self.pos + 2..self.pos + 6) else { return false };
                let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
                if h0 != b'0' || h1 != b'0' || !lower_hex(h2) || !lower_hex(h3) || h2 > b'1' {
                    return false;
                }
                let code = u8::from_str_radix(std::str::from_utf8(&[h2, h3]).unwrap_or("ff"), 16).unwrap_or(0xff);
                // These have short forms, which serde_json prefers.
                if matches!(code, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) || code >= 0x20 {
                    return false;
                }
                self.pos += 6;
                true
            }
            _ => false,
        }
    }

    fn number(&mut self) -> bool {
        let start = self.pos;
        let negative = self.eat(b'-');
        let digits_start = self.pos;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        let Some(digits) = self.text.get(digits_start..self.pos) else { return false };
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        let Some(text) = self.text.get(start..self.pos) else { return false };
        if integer {
            if digits.is_empty() || (digits.len() > 1 && digits.starts_with('0')) {
                return false;
            }
            return if negative { digits != "0" && text.parse::<i64>().is_ok() } else { text.parse::<u64>().is_ok() };
        }
        // Floats are rare in task definitions: ask serde_json how it writes this one.
        serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .and_then(|v| serde_json::to_string(&v).ok())
            .is_some_and(|written| written == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn round_trip(text: &str) -> Option<String> {
        serde_json::from_str::<Value>(text).ok().and_then(|v| serde_json::to_string(&v).ok())
    }

    /// The property: canonical means the round trip gives the text back, and the reverse.
    fn check(text: &str) {
        let Some(written) = round_trip(text) else {
            assert!(!is_canonical(text), "invalid JSON called canonical: {text:?}");
            return;
        };
        assert_eq!(is_canonical(text), written == text, "{text:?} round-trips to {written:?}");
    }

    #[test]
    fn agrees_with_the_round_trip() {
        let cases = [
            r#"{}"#,
            r#"[]"#,
            r#"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#,
            r#"{"a": 1}"#,
            r#"[1, 2]"#,
            r#" {"a":1}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":{"b":1,"b":1}}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#""\/""#,
            r#""\u00e9""#,
            r#""é""#,
            r#""\u001f""#,
            r#""\u001F""#,
            r#""\u0008""#,
            r#""\b\f\n\r\t\"\\""#,
            r#""\u0000""#,
            "\"\u{7f}\"",
            r#""\ud83d\ude00""#,
            "0",
            "-0",
            "00",
            "-1",
            "18446744073709551615",
            "18446744073709551616",
            "-9223372036854775808",
            "-9223372036854775809",
            "1.0",
            "1.5",
            "1.50",
            "1e5",
            "1E5",
            "1e100",
            "1.0e100",
            "-0.0",
            "0.1",
            "3.141592653589793",
            "1e-7",
            "100000000000000000000.0",
            "1e+5",
            "true",
            "nul",
            r#"{"a":1,}"#,
            r#"["a"]x"#,
        ];
        for text in cases {
            check(text);
        }
    }

    #[test]
    fn many_keys_use_the_set() {
        let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let text = format!("{{{}}}", keys.join(","));
        assert!(is_canonical(&text));
        let dup = format!("{{{},\"k3\":0}}", keys.join(","));
        check(&dup);
        assert!(!is_canonical(&dup));
    }

    #[test]
    fn generated_values_agree() {
        // A small deterministic generator of JSON texts, spaced and escaped in varied ways.
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        fn gen(next: &mut dyn FnMut(u64) -> u64, depth: u32, out: &mut String) {
            let pick = if depth > 3 { next(6) } else { next(9) };
            match pick {
                0 => out.push_str(["null", "true", "false"][next(3) as usize]),
                1 => out.push_str(
                    ["0", "-0", "7", "-12", "1.5", "2.0", "1e3", "0.30000000000000004", "99999999999999999999"]
                        [next(9) as usize],
                ),
                2..=5 => {
                    out.push('"');
                    for _ in 0..next(4) {
                        out.push_str(
                            ["a", "é", "\\n", "\\u0007", "\\u00e9", "\\/", "\\\\", "\\\"", "\\u001b", " "]
                                [next(10) as usize],
                        );
                    }
                    out.push('"');
                }
                6 => {
                    out.push('[');
                    for i in 0..next(4) {
                        if i > 0 {
                            out.push_str([",", ", "][next(2) as usize]);
                        }
                        gen(next, depth + 1, out);
                    }
                    out.push(']');
                }
                _ => {
                    out.push('{');
                    for i in 0..next(4) {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push_str(["\"a\"", "\"b\"", "\"c\"", "\"\\u0061\""][next(4) as usize]);
                        out.push_str([":", ": "][next(2) as usize]);
                        gen(next, depth + 1, out);
                    }
                    out.push('}');
                }
            }
        }
        let mut canonical = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            gen(&mut next, 0, &mut text);
            check(&text);
            canonical += usize::from(is_canonical(&text));
        }
        assert!(canonical > 1000, "the generator should make canonical texts too ({canonical})");
    }
}
