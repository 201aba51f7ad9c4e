//! Python `str.format(**fields)` for the templates taskgraph fills: `{name}`, `{name[key]}`,
//! `{name[0]}`, `{{`/`}}` escapes, `!s`/`!r` conversions and simple format specs (fill, align,
//! width, zero padding). Values print as Python's `str()` would.

use crate::py::value::{python_repr, python_str};
use serde_json::{Map, Value};

/// Fill `template` from `fields`; errors describe the bad template or missing field.
pub fn format(template: &str, fields: &Map<String, Value>) -> Result<String, String> {
    // Most strings have no replacement field: nothing to parse.
    if !template.bytes().any(|b| b == b'{' || b == b'}') {
        return Ok(template.to_string());
    }
    // Braces are ASCII, so byte positions next to them are char boundaries: literal runs are
    // copied whole.
    let bytes = template.as_bytes();
    let mut out = String::with_capacity(template.len() + 16);
    let (mut i, mut literal) = (0, 0);
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'{' | b'}' if bytes.get(i + 1) == Some(&byte) => {
                out.push_str(&template[literal..=i]);
                i += 2;
                literal = i;
            }
            b'}' => return Err(format!("Single '}}' encountered in format string: {template:?}")),
            b'{' => {
                out.push_str(&template[literal..i]);
                let start = i + 1;
                let end = matching_brace(bytes, start)
                    .ok_or_else(|| format!("Single '{{' encountered in format string: {template:?}"))?;
                out.push_str(&replacement(&template[start..end], fields, template)?);
                i = end + 1;
                literal = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&template[literal..]);
    Ok(out)
}

/// The position of the `}` closing a field that starts at `start` (nested braces counted).
fn matching_brace(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 1;
    for (j, b) in bytes.iter().enumerate().skip(start) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// One `{field!conv:spec}` replacement.
fn replacement(field: &str, fields: &Map<String, Value>, template: &str) -> Result<String, String> {
    let (field, spec) = match field.find(':') {
        Some(i) => (&field[..i], &field[i + 1..]),
        None => (field, ""),
    };
    let (field, conversion) = match field.find('!') {
        Some(i) => (&field[..i], Some(&field[i + 1..])),
        None => (field, None),
    };
    if field.is_empty() || field.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("positional fields are not supported in format string {template:?}"));
    }
    let value = lookup(field, fields)?;
    let text = match conversion {
        None | Some("s") => python_str(value),
        Some("r") => python_repr(value),
        Some(other) => return Err(format!("Unknown conversion specifier {other} in {template:?}")),
    };
    apply_spec(&text, spec, value).map_err(|e| format!("{e} in format string {template:?}"))
}

/// `name[key][0]` path lookup.
fn lookup<'a>(field: &str, fields: &'a Map<String, Value>) -> Result<&'a Value, String> {
    let (name, mut rest) = match field.find(['[', '.']) {
        Some(i) => (&field[..i], &field[i..]),
        None => (field, ""),
    };
    let mut value = fields.get(name).ok_or_else(|| format!("KeyError: '{name}'"))?;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').ok_or_else(|| "Missing ']' in format string".to_string())?;
            let key = &r[..close];
            value = match value {
                Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
                Value::Object(m) => m.get(key),
                _ => None,
            }
            .ok_or_else(|| format!("KeyError: '{key}'"))?;
            rest = &r[close + 1..];
        } else {
            return Err(format!("attribute access is not supported: {field}"));
        }
    }
    Ok(value)
}

/// The widest padding a format spec may ask for (Python would try, and fail with MemoryError).
const MAX_WIDTH: usize = 1 << 16;

/// Fill/align/width/zero-pad; other specs are refused rather than guessed.
fn apply_spec(text: &str, spec: &str, value: &Value) -> Result<String, String> {
    if spec.is_empty() {
        return Ok(text.to_string());
    }
    let re = regex::Regex::new(r"^(?:(.)?([<>^]))?(0)?(\d+)?(d|s)?$").map_err(|e| e.to_string())?;
    let caps = re.captures(spec).ok_or_else(|| format!("unsupported format spec '{spec}'"))?;
    let width: usize = caps
        .get(4)
        .map_or(Ok(0), |m| m.as_str().parse())
        .map_err(|_| "Too many decimal digits in format string".to_string())?;
    if width > MAX_WIDTH {
        return Err(format!("format width {width} is larger than {MAX_WIDTH}"));
    }
    let len = text.chars().count();
    if len >= width {
        return Ok(text.to_string());
    }
    let pad = width - len;
    let numeric = value.is_number();
    let (fill, align) = match (caps.get(1), caps.get(2), caps.get(3)) {
        (f, Some(a), _) => (f.map_or(' ', |m| m.as_str().chars().next().unwrap_or(' ')), a.as_str()),
        (_, None, Some(_)) => ('0', "="),
        _ => (' ', if numeric { ">" } else { "<" }),
    };
    let fill_str = |n: usize| std::iter::repeat_n(fill, n).collect::<String>();
    Ok(match align {
        "<" => format!("{text}{}", fill_str(pad)),
        ">" => format!("{}{text}", fill_str(pad)),
        "^" => format!("{}{text}{}", fill_str(pad / 2), fill_str(pad - pad / 2)),
        _ => match text.strip_prefix('-') {
            Some(digits) => format!("-{}{digits}", fill_str(pad)),
            None => format!("{}{text}", fill_str(pad)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table() {
        // Expected strings from CPython 3.11 `template.format(**fields)`.
        let fields =
            json!({"level": "3", "n": 7, "b": true, "m": {"k": "v", "l": ["x", "y"]}, "none": null, "s": "it's"});
        let fields = fields.as_object().unwrap();
        let cases = [
            ("gecko-{level}-b-linux", "gecko-3-b-linux"),
            ("{m[k]}/{m[l][1]}", "v/y"),
            ("{{literal}} {n}", "{literal} 7"),
            ("{b} {none}", "True None"),
            ("{m}", "{'k': 'v', 'l': ['x', 'y']}"),
            ("{s!r}", "\"it's\""),
            ("{n:03d}|{level:>3}|{level:<3}|", "007|  3|3  |"),
        ];
        for (template, expected) in cases {
            assert_eq!(format(template, fields).unwrap(), expected, "{template}");
        }
    }

    #[test]
    fn a_huge_width_is_an_error() {
        let fields = json!({"a": "x"});
        assert!(format("{a:>5555555555550}", fields.as_object().unwrap()).unwrap_err().contains("format width"));
        assert!(format("{a:>99999999999999999999999}", fields.as_object().unwrap()).is_err());
    }

    #[test]
    fn errors() {
        let fields = Map::new();
        assert_eq!(format("{missing}", &fields).unwrap_err(), "KeyError: 'missing'");
        assert!(format("{oops", &fields).unwrap_err().starts_with("Single '{'"));
        assert!(format("oops}", &fields).unwrap_err().starts_with("Single '}'"));
    }
}
