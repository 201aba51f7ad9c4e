//! Python's view of JSON values where taskgraph's code relies on it: truthiness (`bool(x)`),
//! `==` (where `1 == 1.0 == True`), the key a value has in a Python dict (so grouping by a value
//! merges the keys Python merges), type names (`str`, `int`, `dict`, ...), `str()` and `repr()`.

use serde_json::{Number, Value};

/// Python's `bool(value)`: `None`, `False`, `0`, `0.0`, `""`, `[]` and `{}` are false.
pub fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
    }
}

/// A number (or bool) as Python compares it numerically.
fn numeric(value: &Value) -> Option<f64> {
    match value {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// Whole numbers compare exactly (beyond f64 precision) when both sides are integers.
fn int_of(n: &Number) -> Option<i128> {
    n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from))
}

/// Python `a == b` for values read from YAML/JSON.
pub fn python_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (int_of(x), int_of(y)) {
            (Some(i), Some(j)) => i == j,
            _ => numeric(a) == numeric(b),
        },
        (Value::Bool(_) | Value::Number(_), Value::Bool(_) | Value::Number(_)) => numeric(a) == numeric(b),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| python_eq(p, q)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| python_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The identity of `value` as a Python dict key (`True`, `1` and `1.0` are one key);
/// `None` for unhashable values (lists, dicts).
pub fn dict_key(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("none".into()),
        Value::String(s) => Some(format!("s:{s}")),
        Value::Bool(_) | Value::Number(_) => {
            if let Value::Number(n) = value {
                if let Some(i) = int_of(n) {
                    return Some(format!("n:{i}"));
                }
            }
            let f = numeric(value)?;
            if f.fract() == 0.0 && f.abs() < 1e18 {
                Some(format!("n:{}", f as i128))
            } else {
                Some(format!("f:{f:?}"))
            }
        }
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// Python's name for a value's type, for error messages (`str`, `int`, `dict`, ...).
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Python `str(value)` for JSON values.
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python_repr(other),
    }
}

/// Python `repr(value)` for JSON values (`'a'`, `True`, `None`, `['a', 1]`, `{'k': 'v'}`).
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => repr_str(s),
        Value::Array(a) => format!("[{}]", a.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter().map(|(k, v)| format!("{}: {}", repr_str(k), python_repr(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table() {
        // bool(x) in CPython for the same values.
        let cases = [
            (json!(null), false),
            (json!(false), false),
            (json!(0), false),
            (json!(0.0), false),
            (json!(""), false),
            (json!([]), false),
            (json!({}), false),
            (json!(true), true),
            (json!(-1), true),
            (json!(0.5), true),
            (json!("0"), true),
            (json!([0]), true),
            (json!({"a": 0}), true),
        ];
        for (v, expected) in cases {
            assert_eq!(truthy(&v), expected, "{v}");
        }
    }

    #[test]
    fn eq_and_dict_keys() {
        // Python 3.11: bool(x), x == y, hash-equality of dict keys.
        assert!(!truthy(&json!(0)) && !truthy(&json!("")) && !truthy(&json!({})) && truthy(&json!("0")));
        assert!(python_eq(&json!(1), &json!(true)) && python_eq(&json!(1.0), &json!(1)));
        assert!(!python_eq(&json!("1"), &json!(1)));
        assert!(python_eq(&json!({"a": [1]}), &json!({"a": [1.0]})));
        assert_eq!(dict_key(&json!(true)), dict_key(&json!(1.0)));
        assert_ne!(dict_key(&json!("1")), dict_key(&json!(1)));
        assert_eq!(dict_key(&json!([1])), None);
    }
}
