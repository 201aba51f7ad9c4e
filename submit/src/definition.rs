//! The createTask bodies, made from the morphed graph exactly as taskgraph's `create_tasks`
//! makes them:
//!
//! 1. a task with no dependency *inside the graph* gets the decision task's id appended to
//!    `dependencies` (so nothing starts before the whole graph is created);
//! 2. `taskGroupId` is the decision task's id and `schedulerId` is
//!    `<trust-domain>-level-<level>` (existing keys keep their place);
//! 3. every `{"relative-datestamp": ...}` is resolved against one clock reading per graph
//!    (taskgraph reads the clock per task; one reading makes a repeated request identical,
//!    which is what lets a resumed run re-send a definition the queue already accepted).
//!
//! `attributes.task_duplicates: N` creates N-1 more copies of the same definition under new
//! taskIds. Taskgraph draws those taskIds at random; here each is derived from the task's own
//! taskId and the copy number ([`duplicate_task_id`]), so a resumed run finds the same ones.

use crate::graph::SubmitGraph;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tg_core::error::bad_input;
use tg_core::quote::{capped, capped_message};
use tg_core::time::{resolve_timestamps, Instant};

/// What every task of one submission shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    pub decision_task_id: String,
    pub scheduler_id: String,
    pub now: Instant,
}

/// `<trust-domain>-level-<level>`.
pub fn scheduler_id(trust_domain: &str, level: &Value) -> String {
    let level = match level {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    format!("{trust_domain}-level-{level}")
}

/// The createTask body of every task, in input order.
pub fn task_definitions(graph: &SubmitGraph, submission: &Submission) -> anyhow::Result<Vec<Value>> {
    (0..graph.len()).map(|i| task_definition(graph, i, submission)).collect()
}

/// [`task_definitions`], freeing each task's input definition (`task.task`) once its body is
/// made, so that the graph's definitions are not held twice; for when nothing else needs them.
pub fn take_task_definitions(graph: &mut SubmitGraph, submission: &Submission) -> anyhow::Result<Vec<Value>> {
    let mut definitions = Vec::with_capacity(graph.len());
    for i in 0..graph.len() {
        definitions.push(task_definition(graph, i, submission)?);
        if let Some(task) = graph.tasks.get_mut(i) {
            task.task = Value::Null;
        }
    }
    Ok(definitions)
}

/// The createTask body of task `i`.
pub fn task_definition(graph: &SubmitGraph, i: usize, submission: &Submission) -> anyhow::Result<Value> {
    body_of(graph, i, task_at(graph, i)?.task.clone(), submission)
}

/// The createTask body of every task, serialized (compact JSON), from the input definitions
/// that [`SubmitGraph::read_lean`] kept serialized; each input definition is freed once its
/// body is made. The bodies are those of [`task_definitions`], byte for byte.
pub fn serialized_bodies(
    graph: &SubmitGraph,
    definitions: Vec<Box<str>>,
    submission: &Submission,
) -> anyhow::Result<Vec<Box<str>>> {
    let mut bodies = Vec::with_capacity(definitions.len());
    for (i, text) in definitions.into_iter().enumerate() {
        let definition: Value = serde_json::from_str(&text)
            .map_err(|e| bad_input(format!("{}: task: {}", graph.at(i), capped_message(&e.to_string()))))?;
        drop(text);
        let body = body_of(graph, i, definition, submission)?;
        bodies.push(serde_json::to_string(&body)?.into_boxed_str());
    }
    Ok(bodies)
}

/// The createTask body of task `i` made from its input definition `def`.
fn body_of(graph: &SubmitGraph, i: usize, mut def: Value, submission: &Submission) -> anyhow::Result<Value> {
    let task = task_at(graph, i)?;
    let context = || format!("{}: kind {}, task {}", graph.at(i), capped(&task.kind), capped(&task.label));
    let Some(map) = def.as_object_mut() else {
        return Err(bad_input(format!("{}: task: expected a mapping", context())));
    };
    if graph.dependencies_of(i).is_empty() {
        let deps = map.entry("dependencies").or_insert_with(|| Value::Array(Vec::new()));
        if deps.is_null() {
            *deps = Value::Array(Vec::new());
        }
        match deps {
            Value::Array(list) => list.push(Value::String(submission.decision_task_id.clone())),
            _ => return Err(bad_input(format!("{}: task.dependencies: expected a list", context()))),
        }
    }
    map.insert("taskGroupId".to_string(), Value::String(submission.decision_task_id.clone()));
    map.insert("schedulerId".to_string(), Value::String(submission.scheduler_id.clone()));
    resolve_timestamps(&def, submission.now)
        .map_err(|msg| bad_input(format!("{}: task.{}", context(), capped_message(&msg))))
}

/// Task `i` of `graph`; a position outside the graph is an error (a caller's mistake).
fn task_at(graph: &SubmitGraph, i: usize) -> anyhow::Result<&tg_core::task::Task> {
    graph.tasks.get(i).ok_or_else(|| bad_input(format!("task position {i}: not in the graph ({} tasks)", graph.len())))
}

/// How many copies of task `i` to create (`attributes.task_duplicates`, default 1).
pub fn copies(graph: &SubmitGraph, i: usize) -> anyhow::Result<u32> {
    let task = task_at(graph, i)?;
    match task.attributes.get("task_duplicates") {
        None | Some(Value::Null) => Ok(1),
        Some(v) => v.as_u64().filter(|n| *n <= 10_000).map(|n| n.max(1) as u32).ok_or_else(|| {
            bad_input(format!(
                "{}: kind {}, task {}: attributes.task_duplicates: expected a count (0..=10000), got {}",
                graph.at(i),
                capped(&task.kind),
                capped(&task.label),
                capped(&v.to_string())
            ))
        }),
    }
}

/// The taskId of copy `copy` (1-based; 0 is the task itself) of the task `task_id`: a v4-style
/// nice slugid from `sha256("<task_id>/duplicate/<copy>")`.
pub fn duplicate_task_id(task_id: &str, copy: u32) -> String {
    if copy == 0 {
        return task_id.to_string();
    }
    slugid_from_sha256(&format!("{task_id}/duplicate/{copy}"))
}

/// A v4-style nice slugid made of the first 16 bytes of `sha256(text)`.
pub fn slugid_from_sha256(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut bytes = [0u8; 16];
    for (byte, from) in bytes.iter_mut().zip(digest.iter()) {
        *byte = *from;
    }
    tg_core::slugid::slugid_from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn graph(lines: &[Value]) -> SubmitGraph {
        let text: String = lines.iter().map(|l| l.to_string() + "\n").collect();
        SubmitGraph::read(text.as_bytes(), "<stdin>").unwrap()
    }

    #[test]
    fn adds_group_scheduler_decision_dependency_and_times() {
        let g = graph(&[
            json!({"kind": "k", "label": "a", "task_id": "A", "task": {"created": {"relative-datestamp": "0 seconds"}, "dependencies": ["OLD"], "schedulerId": "x"}}),
            json!({"kind": "k", "label": "b", "task_id": "B", "task": {"dependencies": ["A"]}}),
            json!({"kind": "k", "label": "c", "task_id": "C", "task": {}}),
        ]);
        let s = Submission {
            decision_task_id: "DEC".into(),
            scheduler_id: scheduler_id("td", &json!("3")),
            now: Instant(0),
        };
        let defs = task_definitions(&g, &s).unwrap();
        assert_eq!(
            serde_json::to_string(&defs[0]).unwrap(),
            r#"{"created":"1970-01-01T00:00:00.000Z","dependencies":["OLD","DEC"],"schedulerId":"td-level-3","taskGroupId":"DEC"}"#
        );
        assert_eq!(defs[1], json!({"dependencies": ["A"], "taskGroupId": "DEC", "schedulerId": "td-level-3"}));
        assert_eq!(defs[2], json!({"dependencies": ["DEC"], "taskGroupId": "DEC", "schedulerId": "td-level-3"}));
        let mut g = g;
        assert_eq!(take_task_definitions(&mut g, &s).unwrap(), defs);
        assert!(g.tasks.iter().all(|t| t.task.is_null()));
    }

    #[test]
    fn bad_positions_and_huge_values_are_errors_without_panics() {
        let huge = "h".repeat(1_000_000);
        let shown = format!("{}… (1000000 bytes)", "h".repeat(tg_core::quote::MAX_QUOTED_CHARS));
        let g = graph(&[json!({"kind": "k", "label": &huge, "task_id": "A",
            "attributes": {"task_duplicates": &huge}, "task": {"x": {"relative-datestamp": &huge}}})]);
        let s = Submission { decision_task_id: "DEC".into(), scheduler_id: "s".into(), now: Instant(0) };
        let e = copies(&g, 0).unwrap_err().to_string();
        let expected = format!(
            "<stdin>:1: kind k, task {shown}: attributes.task_duplicates: expected a count (0..=10000), got {}",
            format_args!("\"{}… (1000002 bytes)", "h".repeat(tg_core::quote::MAX_QUOTED_CHARS - 1))
        );
        assert_eq!(e, expected);
        let e = task_definition(&g, 0, &s).unwrap_err().to_string();
        assert_eq!(
            e,
            format!("<stdin>:1: kind k, task {shown}: task.x.relative-datestamp: '{shown}' is invalid string")
        );
        assert_eq!(copies(&g, 1).unwrap_err().to_string(), "task position 1: not in the graph (1 tasks)");
        assert_eq!(task_definition(&g, 1, &s).unwrap_err().to_string(), "task position 1: not in the graph (1 tasks)");
    }

    #[test]
    fn lean_reading_keeps_little_and_makes_the_same_bodies() {
        let lines = [
            json!({"kind": "k", "label": "a", "task_id": "A", "description": "d", "attributes": {"x": 1, "task_duplicates": 2},
                   "task": {"created": {"relative-datestamp": "1 day"}, "payload": {"f": 0.1, "n": -3}, "dependencies": ["OLD"]}}),
            json!({"kind": "k", "label": "b", "task_id": "B", "task": {"z": 1, "dependencies": ["A"], "a": [1.5e300]}}),
        ];
        let text: String = lines.iter().map(|l| l.to_string() + "\n").collect();
        let s = Submission { decision_task_id: "DEC".into(), scheduler_id: "s".into(), now: Instant(0) };
        let full = SubmitGraph::read(text.as_bytes(), "<stdin>").unwrap();
        let (lean, texts) = SubmitGraph::read_lean(text.as_bytes(), "<stdin>").unwrap();
        assert_eq!(lean.tasks[0].task, json!({"dependencies": ["OLD"]}));
        assert_eq!(lean.tasks[0].attributes, json!({"task_duplicates": 2}).as_object().unwrap().clone());
        assert!(lean.tasks[0].description.is_empty());
        assert_eq!((lean.deps.clone(), lean.task_ids.clone()), (full.deps.clone(), full.task_ids.clone()));
        assert_eq!(copies(&lean, 0).unwrap(), 2);
        let expected: Vec<String> =
            task_definitions(&full, &s).unwrap().iter().map(|v| serde_json::to_string(v).unwrap()).collect();
        let got: Vec<String> = serialized_bodies(&lean, texts, &s).unwrap().into_iter().map(String::from).collect();
        assert_eq!(got, expected);
    }

    /// Every error of the whole-record path, from the lean one too (same text).
    #[test]
    fn lean_reading_gives_the_same_errors() {
        let s = Submission { decision_task_id: "DEC".into(), scheduler_id: "s".into(), now: Instant(0) };
        let bad = [
            "{\"kind\":\"k\",\"label\":\"a\",\"task\":[]}",
            "{\"kind\":\"k\",\"label\":\"a\",\"task\":7,\"task_id\":\"A\"}",
            "{\"kind\":\"k\",\"label\":\"a\",\"task\":{},\"task_id\":\"A\"}\n{\"kind\":\"k\",\"label\":\"a\",\"task\":{},\"task_id\":\"B\"}",
            "{\"kind\":\"k\",\"label\":\"a\",\"task\":{\"dependencies\":\"X\"},\"task_id\":\"A\"}",
            "{\"kind\":\"k\",\"label\":\"a\",\"task\":{},\"task_id\":\"A\",\"attributes\":{\"task_duplicates\":-1}}",
            "{\"kind\":\"k\",\"label\":\"a\",\"task\":{\"e\":{\"relative-datestamp\":\"soon\"}},\"task_id\":\"A\"}",
            "{\"kind\":\"k\",\"label\":\"a\",\"task\":{},\"task_id\":\"A\"}\n{\"kind\":\"k\"}",
        ];
        for text in bad {
            let text = format!("{text}\n");
            let whole = SubmitGraph::read(text.as_bytes(), "<stdin>").and_then(|g| {
                (0..g.len()).map(|i| copies(&g, i)).collect::<anyhow::Result<Vec<_>>>()?;
                task_definitions(&g, &s)
            });
            let lean = SubmitGraph::read_lean(text.as_bytes(), "<stdin>").and_then(|(g, texts)| {
                (0..g.len()).map(|i| copies(&g, i)).collect::<anyhow::Result<Vec<_>>>()?;
                serialized_bodies(&g, texts, &s)
            });
            let (Err(whole), Err(lean)) = (whole, lean) else { panic!("{text}: expected two errors") };
            assert_eq!(whole.to_string(), lean.to_string(), "{text}");
            assert_eq!(tg_core::error::exit_code_of(&whole), tg_core::error::exit_code_of(&lean), "{text}");
        }
    }

    #[test]
    fn duplicates_are_stable_slugids() {
        assert_eq!(duplicate_task_id("abc", 0), "abc");
        let one = duplicate_task_id("abc", 1);
        assert_eq!(one, duplicate_task_id("abc", 1));
        assert_ne!(one, duplicate_task_id("abc", 2));
        assert_eq!(one.len(), 22);
    }
}
