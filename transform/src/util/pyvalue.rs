//! Python value semantics for JSON values: truthiness, `==` (where `1 == 1.0 == True`), and the
//! key a value has in a Python dict (so grouping by a value merges the same keys Python merges).

use serde_json::{Map, Number, Value};

pub use tg_core::py::truthy;

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

/// Python's `d.setdefault(key, {})` where the result must be a dict: the mapping at `d[key]`,
/// created when absent; `Err` (naming the type found) when the key holds something else.
pub fn setdefault_object<'a>(d: &'a mut Map<String, Value>, key: &str) -> Result<&'a mut Map<String, Value>, String> {
    match d.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new())) {
        Value::Object(m) => Ok(m),
        other => Err(format!("{key}: expected a mapping, got {}", type_name(other))),
    }
}

/// Just the keys `task_error` names a task by (`name`, `label`): a cheap stand-in for the
/// whole task when an error has to be reported after the task was consumed.
pub fn identity_of(task: &Map<String, Value>) -> Map<String, Value> {
    ["name", "label"].iter().filter_map(|k| task.get(*k).map(|v| (k.to_string(), v.clone()))).collect()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table() {
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
