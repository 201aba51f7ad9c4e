//! Checking an action's input against the action's JSON schema, before anything is fetched or
//! created. (In Taskcluster the hook checks it when the action is triggered; taskgraph's
//! callbacks trust it. Checking here turns a bad `ACTION_INPUT` into one clear message instead
//! of a failure halfway through.)
//!
//! The keywords the built-in schemas use are supported: `type` (object, array, string,
//! integer, number, boolean, null, or a list of these), `properties` (a `false` property schema
//! forbids the property), `additionalProperties` (boolean), `required`, `items`, `minimum`,
//! `maximum` and `enum`. Annotations (`title`, `description`, `default`) are ignored.

use serde_json::{Map, Value};

/// Check `input` against `schema`; the error names the path (`input.times`) and the rule.
pub fn validate(input: &Value, schema: &Value) -> Result<(), String> {
    check(input, schema, "input")
}

fn check(value: &Value, schema: &Value, path: &str) -> Result<(), String> {
    let rules = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return Err(format!("{path}: not allowed")),
        Value::Object(rules) => rules,
        _ => return Ok(()),
    };
    if let Some(ty) = rules.get("type") {
        check_type(value, ty, path)?;
    }
    if let Some(Value::Array(options)) = rules.get("enum") {
        if !options.contains(value) {
            return Err(format!("{path}: {value} is not one of {}", Value::Array(options.clone())));
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = rules.get("minimum").and_then(Value::as_f64) {
            if n < min {
                return Err(format!("{path}: {value} is less than the minimum of {}", rules["minimum"]));
            }
        }
        if let Some(max) = rules.get("maximum").and_then(Value::as_f64) {
            if n > max {
                return Err(format!("{path}: {value} is greater than the maximum of {}", rules["maximum"]));
            }
        }
    }
    match value {
        Value::Object(map) => check_object(map, rules, path),
        Value::Array(items) => match rules.get("items") {
            Some(item_schema) => {
                items.iter().enumerate().try_for_each(|(i, item)| check(item, item_schema, &format!("{path}[{i}]")))
            }
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn check_object(map: &Map<String, Value>, rules: &Map<String, Value>, path: &str) -> Result<(), String> {
    let properties = rules.get("properties").and_then(Value::as_object);
    if let Some(Value::Array(required)) = rules.get("required") {
        for key in required.iter().filter_map(Value::as_str) {
            if !map.contains_key(key) {
                return Err(format!("{path}.{key}: required property missing"));
            }
        }
    }
    for (key, value) in map {
        let here = format!("{path}.{key}");
        match properties.and_then(|p| p.get(key)) {
            Some(schema) => check(value, schema, &here)?,
            None if rules.get("additionalProperties") == Some(&Value::Bool(false)) => {
                let known: Vec<&str> = properties.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
                return Err(format!("{here}: unexpected property (allowed: {})", known.join(", ")));
            }
            None => {}
        }
    }
    Ok(())
}

fn type_matches(value: &Value, ty: &str) -> bool {
    match ty {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => true,
    }
}

fn check_type(value: &Value, ty: &Value, path: &str) -> Result<(), String> {
    let allowed: Vec<&str> = match ty {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return Ok(()),
    };
    if allowed.iter().any(|t| type_matches(value, t)) {
        Ok(())
    } else {
        Err(format!("{path}: expected {}, got {}", allowed.join(" or "), describe(value)))
    }
}

fn describe(value: &Value) -> String {
    let text = value.to_string();
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    if text.len() > 60 || value.is_object() || value.is_array() {
        kind.to_string()
    } else {
        format!("{kind} ({text})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::find;
    use serde_json::json;

    fn schema(cb: &str) -> Value {
        find(cb).and_then(|a| a.schema).unwrap()
    }

    #[test]
    fn accepts_valid_inputs() {
        assert_eq!(validate(&json!({"tasks": ["a"], "times": 3}), &schema("add-new-jobs")), Ok(()));
        assert_eq!(validate(&json!({"force": true, "extra": 1}), &schema("retrigger")), Ok(()));
        assert_eq!(validate(&json!({"requests": [{"tasks": ["a"], "times": 2}]}), &schema("retrigger-multiple")), Ok(()));
        assert_eq!(validate(&json!({"times": 2.0}), &schema("add-new-jobs")), Ok(()));
    }

    #[test]
    fn names_the_path_and_rule() {
        let cases = [
            ("add-new-jobs", json!({"tasks": "a"}), "input.tasks: expected array, got a string (\"a\")"),
            ("add-new-jobs", json!({"tasks": [1]}), "input.tasks[0]: expected string, got a number (1)"),
            ("add-new-jobs", json!({"times": 0}), "input.times: 0 is less than the minimum of 1"),
            ("add-new-jobs", json!({"times": 101}), "input.times: 101 is greater than the maximum of 100"),
            ("add-new-jobs", json!(null), "input: expected object, got null (null)"),
            ("retrigger", json!({"downstream": "yes"}), "input.downstream: expected boolean, got a string (\"yes\")"),
            (
                "retrigger-multiple",
                json!({"requests": [{"tasks": [], "label": "x"}]}),
                "input.requests[0].label: unexpected property (allowed: tasks, times)",
            ),
            ("retrigger-multiple", json!({"additionalProperties": 1}), "input.additionalProperties: not allowed"),
        ];
        for (cb, input, want) in cases {
            assert_eq!(validate(&input, &schema(cb)), Err(want.to_string()), "{cb} {input}");
        }
    }
}
