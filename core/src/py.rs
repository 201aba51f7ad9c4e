//! How Python treats JSON values where taskgraph's code relies on it.

use serde_json::Value;

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
}
