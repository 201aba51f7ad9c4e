//! taskgraph's `merge` (util/templates.py): mappings merge deeply, lists append, scalars and
//! mismatched types are overridden, and a single-key `by-*` mapping replaces instead of merging.

use serde_json::{Map, Value};

/// Merge `source` into `dest` in place, `source` taking precedence.
pub fn merge_to(source: &Map<String, Value>, dest: &mut Map<String, Value>) {
    for (key, value) in source {
        if is_keyed_by(value) {
            dest.insert(key.clone(), value.clone());
            continue;
        }
        match (value, dest.get_mut(key)) {
            (Value::Object(src), Some(Value::Object(dst))) => merge_to(src, dst),
            (Value::Array(src), Some(Value::Array(dst))) => dst.extend(src.iter().cloned()),
            _ => {
                dest.insert(key.clone(), value.clone());
            }
        }
    }
}

/// `merge(parent, child)`: a new mapping, `child` taking precedence.
pub fn merge(parent: &Map<String, Value>, child: &Map<String, Value>) -> Map<String, Value> {
    let mut out = parent.clone();
    merge_to(child, &mut out);
    out
}

/// True for `{"by-xxx": {...}}`, a keyed-by value.
pub fn is_keyed_by(value: &Value) -> bool {
    matches!(value, Value::Object(m) if m.len() == 1 && m.keys().next().is_some_and(|k| k.starts_with("by-")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn table() {
        // (parent, child, expected) -- expected values produced by taskgraph.util.templates.merge
        let cases = [
            (
                json!({"a": {"b": 1, "c": [1]}}),
                json!({"a": {"c": [2], "d": 3}}),
                json!({"a": {"b": 1, "c": [1, 2], "d": 3}}),
            ),
            (json!({"a": 1}), json!({"a": "x"}), json!({"a": "x"})),
            (json!({"a": {"x": 1}}), json!({"a": {"by-level": {"3": 1}}}), json!({"a": {"by-level": {"3": 1}}})),
            (
                json!({"a": {"by-level": {"3": 1}}}),
                json!({"a": {"x": 1}}),
                json!({"a": {"by-level": {"3": 1}, "x": 1}}),
            ),
            (json!({"a": [1]}), json!({"a": {"k": 1}}), json!({"a": {"k": 1}})),
            (json!({"a": null}), json!({"a": {"k": 1}}), json!({"a": {"k": 1}})),
        ];
        for (parent, child, expected) in cases {
            assert_eq!(Value::Object(merge(&obj(parent), &obj(child))), expected);
        }
    }
}
