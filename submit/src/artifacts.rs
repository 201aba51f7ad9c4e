//! The decision task's artifacts, in taskgraph's formats (`taskgraph/decision.py`):
//!
//! | file | from |
//! |---|---|
//! | `parameters.yml` | the parameters (`-p`), keys sorted |
//! | `full-task-graph.json` | `--full-graph`: every task keyed by label |
//! | `runnable-jobs.json` | the full graph: Treeherder's symbol, group and platform per task |
//! | `target-tasks.json` | `--target-tasks`: the target labels, as a list |
//! | `task-graph.json` | the input (morphed graph) keyed by taskId, as received |
//! | `label-to-taskid.json` | `--label-to-taskid`, else the input's labels and taskIds |
//!
//! JSON is written as taskgraph writes it (with orjson installed, as in the reference runs):
//! keys sorted at every level, two-space indent, `": "` after keys, non-ASCII as UTF-8, no
//! final newline. Each file is written to a temporary name and renamed, so a reader never
//! sees half a file. Without `--full-graph` or `--target-tasks` the files that need them are
//! not written (the run says so).

use crate::graph::SubmitGraph;
use serde::Serialize;
use serde_json::{Map, Value};
use std::path::Path;
use tg_core::error::{bad_input, usage};
use tg_core::jsonl::JsonLinesReader;
use tg_core::quote::{capped, capped_message};

/// The inputs artifacts are made from, besides the submitted graph.
#[derive(Debug, Default)]
pub struct ArtifactInputs {
    /// Tasks of the full graph (`Task.to_json()` shape), in file order.
    pub full_graph: Option<Vec<Value>>,
    /// Labels of the target task set.
    pub target_tasks: Option<Vec<String>>,
    /// taskgraph's `label_to_taskid` (includes tasks replaced by existing ones).
    pub label_to_taskid: Option<Map<String, Value>>,
}

/// Read a file of tasks: JSON lines (one task per line, what the stages write) or one JSON
/// object keyed by label or taskId (what `taskgraph full --json` writes).
pub fn read_tasks_file(path: &Path) -> anyhow::Result<Vec<Value>> {
    let text = read_text(path)?;
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&text) {
        if !map.contains_key("label") && map.values().all(Value::is_object) {
            return Ok(map.into_iter().map(|(_, v)| v).collect());
        }
    }
    let mut reader = JsonLinesReader::new(text.as_bytes(), path.display().to_string());
    let mut tasks = Vec::new();
    while let Some(value) = reader.next_value()? {
        if value.get("label").and_then(Value::as_str).is_none() {
            return Err(bad_input(format!("{}: label: missing (expected a task record)", reader.position())));
        }
        tasks.push(value);
    }
    Ok(tasks)
}

/// Read target labels: a JSON list of labels (`target-tasks.json`), a JSON object keyed by
/// label (`taskgraph target --json`), or JSON lines of tasks or of label strings.
pub fn read_labels_file(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = read_text(path)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(items)) => {
            return items
                .iter()
                .enumerate()
                .map(|(n, v)| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad_input(format!("{}: [{n}]: expected a label string", path.display())))
                })
                .collect()
        }
        Ok(Value::Object(map)) if !map.contains_key("label") => return Ok(map.keys().cloned().collect()),
        _ => {}
    }
    let mut labels = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let value: Value =
            serde_json::from_str(line).map_err(|e| malformed(&format!("{}:{}", path.display(), n + 1), &e))?;
        let label = match &value {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("label").and_then(Value::as_str).map(str::to_string),
            _ => None,
        };
        labels.push(label.ok_or_else(|| {
            bad_input(format!("{}:{}: expected a label string or a task with a label", path.display(), n + 1))
        })?);
    }
    Ok(labels)
}

/// Read a JSON object of label -> taskId.
pub fn read_label_map(path: &Path) -> anyhow::Result<Map<String, Value>> {
    let text = read_text(path)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) if map.values().all(Value::is_string) => Ok(map),
        Ok(_) => Err(bad_input(format!("{}: expected a JSON object of label -> taskId", path.display()))),
        Err(e) => Err(malformed(&path.display().to_string(), &e)),
    }
}

/// `<where>: malformed JSON: <serde message, capped>`.
fn malformed(at: &str, e: &serde_json::Error) -> anyhow::Error {
    bad_input(format!("{at}: malformed JSON: {}", capped_message(&e.to_string())))
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))
}

/// taskgraph's `full_task_graph_to_runnable_tasks`: label -> Treeherder fields, for tasks with
/// `task.extra.treeherder`.
pub fn runnable_jobs(full_graph: &[Value]) -> anyhow::Result<Map<String, Value>> {
    let mut out = Map::new();
    for node in full_graph {
        let label = node.get("label").and_then(Value::as_str).unwrap_or_default();
        let Some(th) = node.get("task").and_then(|t| t.get("extra")).and_then(|e| e.get("treeherder")) else {
            continue;
        };
        let here = || format!("full graph: task {}: task.extra.treeherder", capped(label));
        let Some(th) = th.as_object() else {
            return Err(bad_input(format!("{}: expected a mapping", here())));
        };
        let symbol = th.get("symbol").ok_or_else(|| bad_input(format!("{}.symbol: missing", here())))?;
        let mut job = Map::new();
        job.insert("symbol".into(), symbol.clone());
        for key in ["groupName", "groupSymbol", "collection"] {
            if let Some(v) = th.get(key) {
                job.insert(key.into(), v.clone());
            }
        }
        let platform = th.get("machine").and_then(|m| m.get("platform"));
        if let Some(p) = platform.filter(|p| is_truthy(p)) {
            job.insert("platform".into(), p.clone());
        }
        out.insert(label.to_string(), Value::Object(job));
    }
    Ok(out)
}

use tg_core::py::truthy as is_truthy;

/// Write every artifact the inputs allow into `dir`; returns the names written.
pub fn write_all(
    dir: &Path,
    graph: &SubmitGraph,
    parameters_yaml: &str,
    inputs: &ArtifactInputs,
) -> anyhow::Result<Vec<&'static str>> {
    tg_core::files::create_dir_all(dir).map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    tg_core::files::write_atomically(&dir.join("parameters.yml"), parameters_yaml.as_bytes())?;
    written.push("parameters.yml");

    if let Some(full) = &inputs.full_graph {
        let mut by_label = Map::new();
        for task in full {
            let label = task.get("label").and_then(Value::as_str).unwrap_or_default();
            by_label.insert(label.to_string(), task.clone());
        }
        write_json(&dir.join("full-task-graph.json"), &Value::Object(by_label))?;
        written.push("full-task-graph.json");
        write_json(&dir.join("runnable-jobs.json"), &Value::Object(runnable_jobs(full)?))?;
        written.push("runnable-jobs.json");
    }
    if let Some(labels) = &inputs.target_tasks {
        write_json(&dir.join("target-tasks.json"), &serde_json::to_value(labels)?)?;
        written.push("target-tasks.json");
    }
    let mut task_graph = Map::new();
    for (task, task_id) in graph.tasks.iter().zip(&graph.task_ids) {
        task_graph.insert(task_id.clone(), serde_json::to_value(task)?);
    }
    write_json(&dir.join("task-graph.json"), &Value::Object(task_graph))?;
    written.push("task-graph.json");
    let label_to_taskid = match &inputs.label_to_taskid {
        Some(map) => map.clone(),
        None => graph
            .tasks
            .iter()
            .zip(&graph.task_ids)
            .map(|(t, id)| (t.label.clone(), Value::String(id.clone())))
            .collect(),
    };
    write_json(&dir.join("label-to-taskid.json"), &Value::Object(label_to_taskid))?;
    written.push("label-to-taskid.json");
    Ok(written)
}

/// `value` with every mapping's keys sorted (Python's `sort_keys=True`).
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// `json.dump(value, sort_keys=True, indent=2)` as taskgraph's orjson path writes it.
pub fn to_taskgraph_json(value: &Value) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    sorted(value).serialize(&mut ser)?;
    Ok(out)
}

fn write_json(path: &Path, value: &Value) -> anyhow::Result<()> {
    tg_core::files::write_atomically(path, &to_taskgraph_json(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn runnable_jobs_as_taskgraph() {
        let full = vec![
            json!({"label": "a", "task": {"extra": {"treeherder": {"symbol": "B", "groupSymbol": "G", "machine": {"platform": "linux64"}, "tier": 1}}}}),
            json!({"label": "b", "task": {"extra": {}}}),
            json!({"label": "c", "task": {"extra": {"treeherder": {"symbol": "T", "collection": {"opt": true}, "machine": {"platform": ""}}}}}),
        ];
        assert_eq!(
            Value::Object(runnable_jobs(&full).unwrap()),
            json!({"a": {"symbol": "B", "groupSymbol": "G", "platform": "linux64"}, "c": {"symbol": "T", "collection": {"opt": true}}})
        );
    }

    #[test]
    fn json_format_is_orjsons() {
        let v = json!({"b": [1, {"z": "é", "a": []}], "a": {}});
        let text = String::from_utf8(to_taskgraph_json(&v).unwrap()).unwrap();
        assert_eq!(
            text,
            "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"a\": [],\n      \"z\": \"é\"\n    }\n  ]\n}"
        );
    }
}
