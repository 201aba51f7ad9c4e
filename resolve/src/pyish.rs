//! Small helpers that reproduce how Python treats JSON values where taskgraph's code relies on
//! it: truthiness (`if task.attributes.get("always_target")`), `str()` of a value in messages,
//! and `re.match` (anchored at the start only).

use serde_json::Value;

/// Python's truthiness of a JSON value: `None`, `False`, `0`, `""`, `[]` and `{}` are false.
pub fn truthy(v: Option<&Value>) -> bool {
    v.is_some_and(tg_core::py::truthy)
}

/// What Python's `str()` prints for a JSON value (strings bare, `None`, `True`, ...), as
/// taskgraph's messages interpolate attribute values.
pub fn py_str(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "None".into(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Bool(false)) => "False".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Compile a pattern for Python's `re.match(pattern, s)`: anchored at the start, not the end.
pub fn compile_match(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::Regex::new(&format!("^(?:{pattern})"))
}

/// The strings of a JSON list; `Err` names what else was found.
pub fn string_list(v: &Value) -> Result<Vec<&str>, String> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().ok_or_else(|| format!("expected a list of strings, found an item {i}")))
            .collect(),
        other => Err(format!("expected a list of strings, got {}", tg_core::config::type_name(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truthiness_follows_python() {
        for (v, want) in [
            (json!(null), false),
            (json!(false), false),
            (json!(0), false),
            (json!(""), false),
            (json!([]), false),
            (json!({}), false),
            (json!(true), true),
            (json!(2), true),
            (json!("x"), true),
            (json!([0]), true),
        ] {
            assert_eq!(truthy(Some(&v)), want, "{v}");
        }
        assert!(!truthy(None));
    }

    #[test]
    fn str_and_match() {
        assert_eq!(py_str(None), "None");
        assert_eq!(py_str(Some(&json!("a"))), "a");
        assert_eq!(py_str(Some(&json!(3))), "3");
        let re = compile_match("release/.*").unwrap();
        assert!(re.is_match("release/1.0"));
        assert!(!re.is_match("x-release/1.0"));
        assert!(compile_match("main").unwrap().is_match("main-2"));
    }
}
