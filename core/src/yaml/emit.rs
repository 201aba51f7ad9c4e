//! The one YAML writer: JSON values as block YAML that PyYAML's `SafeLoader` and our own reader
//! ([`super::from_str`]) both read back as exactly the same data.
//!
//! The layout is PyYAML's `safe_dump(default_flow_style=False, allow_unicode=True)`: mapping
//! keys sorted, block mappings and sequences (a sequence under a key not indented), `{}` and
//! `[]` for empty collections, and its scalar styles: a string is plain unless an indicator, a
//! leading or trailing space or an implicit resolver (`yes`, `1_000`, `1:30`, `2024-01-01`,
//! `0755`, `=`, `<<`, `.inf`, ...) would change what it reads as; then single-quoted; then,
//! with line breaks or characters YAML does not print, double-quoted with PyYAML's escapes.
//! Floats are Python's `repr` with a `.` before any exponent (`1.0e+20`), as PyYAML's float
//! resolver requires. The output is byte for byte PyYAML's for single-line strings that
//! PyYAML does not fold (it folds at 80 columns); longer ones read back the same.

use serde_json::{Map, Number, Value};
use std::fmt::Write;

/// `value` as a YAML document (no `---`), ending with a newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0),
        other => {
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
    out
}

/// A block mapping at `indent`, keys sorted by code point (Python's `sorted`).
fn write_mapping(out: &mut String, map: &Map<String, Value>, indent: usize) {
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    for (key, value) in entries {
        if key.is_empty() {
            // Not a simple key to PyYAML: `? ''` on a line, the value after `: `.
            push_indent(out, indent);
            out.push_str("? ''\n");
            write_block_item(out, ": ", value, indent);
            continue;
        }
        push_indent(out, indent);
        out.push_str(&string_scalar(key));
        out.push(':');
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                out.push('\n');
                write_mapping(out, inner, indent + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                out.push('\n');
                write_sequence(out, items, indent);
            }
            other => {
                out.push(' ');
                out.push_str(&inline(other));
                out.push('\n');
            }
        }
    }
}

/// A block sequence whose dashes stand at `indent`.
fn write_sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        write_block_item(out, "- ", item, indent);
    }
}

/// `marker` (`- ` or `: `) at `indent`, then `value`: a scalar on the same line, a collection
/// starting on it (its block indented two more).
fn write_block_item(out: &mut String, marker: &str, value: &Value, indent: usize) {
    let mut nested = String::new();
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut nested, map, indent + 2),
        Value::Array(inner) if !inner.is_empty() => write_sequence(&mut nested, inner, indent + 2),
        other => {
            push_indent(out, indent);
            out.push_str(marker);
            out.push_str(&inline(other));
            out.push('\n');
            return;
        }
    }
    // The nested block's first line starts with indent + 2 spaces: put the marker there.
    push_indent(out, indent);
    out.push_str(marker);
    out.push_str(nested.get(indent + 2..).unwrap_or_default());
}

fn push_indent(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A scalar or an empty collection on one line.
fn inline(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number(n),
        Value::String(s) => string_scalar(s),
        Value::Array(_) => "[]".to_string(),
        Value::Object(_) => "{}".to_string(),
    }
}

/// An integer as is; a float in a form PyYAML's resolver reads as a float (always a `.`, a
/// signed exponent).
fn number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    let f = n.as_f64().unwrap_or_default();
    if f.is_nan() {
        return ".nan".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".to_string() } else { "-.inf".to_string() };
    }
    let text = format!("{f:?}");
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m.to_string(), Some(e.to_string())),
        None => (text, None),
    };
    let mantissa = if mantissa.contains('.') { mantissa } else { format!("{mantissa}.0") };
    // Python's repr writes at least two exponent digits, with a sign.
    match exponent {
        Some(e) => {
            let (sign, digits) = e.strip_prefix('-').map_or(("+", e.as_str()), |d| ("-", d));
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => mantissa,
    }
}

/// A string as PyYAML writes it: plain when its analysis and the resolver allow, else
/// single-quoted, else (line breaks, characters YAML does not print) double-quoted.
fn string_scalar(s: &str) -> String {
    match style_of(s) {
        Style::Plain => s.to_string(),
        Style::SingleQuoted => format!("'{}'", s.replace('\'', "''")),
        Style::DoubleQuoted => double_quoted(s),
    }
}

/// PyYAML's scalar styles, in its order of preference.
#[derive(Debug, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
}

/// PyYAML's `choose_scalar_style` for a block-context scalar (its `analyze_scalar`, simplified
/// where folding would be needed: a string with a line break is double-quoted where PyYAML
/// folds it single-quoted; both read back the same).
fn style_of(s: &str) -> Style {
    if s.chars().any(|c| needs_escape(c) || is_break_or_tab(c)) {
        return Style::DoubleQuoted;
    }
    if s.is_empty() || s.starts_with(' ') || s.ends_with(' ') || has_indicators(s) || resolves_to_non_string(s) {
        return Style::SingleQuoted;
    }
    Style::Plain
}

fn is_break_or_tab(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// The characters that stop a plain block scalar (PyYAML's `analyze_scalar` indicators).
fn has_indicators(s: &str) -> bool {
    if s.starts_with("---") || s.starts_with("...") {
        return true;
    }
    let chars: Vec<char> = s.chars().collect();
    chars.iter().enumerate().any(|(i, &c)| {
        let followed_by_space = chars.get(i + 1).is_none_or(|n| *n == ' ');
        if i == 0 {
            matches!(c, '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`')
                || (matches!(c, '?' | ':' | '-') && followed_by_space)
        } else {
            (c == ':' && followed_by_space) || (c == '#' && chars.get(i - 1) == Some(&' '))
        }
    })
}

/// True when PyYAML's implicit resolvers would read `s`, written plain, as something other
/// than a string: null, bool, int, float (ours, [`super::resolve_plain`]), and the timestamp,
/// merge (`<<`), value (`=`) and infinite or NaN float resolvers, which our reader keeps as
/// strings.
fn resolves_to_non_string(s: &str) -> bool {
    !matches!(super::resolve_plain(s), Ok(None)) || s == "<<" || s == "=" || is_timestamp(s) || is_special_float(s)
}

/// `.inf`, `-.Inf`, `.NaN`...: floats to PyYAML, strings to our reader (JSON has no such number).
fn is_special_float(s: &str) -> bool {
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(s, ".nan" | ".NaN" | ".NAN")
}

/// PyYAML's timestamp resolver: `2001-12-14`, `2001-12-14t21:59:43.10-05:00`, ...
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |range: std::ops::Range<usize>| b.get(range).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    // The date alone: exactly YYYY-MM-DD.
    if b.len() == 10 && digits(0..4) && b.get(4) == Some(&b'-') && digits(5..7) && b.get(7) == Some(&b'-') {
        return digits(8..10);
    }
    // A date and a time: YYYY-M-D, then `T`, `t` or blanks, then H:MM:SS... PyYAML requires the
    // time part whenever the date is not the plain form; anything starting YYYY-M-D with a time
    // separator is quoted (reading it back is a string either way).
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && s.contains(':')
        && (s.contains('T') || s.contains('t') || s.contains(' '))
}

/// A double-quoted scalar with PyYAML's escapes: `"` and `\`, the named escapes, and every other
/// character outside YAML's printable set as `\x`, `\u` or `\U`.
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match named_escape(c) {
            Some(e) => out.push_str(e),
            None if needs_escape(c) => {
                let code = c as u32;
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02X}"),
                    0x100..=0xffff => write!(out, "\\u{code:04X}"),
                    _ => write!(out, "\\U{code:08X}"),
                };
            }
            None => out.push(c),
        }
    }
    out.push('"');
    out
}

/// PyYAML's `ESCAPE_REPLACEMENTS`.
fn named_escape(c: char) -> Option<&'static str> {
    Some(match c {
        '"' => "\\\"",
        '\\' => "\\\\",
        '\0' => "\\0",
        '\u{7}' => "\\a",
        '\u{8}' => "\\b",
        '\t' => "\\t",
        '\n' => "\\n",
        '\u{b}' => "\\v",
        '\u{c}' => "\\f",
        '\r' => "\\r",
        '\u{1b}' => "\\e",
        '\u{85}' => "\\N",
        '\u{a0}' => "\\_",
        '\u{2028}' => "\\L",
        '\u{2029}' => "\\P",
        _ => return None,
    })
}

/// Characters PyYAML will not write as they are: outside YAML's printable set, and the BOM.
fn needs_escape(c: char) -> bool {
    let code = c as u32;
    let printable = matches!(code, 0x20..=0x7e | 0x85 | 0xa0..=0xd7ff | 0xe000..=0xfffd | 0x10000..=0x10ffff);
    !printable || code == 0xfeff
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scalars_are_written_as_pyyaml_writes_them() {
        // yaml.safe_dump({"k": s}, default_flow_style=False, allow_unicode=True) for each s.
        let cases = [
            ("yes", "k: 'yes'\n"),
            ("", "k: ''\n"),
            ("1_000", "k: '1_000'\n"),
            ("1:30", "k: '1:30'\n"),
            ("2024-01-01", "k: '2024-01-01'\n"),
            ("0755", "k: '0755'\n"),
            ("=", "k: '='\n"),
            ("<<", "k: '<<'\n"),
            (".inf", "k: '.inf'\n"),
            ("it's", "k: it's\n"),
            ("'q'", "k: '''q'''\n"),
            ("a: b", "k: 'a: b'\n"),
            ("a #b", "k: 'a #b'\n"),
            ("- a", "k: '- a'\n"),
            (" lead", "k: ' lead'\n"),
            ("https://h/x?a=1&b", "k: https://h/x?a=1&b\n"),
            ("é日", "k: é日\n"),
            ("\u{7}\u{85}", "k: \"\\a\\N\"\n"),
        ];
        for (s, expected) in cases {
            assert_eq!(to_string(&json!({ "k": s })), expected, "{s:?}");
        }
    }

    #[test]
    fn layout_is_pyyamls_block_style() {
        // yaml.safe_dump(v, default_flow_style=False, allow_unicode=True) of the same value.
        let v = json!({"b": [1, {"x": "y", "a": []}, [true, null]], "a": {"c": {}, "d": 1.5}, "url": "https://h/x"});
        let expected = "a:\n  c: {}\n  d: 1.5\nb:\n- 1\n- a: []\n  x: y\n- - true\n  - null\nurl: https://h/x\n";
        assert_eq!(to_string(&v), expected);
        let v = json!({"b": {"": {"a": 1}, "c": [{"": 1}]}, "": [1, 2]});
        assert_eq!(to_string(&v), "? ''\n: - 1\n  - 2\nb:\n  ? ''\n  : a: 1\n  c:\n  - ? ''\n    : 1\n");
    }

    #[test]
    fn floats_are_pythons_repr() {
        // repr(f), with PyYAML's `.0` before an exponent.
        assert_eq!(number(&Number::from_f64(1e20).unwrap()), "1.0e+20");
        assert_eq!(number(&Number::from_f64(2.5e-7).unwrap()), "2.5e-07");
        assert_eq!(number(&Number::from_f64(3.0).unwrap()), "3.0");
    }

    #[test]
    fn line_breaks_and_controls_are_escaped() {
        assert_eq!(double_quoted("a\u{85}b\u{2028}\u{7}\u{1}\"\\"), "\"a\\Nb\\L\\a\\x01\\\"\\\\\"");
    }
}
