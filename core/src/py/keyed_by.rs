//! keyed-by values (`by-<attribute>: {key: value, …}`) resolved exactly as taskgraph does:
//! an exact key, then every key that full-matches as a regex, then `default`; nested
//! `by-*` mappings are resolved in turn. Errors name the item and field.

use crate::py::re::python_full_match;
use crate::py::value::python_repr;
use serde_json::{Map, Value};

/// How a lookup key compares with mapping keys: strings as they are, other scalars the way the
/// YAML reader wrote keys (`json.dumps` style).
fn key_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// taskgraph's `keymatch`: exact, then regex matches (in key order), then `default`.
pub fn keymatch<'a>(alternatives: &'a Map<String, Value>, target: &Value) -> Vec<&'a Value> {
    let Some(target) = key_text(target) else {
        return alternatives.get("default").into_iter().collect();
    };
    if let Some(v) = alternatives.get(&target) {
        return vec![v];
    }
    let matches: Vec<&Value> =
        alternatives.iter().filter(|(k, _)| python_full_match(k, &target)).map(|(_, v)| v).collect();
    if !matches.is_empty() {
        return matches;
    }
    alternatives.get("default").into_iter().collect()
}

/// Options of an evaluation.
#[derive(Debug, Clone, Copy)]
pub struct KeyedByOptions<'a> {
    /// `by-*` keys left unresolved for a later call.
    pub defer: &'a [&'a str],
    /// Fail when more than one regex arm matches.
    pub enforce_single_match: bool,
}

impl Default for KeyedByOptions<'_> {
    fn default() -> Self {
        KeyedByOptions { defer: &[], enforce_single_match: true }
    }
}

/// taskgraph's `evaluate_keyed_by`: resolve `value` against `attributes`.
/// `item_name` appears in error messages.
pub fn evaluate_keyed_by(
    value: &Value,
    item_name: &str,
    attributes: &dyn Fn(&str) -> Option<Value>,
    opts: KeyedByOptions<'_>,
) -> Result<Value, String> {
    let mut value = value;
    loop {
        let Some((by_key, alternatives)) = single_by_key(value) else {
            return Ok(value.clone());
        };
        match choose(by_key, alternatives, item_name, attributes, opts)? {
            Some(next) => value = next,
            None => return Ok(value.clone()),
        }
    }
}

/// [`evaluate_keyed_by`] of `{by_key: alternatives}`, without building that mapping (the
/// alternatives may be a large borrowed table, such as the worker aliases).
pub fn evaluate_keyed_by_alternatives(
    by_key: &str,
    alternatives: &Value,
    item_name: &str,
    attributes: &dyn Fn(&str) -> Option<Value>,
    opts: KeyedByOptions<'_>,
) -> Result<Value, String> {
    match choose(by_key, alternatives, item_name, attributes, opts)? {
        Some(next) => evaluate_keyed_by(next, item_name, attributes, opts),
        None => {
            let mut deferred = Map::new();
            deferred.insert(by_key.to_string(), alternatives.clone());
            Ok(Value::Object(deferred))
        }
    }
}

/// One step: the alternative `by_key` picks, or `None` when it is deferred.
fn choose<'a>(
    by_key: &str,
    alternatives: &'a Value,
    item_name: &str,
    attributes: &dyn Fn(&str) -> Option<Value>,
    opts: KeyedByOptions<'_>,
) -> Result<Option<&'a Value>, String> {
    let keyed_by = &by_key[3..];
    if opts.defer.contains(&keyed_by) {
        return Ok(None);
    }
    let Value::Object(alternatives) = alternatives else {
        return Err(format!("{by_key} in {item_name}: expected a mapping of alternatives"));
    };
    if alternatives.len() == 1 && alternatives.contains_key("default") {
        return Err(format!(
            "Keyed-by '{keyed_by}' unnecessary with only value 'default' found, when determining item {item_name}"
        ));
    }
    let key = attributes(keyed_by).filter(|v| !v.is_null());
    let Some(key) = key else {
        return match alternatives.get("default") {
            Some(v) => Ok(Some(v)),
            None => Err(format!(
                "No attribute {keyed_by} and no value for 'default' found while determining item {item_name}"
            )),
        };
    };
    let matches = keymatch(alternatives, &key);
    if opts.enforce_single_match && matches.len() > 1 {
        return Err(format!(
            "Multiple matching values for {keyed_by} {} found while determining item {item_name}",
            python_repr(&key)
        ));
    }
    match matches.first() {
        Some(v) => Ok(Some(v)),
        None => Err(format!(
            "No {keyed_by} matching {} nor 'default' found while determining item {item_name}",
            python_repr(&key)
        )),
    }
}

/// `Some(("by-x", alternatives))` when `value` is a single-key `by-*` mapping.
fn single_by_key(value: &Value) -> Option<(&str, &Value)> {
    let Value::Object(m) = value else { return None };
    if m.len() != 1 {
        return None;
    }
    let (k, v) = m.iter().next()?;
    k.starts_with("by-").then_some((k.as_str(), v))
}

/// taskgraph's `resolve_keyed_by(item, field, item_name, **extra_values)`: resolve the field at
/// dotted path `field` (with `name[]` stepping into each list element) in place. Lookups read
/// the item's top-level keys, then `extra` (which wins, as `dict(item, **extra)`).
///
/// Lookups see the item as it was before the call: every keyed-by value on the path is
/// evaluated first (reading the item), and only then are the results put in place. Values that
/// are not `by-*` mappings evaluate to themselves and are left alone.
pub fn resolve_keyed_by(
    item: &mut Map<String, Value>,
    field: &str,
    item_name: &str,
    extra: &Map<String, Value>,
    opts: KeyedByOptions<'_>,
) -> Result<(), String> {
    let message_name = format!("`{field}` in `{item_name}`");
    let mut resolved: Vec<Value> = Vec::new();
    {
        let before: &Map<String, Value> = item;
        let lookup = |key: &str| extra.get(key).or_else(|| before.get(key)).cloned();
        visit(before, field, &mut |v| {
            if single_by_key(v).is_some() {
                resolved.push(evaluate_keyed_by(v, &message_name, &lookup, opts)?);
            }
            Ok(())
        })?;
    }
    if resolved.is_empty() {
        return Ok(());
    }
    let mut results = resolved.into_iter();
    visit_mut(item, field, &mut |slot| {
        if single_by_key(slot).is_some() {
            if let Some(v) = results.next() {
                *slot = v;
            }
        }
    });
    Ok(())
}

/// Call `f` on each value at `field` (see [`resolve_keyed_by`]), in order.
fn visit(
    container: &Map<String, Value>,
    field: &str,
    f: &mut dyn FnMut(&Value) -> Result<(), String>,
) -> Result<(), String> {
    match field.split_once('.') {
        None => match container.get(field) {
            Some(v) => f(v),
            None => Ok(()),
        },
        Some((head, rest)) => {
            if let Some(list_key) = head.strip_suffix("[]") {
                if let Some(Value::Array(items)) = container.get(list_key) {
                    for item in items {
                        if let Value::Object(m) = item {
                            visit(m, rest, f)?;
                        }
                    }
                }
                return Ok(());
            }
            match container.get(head) {
                Some(Value::Object(m)) => visit(m, rest, f),
                _ => Ok(()),
            }
        }
    }
}

/// [`visit`] with each value open for change, in the same order.
fn visit_mut(container: &mut Map<String, Value>, field: &str, f: &mut dyn FnMut(&mut Value)) {
    match field.split_once('.') {
        None => {
            if let Some(v) = container.get_mut(field) {
                f(v);
            }
        }
        Some((head, rest)) => {
            if let Some(list_key) = head.strip_suffix("[]") {
                if let Some(Value::Array(items)) = container.get_mut(list_key) {
                    for item in items {
                        if let Value::Object(m) = item {
                            visit_mut(m, rest, f);
                        }
                    }
                }
                return;
            }
            if let Some(Value::Object(m)) = container.get_mut(head) {
                visit_mut(m, rest, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(item: Value, field: &str, extra: Value) -> Result<Value, String> {
        let mut item = item.as_object().unwrap().clone();
        resolve_keyed_by(&mut item, field, "t", extra.as_object().unwrap(), KeyedByOptions::default())?;
        Ok(Value::Object(item))
    }

    #[test]
    fn table() {
        // Expected values from taskgraph.util.schema.resolve_keyed_by (24.5.1).
        let chunks = json!({"by-platform": {"macosx-10.11/debug": 13, "win.*": 6, "default": 12}});
        let cases = [
            (json!({"platform": "win64", "c": chunks}), "c", json!({}), json!(6)),
            (json!({"platform": "linux", "c": chunks}), "c", json!({}), json!(12)),
            (json!({"platform": "macosx-10.11/debug", "c": chunks}), "c", json!({}), json!(13)),
            (json!({"c": chunks}), "c", json!({"platform": "win"}), json!(6)),
            (
                json!({"c": {"by-level": {"3": "a", "default": {"by-p": {"x": "b", "default": "c"}}}}}),
                "c",
                json!({"level": "1", "p": "x"}),
                json!("b"),
            ),
            (json!({"c": 5}), "c", json!({}), json!(5)),
        ];
        for (item, field, extra, expected) in cases {
            let got = resolve(item, field, extra).unwrap();
            assert_eq!(got[field], expected);
        }
    }

    #[test]
    fn nested_paths_and_lists() {
        let item = json!({"p": "a", "w": {"l": [{"x": {"by-p": {"a": 1, "default": 2}}}, {"x": 3}]}});
        let got = resolve(item, "w.l[].x", json!({})).unwrap();
        assert_eq!(got["w"]["l"], json!([{"x": 1}, {"x": 3}]));
    }

    #[test]
    fn errors_match_taskgraph() {
        let e = resolve(json!({"p": "z", "c": {"by-p": {"a": 1, "b": 2}}}), "c", json!({})).unwrap_err();
        assert_eq!(e, "No p matching 'z' nor 'default' found while determining item `c` in `t`");
        let e = resolve(json!({"p": "ab", "c": {"by-p": {"a.*": 1, ".*b": 2}}}), "c", json!({})).unwrap_err();
        assert_eq!(e, "Multiple matching values for p 'ab' found while determining item `c` in `t`");
        let e = resolve(json!({"c": {"by-p": {"a": 1}}}), "c", json!({})).unwrap_err();
        assert_eq!(e, "No attribute p and no value for 'default' found while determining item `c` in `t`");
    }
}
