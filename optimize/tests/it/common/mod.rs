//! Test helpers shared by tg-optimize's and tg-morph's integration tests (tg-morph includes
//! this file with `#[path]`): where ../shared is, reading graphs, and comparing a graph with a
//! Python reference the way ../shared/tools/compare_graphs.py does (taskIds replaced by the
//! label they name, `task.dependencies` and other set-like lists sorted, tasks keyed by label).

#![allow(dead_code)]

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The repository root (the workspace directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `../shared` next to the repository, or `None` after a loud SKIPPED line (a failure under CI).
pub use testkit::shared_dir;

/// The real-world cases (directories with parameters.yml and reference/).
pub fn realworld_cases(shared: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(shared.join("realworld"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("parameters.yml").is_file() && p.join("reference").is_dir())
        .collect();
    cases.sort();
    cases
}

/// A JSON file of tasks keyed by label or taskId, as JSON lines in key order.
pub fn json_graph_to_lines(path: &Path) -> String {
    let value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut out = String::new();
    for task in value.as_object().unwrap().values() {
        out.push_str(&serde_json::to_string(task).unwrap());
        out.push('\n');
    }
    out
}

/// Tasks from JSON lines.
pub fn parse_lines(text: &str) -> Vec<Value> {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// taskId -> label, from `task_id` fields and from keys that are not labels.
fn task_id_map<'a>(tasks: impl Iterator<Item = (Option<&'a str>, &'a Value)>) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (key, task) in tasks {
        let label = task["label"].as_str().unwrap().to_string();
        if let Some(Value::String(id)) = task.get("task_id") {
            map.insert(id.clone(), label.clone());
        }
        if let Some(key) = key.filter(|k| *k != label) {
            map.insert(key.to_string(), label);
        }
    }
    map
}

fn replace_ids(value: &Value, ids: &BTreeMap<String, String>) -> Value {
    let fix = |s: &str| {
        if let Some(label) = ids.get(s) {
            return format!("<TASKID:{label}>");
        }
        let mut s = s.to_string();
        for (id, label) in ids {
            if s.contains(id.as_str()) {
                s = s.replace(id.as_str(), &format!("<TASKID:{label}>"));
            }
        }
        s
    };
    match value {
        Value::String(s) => Value::String(fix(s)),
        Value::Array(items) => Value::Array(items.iter().map(|v| replace_ids(v, ids)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (fix(k), replace_ids(v, ids))).collect()),
        other => other.clone(),
    }
}

fn sort_sets(mut task: Value) -> Value {
    for pointer in ["/task/dependencies", "/soft_dependencies", "/if_dependencies"] {
        if let Some(Value::Array(items)) = task.pointer_mut(pointer) {
            items.sort_by_key(|v| v.to_string());
        }
    }
    task
}

/// Tasks normalised and keyed by label.
fn normalise(tasks: Vec<(Option<&str>, &Value)>) -> BTreeMap<String, Value> {
    let ids = task_id_map(tasks.iter().copied());
    tasks
        .into_iter()
        .map(|(_, t)| (t["label"].as_str().unwrap().to_string(), sort_sets(replace_ids(t, &ids))))
        .collect()
}

/// Compare our JSON-lines output with a Python reference JSON object; returns
/// (identical tasks, tasks on either side) and the labels that differ.
pub fn compare_with_reference(reference: &Path, ours: &str) -> (usize, usize, Vec<String>) {
    let expected: Value = serde_json::from_str(&std::fs::read_to_string(reference).unwrap()).unwrap();
    let expected: &Map<String, Value> = expected.as_object().unwrap();
    let expected = normalise(expected.iter().map(|(k, v)| (Some(k.as_str()), v)).collect());
    let ours_values = parse_lines(ours);
    let actual = normalise(ours_values.iter().map(|v| (None, v)).collect());
    let mut labels: Vec<&String> = expected.keys().chain(actual.keys()).collect();
    labels.sort();
    labels.dedup();
    let differing: Vec<String> =
        labels.iter().filter(|l| expected.get(**l) != actual.get(**l)).map(|l| l.to_string()).collect();
    (labels.len() - differing.len(), labels.len(), differing)
}
