//! Writing a resolved graph: JSON lines (the stage contract), taskgraph's `--json` object,
//! labels, or a Graphviz picture.
//!
//! | format | what | order |
//! |---|---|---|
//! | `jsonl` | one task (`Task.to_json()` shape) per line | dependencies first, ties in input order |
//! | `json` | one object keyed by label, keys sorted, 2-space indent: byte for byte what `taskgraph full/target/target-graph --json` prints (with its trailing blank line) | sorted |
//! | `labels` | one JSON string per line (`jq -r .` gives bare labels) | sorted, as taskgraph's label output |
//! | `dot` | Graphviz digraph, one coloured cluster per kind | kinds sorted, tasks in topological order |

use crate::ResolveTask;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;
use tg_core::graph::GraphNode;
use tg_core::jsonl::JsonLinesWriter;
use tg_core::task::Task;

/// An output format.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One compact JSON task per line (the default; what tg-optimize reads).
    Jsonl,
    /// One JSON object keyed by label, as `taskgraph ... --json` prints it.
    Json,
    /// One JSON string (a label) per line, sorted.
    Labels,
    /// A Graphviz digraph.
    Dot,
}

/// A graph to write: tasks in output order, and which of them were asked for (targets).
pub struct Selection<'a, T = Task> {
    /// Tasks in topological order (dependencies first).
    pub tasks: Vec<&'a T>,
    /// For the target graph: whether each task (same index) is a target rather than pulled in.
    pub requested: Option<Vec<bool>>,
    /// Title for pictures.
    pub title: String,
}

/// Write `selection` in `format` to `out`.
pub fn write<T: ResolveTask>(selection: &Selection<T>, format: Format, out: impl Write) -> anyhow::Result<()> {
    match format {
        Format::Jsonl => write_jsonl(&selection.tasks, out),
        Format::Labels => write_labels(&selection.tasks, out),
        Format::Json | Format::Dot => {
            let tasks = selection.tasks.iter().map(|t| t.as_task()).collect::<anyhow::Result<Vec<_>>>()?;
            let parsed = Selection {
                tasks: tasks.iter().map(|t| t.as_ref()).collect(),
                requested: selection.requested.clone(),
                title: selection.title.clone(),
            };
            match format {
                Format::Json => write_json(&parsed.tasks, out),
                _ => crate::dot::write_dot(&parsed, out),
            }
        }
    }
}

fn write_jsonl<T: serde::Serialize>(tasks: &[&T], out: impl Write) -> anyhow::Result<()> {
    let mut writer = JsonLinesWriter::new(out);
    for task in tasks {
        writer.write(task)?;
    }
    writer.finish()
}

fn write_labels<T: GraphNode>(tasks: &[&T], out: impl Write) -> anyhow::Result<()> {
    let mut labels: Vec<&str> = tasks.iter().map(|t| t.label()).collect();
    labels.sort_unstable();
    let mut writer = JsonLinesWriter::new(out);
    for label in labels {
        writer.write(label)?;
    }
    writer.finish()
}

/// `json.dumps(graph.to_json(), sort_keys=True, indent=2)` followed by the blank line taskgraph's
/// `print(out + "\n")` adds.
fn write_json(tasks: &[&Task], mut out: impl Write) -> anyhow::Result<()> {
    let mut by_label: BTreeMap<&str, Value> = BTreeMap::new();
    for task in tasks {
        by_label.insert(&task.label, sorted(serde_json::to_value(task)?));
    }
    let map: Map<String, Value> = by_label.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    serde_json::to_writer_pretty(&mut out, &Value::Object(map)).map_err(std::io::Error::from)?;
    out.write_all(b"\n\n")?;
    out.flush()?;
    Ok(())
}

/// A copy of `value` whose objects have their keys in sorted order (Python's `sort_keys`).
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(label: &str) -> Task {
        serde_json::from_value(
            json!({"kind": "k", "label": label, "attributes": {"b": 1, "a": []}, "task": {"z": {}, "y": 1.5}}),
        )
        .unwrap()
    }

    #[test]
    fn json_matches_pythons_layout() {
        let (a, b) = (task("b-task"), task("a-task"));
        let sel = Selection { tasks: vec![&a, &b], requested: None, title: String::new() };
        let mut buf = Vec::new();
        write(&sel, Format::Json, &mut buf).unwrap();
        let text = String::from_utf8(buf).unwrap();
        // python3 -c 'import json; print(json.dumps({...}, sort_keys=True, indent=2))'
        let want = "{\n  \"a-task\": {\n    \"attributes\": {\n      \"a\": [],\n      \"b\": 1\n    },\n    \"dependencies\": {},\n    \"description\": \"\",\n    \"if_dependencies\": [],\n    \"kind\": \"k\",\n    \"label\": \"a-task\",\n    \"optimization\": null,\n    \"soft_dependencies\": [],\n    \"task\": {\n      \"y\": 1.5,\n      \"z\": {}\n    }\n  },\n";
        assert!(text.starts_with(want), "{text}");
        assert!(text.ends_with("}\n\n"));
    }

    #[test]
    fn labels_are_sorted_json_strings() {
        let (a, b) = (task("b"), task("a"));
        let sel = Selection { tasks: vec![&a, &b], requested: None, title: String::new() };
        let mut buf = Vec::new();
        write(&sel, Format::Labels, &mut buf).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "\"a\"\n\"b\"\n");
    }
}
