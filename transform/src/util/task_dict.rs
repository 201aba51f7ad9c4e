//! Small accessors for the task dicts that flow between transform steps.

use serde_json::{Map, Value};
use tg_core::py::value::type_name;

/// A transform step's working item: a free-form mapping, as in taskgraph.
pub type TaskDict = Map<String, Value>;

/// How errors name a task: its `name`, else its `label`, else `<unnamed>`.
pub fn task_name(task: &TaskDict) -> &str {
    task.get("name").or_else(|| task.get("label")).and_then(Value::as_str).unwrap_or("<unnamed>")
}

/// `task[a][b]…` when every step is a mapping.
pub fn get_path<'a>(task: &'a TaskDict, path: &[&str]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let mut v = task.get(*first)?;
    for key in rest {
        v = v.as_object()?.get(*key)?;
    }
    Some(v)
}

/// The mapping at `task[key]`, created (or replaced if not a mapping) when absent.
pub fn object_entry<'a>(task: &'a mut TaskDict, key: &str) -> &'a mut TaskDict {
    let slot = task.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => m,
        _ => unreachable!("slot was just made a mapping"),
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
