//! taskgraph.util.templates: `substitute` (Python `str.format` applied to every string and
//! mapping key of a value), `substitute_task_fields` and `deep_get`. (`merge` lives in
//! `tg_core::merge`.)

use serde_json::{Map, Value};
use tg_core::py::format::format;

/// taskgraph's `substitute(item, **subs)`: format strings, and the keys and values of mappings,
/// recursively (lists element by element). Other values are returned unchanged.
pub fn substitute(item: &Value, subs: &Map<String, Value>) -> Result<Value, String> {
    Ok(match item {
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, subs)).collect::<Result<_, _>>()?),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = format(k, subs)?;
                let value = substitute(v, subs)?;
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Value::String(s) => Value::String(format(s, subs)?),
        other => other.clone(),
    })
}

/// Whether `s` has a replacement field (or an escaped brace): strings without braces format
/// to themselves.
fn has_braces(s: &str) -> bool {
    s.bytes().any(|b| b == b'{' || b == b'}')
}

/// [`substitute`] in place: the same result and the same first error, without rebuilding the
/// strings and mappings that have nothing to format. On error `item` may be partly formatted.
pub fn substitute_in_place(item: &mut Value, subs: &Map<String, Value>) -> Result<(), String> {
    match item {
        Value::Array(items) => items.iter_mut().try_for_each(|v| substitute_in_place(v, subs)),
        Value::Object(m) if m.keys().any(|k| has_braces(k)) => {
            *item = substitute(item, subs)?;
            Ok(())
        }
        Value::Object(m) => m.values_mut().try_for_each(|v| substitute_in_place(v, subs)),
        Value::String(s) if has_braces(s) => {
            *s = format(s, subs)?;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Walk `field` (dotted) from `task` to the containing mapping, as
/// `container = container[f]` does; `Err` names the missing step.
fn container_of<'a>(
    task: &'a mut Map<String, Value>,
    field: &str,
) -> Result<(&'a mut Map<String, Value>, String), String> {
    let mut container = task;
    let mut rest = field;
    while let Some((head, tail)) = rest.split_once('.') {
        container = match container.get_mut(head) {
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(format!("{field}: '{head}' is a {}, not a mapping", tg_core::py::value::type_name(other)))
            }
            None => return Err(format!("{field}: KeyError: '{head}'")),
        };
        rest = tail;
    }
    Ok((container, rest.to_string()))
}

/// taskgraph's `substitute_task_fields(task, fields, **subs)`: substitute each (dotted) field
/// in place. A field that is not there is an error, as in taskgraph (KeyError).
pub fn substitute_task_fields(
    task: &mut Map<String, Value>,
    fields: &[String],
    subs: &Map<String, Value>,
) -> Result<(), String> {
    for field in fields {
        let (container, leaf) = container_of(task, field)?;
        let value = container.get_mut(&leaf).ok_or_else(|| format!("{field}: KeyError: '{leaf}'"))?;
        substitute_in_place(value, subs).map_err(|e| format!("{field}: {e}"))?;
    }
    Ok(())
}

/// taskgraph's `deep_get(dict_, field)`: the value at dotted `field`, `None` when a step is
/// missing (or the leaf is absent or null). Stepping into a non-mapping is an error.
pub fn deep_get<'a>(dict: &'a Map<String, Value>, field: &str) -> Result<Option<&'a Value>, String> {
    let mut container = dict;
    let mut rest = field;
    while let Some((head, tail)) = rest.split_once('.') {
        match container.get(head) {
            None => return Ok(None),
            Some(Value::Object(m)) => container = m,
            Some(other) => {
                return Err(format!("{field}: '{head}' is a {}, not a mapping", tg_core::py::value::type_name(other)))
            }
        }
        rest = tail;
    }
    Ok(container.get(rest).filter(|v| !v.is_null()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn substitute_formats_keys_values_and_lists() {
        // taskgraph.util.templates.substitute on the same input (Python 3.11).
        let subs = json!({"a": "x", "n": 2}).as_object().unwrap().clone();
        let item = json!({"k-{a}": ["{n}", 3, {"{{lit}}": "{a}{n}"}], "b": true});
        let got = substitute(&item, &subs).unwrap();
        assert_eq!(got, json!({"k-x": ["2", 3, {"{lit}": "x2"}], "b": true}));
        assert!(substitute(&json!("{missing}"), &subs).is_err());
        let mut in_place = item.clone();
        substitute_in_place(&mut in_place, &subs).unwrap();
        assert_eq!(in_place, got);
    }

    #[test]
    fn task_fields_and_deep_get() {
        let subs = json!({"a": "x"}).as_object().unwrap().clone();
        let mut task = json!({"w": {"c": "{a}"}, "d": "{a}"}).as_object().unwrap().clone();
        substitute_task_fields(&mut task, &["w.c".into(), "d".into()], &subs).unwrap();
        assert_eq!(Value::Object(task.clone()), json!({"w": {"c": "x"}, "d": "x"}));
        assert!(substitute_task_fields(&mut task, &["nope".into()], &subs).is_err());
        assert_eq!(deep_get(&task, "w.c").unwrap(), Some(&json!("x")));
        assert_eq!(deep_get(&task, "q.c").unwrap(), None);
    }
}
