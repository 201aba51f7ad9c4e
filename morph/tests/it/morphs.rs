//! The morphs against Python taskgraph 24.5.1: index tasks (more than 64 routes, scope
//! collapsing with index-path-regexes, worker alias by level), the code-review task, errors.
//!
//! Expected outputs: tests/fixtures/morph_cases.json, made by morph_cases.py (next to it).

use serde_json::{Map, Value};
use std::collections::BTreeMap;
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_morph::{MorphContext, MorphEnv, MorphedGraph};
use tg_optimize::taskids::TaskIdGenerator;

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

fn run_case(case: &Value) -> anyhow::Result<(Map<String, Value>, Value)> {
    let tasks: Vec<Task> = serde_json::from_value(case["tasks"].clone())?;
    let input_ids: Vec<String> = tasks.iter().filter_map(|t| t.task_id.clone()).collect();
    let config = GraphConfig { config: case["config"].as_object().unwrap().clone(), root_dir: "taskcluster".into() };
    let parameters = Parameters::from_map(case["params"].as_object().unwrap().clone());
    let env_var = |name: &str| case["env"].get(name).and_then(Value::as_str).map(str::to_string);
    let env = MorphEnv {
        taskgraph_head_repository: env_var("TASKGRAPH_HEAD_REPOSITORY"),
        taskgraph_head_rev: env_var("TASKGRAPH_HEAD_REV"),
    };
    let ctx = MorphContext { graph_config: &config, parameters: &parameters, env: &env };
    let mut graph = MorphedGraph::new(tasks, BTreeMap::new())?;
    tg_morph::morph(&mut graph, &ctx, &mut TaskIdGenerator::seeded(9), Log::quiet("test"))?;
    let generated: BTreeMap<String, String> = graph
        .tasks
        .iter()
        .filter(|t| !input_ids.contains(t.task_id.as_ref().unwrap()))
        .map(|t| (t.task_id.clone().unwrap(), t.label.clone()))
        .collect();
    let mut by_label = Map::new();
    for task in &graph.tasks {
        by_label.insert(task.label.clone(), replace_ids(&serde_json::to_value(task)?, &generated));
    }
    Ok((by_label, replace_ids(&serde_json::to_value(&graph.label_to_task_id)?, &generated)))
}

#[test]
fn morphs_match_taskgraph() {
    let cases: Vec<Value> = serde_json::from_str(include_str!("../fixtures/morph_cases.json")).unwrap();
    assert!(cases.len() >= 7);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let result = run_case(case);
        if let Some(Value::String(expected)) = case.get("error") {
            let err = tg_core::cli::render_chain(&result.expect_err(name));
            assert!(err.contains(expected.as_str()), "{name}: {err} vs {expected}");
            continue;
        }
        let (tasks, l2t) = result.unwrap_or_else(|e| panic!("{name}: {e:#}"));
        let mut want = Map::new();
        for t in case["expected"]["tasks"].as_array().unwrap() {
            want.insert(t["label"].as_str().unwrap().to_string(), t.clone());
        }
        // Key order inside each task matters for the writer; compare the serialized text too.
        for (label, got) in &tasks {
            assert_eq!(Some(got), want.get(label), "{name}: {label}");
            assert_eq!(got.to_string(), want[label].to_string(), "{name}: {label}: key order");
        }
        assert_eq!(tasks.len(), want.len(), "{name}");
        assert_eq!(l2t, case["expected"]["label_to_taskid"], "{name}");
    }
}
