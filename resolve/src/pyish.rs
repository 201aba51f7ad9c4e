//! tg-resolve's shorthands over `tg_core::py` for values that may be missing
//! (`task.attributes.get("always_target")`), and lists of strings.

use serde_json::Value;

/// Python's truthiness of a JSON value that may be missing (`task.attributes.get(...)`).
pub fn truthy(v: Option<&Value>) -> bool {
    v.is_some_and(tg_core::py::truthy)
}

/// What Python's `str()` prints for a value that may be missing (`None`).
pub fn py_str(v: Option<&Value>) -> String {
    v.map_or_else(|| "None".to_string(), tg_core::py::value::python_str)
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
    fn missing_values() {
        assert!(!truthy(None) && !truthy(Some(&json!(0))) && truthy(Some(&json!([0]))));
    }

    #[test]
    fn str_of_missing_values() {
        assert_eq!(py_str(None), "None");
        assert_eq!(py_str(Some(&json!("a"))), "a");
        assert_eq!(py_str(Some(&json!(3))), "3");
        assert_eq!(py_str(Some(&json!(true))), "True");
    }
}
