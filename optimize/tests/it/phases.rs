//! The optimizer against Python taskgraph 24.5.1 on small graphs: removal, if-dependency
//! pruning, index replacement (found, failed, expired, unknown), existing tasks,
//! do_not_optimize, optimize_target_tasks, soft dependencies, composites and errors.
//!
//! Expected outputs: tests/fixtures/optimize_cases.json, made by optimize_cases.py (next to it)
//! running `optimize_task_graph` with the index answered from each case's index file.

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use tg_core::cli::Log;
use tg_core::graph::TaskGraph;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_optimize::index::FileIndex;
use tg_optimize::references::ArtifactUrls;
use tg_optimize::strategy::Registry;
use tg_optimize::taskids::TaskIdGenerator;
use tg_optimize::Options;

fn replace_ids(value: &Value, ids: &BTreeMap<String, String>) -> Value {
    let fix = |s: &str| {
        let mut s = s.to_string();
        for (id, label) in ids {
            s = s.replace(id.as_str(), &format!("<TASKID:{label}>"));
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

/// `task.dependencies` sorted: its order follows the (random) taskIds.
fn sort_task_dependencies(mut task: Value) -> Value {
    if let Some(Value::Array(deps)) = task.pointer_mut("/task/dependencies") {
        deps.sort_by_key(|v| v.to_string());
    }
    task
}

fn run_case(case: &Value) -> anyhow::Result<(Map<String, Value>, Value)> {
    let tasks: Vec<Task> = serde_json::from_value(case["tasks"].clone())?;
    let graph = TaskGraph::checked(tasks)?;
    let mut registry = Registry::builtin();
    if let Some(Value::Object(defs)) = case.get("strategies") {
        registry.extend_from(defs).map_err(tg_core::bad_input)?;
    }
    let opts = Options {
        parameters: Parameters::from_map(case["params"].as_object().unwrap().clone()),
        target_tasks: Some(serde_json::from_value(case["target_tasks"].clone())?),
        registry,
        decision_task_id: "DECISION-TASK".into(),
        urls: ArtifactUrls { proxy_url: None, root_url: Some("https://tc.example.com".into()), in_task: false },
        now: tg_optimize::time::now_micros(),
        log: Log::quiet("test"),
    };
    let mut index = FileIndex::parse(&case["index"].to_string(), "index").map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut ids = TaskIdGenerator::seeded(3);
    let (out, outcome) = tg_optimize::optimize(&graph, &opts, &mut index, &mut ids)?;
    let generated: BTreeMap<String, String> =
        out.iter().map(|t| (t.task_id.clone().unwrap(), t.label.clone())).collect();
    let mut by_label = Map::new();
    for task in &out {
        by_label
            .insert(task.label.clone(), sort_task_dependencies(replace_ids(&serde_json::to_value(task)?, &generated)));
    }
    let l2t = replace_ids(&serde_json::to_value(&outcome.label_to_task_id)?, &generated);
    Ok((by_label, l2t))
}

#[test]
fn optimizer_matches_taskgraph() {
    let cases: Vec<Value> = serde_json::from_str(include_str!("../fixtures/optimize_cases.json")).unwrap();
    assert!(cases.len() >= 20);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let result = run_case(case);
        if let Some(Value::String(expected)) = case.get("error") {
            let err = tg_core::cli::render_chain(&result.expect_err(name));
            assert!(err.contains(expected.trim_matches(|c| c == '"' || c == '\'')), "{name}: {err} vs {expected}");
            continue;
        }
        let (tasks, l2t) = result.unwrap_or_else(|e| panic!("{name}: {e:#}"));
        let expected = &case["expected"];
        let mut want = Map::new();
        for t in expected["tasks"].as_array().unwrap() {
            want.insert(t["label"].as_str().unwrap().to_string(), sort_task_dependencies(t.clone()));
        }
        assert_eq!(Value::Object(tasks), Value::Object(want), "{name}");
        assert_eq!(l2t, expected["label_to_taskid"], "{name}");
    }
}
