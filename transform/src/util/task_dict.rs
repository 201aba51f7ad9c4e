//! Small accessors for the task dicts that flow between transform steps.

use serde_json::{Map, Value};

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
