//! Generated bad input never panics: random try messages against the try fixture graph, and
//! random small graphs (dangling dependencies, cycles, odd attributes) through every stage.

use crate::common;

use proptest::prelude::*;
use serde_json::{json, Value};
use tg_core::cli::{Log, StageContext};
use tg_core::config::GraphConfig;
use tg_core::params::{LoadOptions, Parameters};
use tg_core::task::Task;
use tg_resolve::Stage;

fn try_context() -> StageContext {
    let root = common::fixture("try/taskcluster");
    let graph_config = GraphConfig::load(&root).expect("config");
    let opts = LoadOptions { allow_unknown: true, now: Some(0) };
    let parameters = Parameters::load(Some(&common::fixture("try/parameters.yml")), &root, &opts).expect("params");
    StageContext { graph_config, parameters }
}

fn try_tasks() -> Vec<Task> {
    let text = std::fs::read_to_string(common::fixture("try/full-task-graph.jsonl")).expect("graph");
    text.lines().map(|l| serde_json::from_str(l).expect("task")).collect()
}

/// Words try syntax is made of, to build messages that get past the first checks.
fn try_word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-b".to_string()),
        Just("-p".to_string()),
        Just("-u".to_string()),
        Just("-t".to_string()),
        Just("-j".to_string()),
        Just("--rebuild".to_string()),
        Just("-e".to_string()),
        Just("-ie".to_string()),
        Just("do".to_string()),
        Just("all".to_string()),
        Just("none".to_string()),
        Just("linux64".to_string()),
        Just("mochitest[linux64,-windows]".to_string()),
        Just("gtest-1,gtest-2".to_string()),
        Just("'".to_string()),
        Just("\\".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        "[-a-z0-9\\[\\],'\" =]{0,12}",
    ]
}

fn task(label: String, deps: Vec<String>, attrs: Value) -> Task {
    let mut t: Task = serde_json::from_value(json!({
        "kind": "build", "label": label, "attributes": attrs,
        "task": {"provisionerId": "p", "workerType": "w", "routes": ["index.proj.v2.x"]}
    }))
    .expect("task");
    t.dependencies = deps.into_iter().enumerate().map(|(i, d)| (format!("d{i}"), d)).collect();
    t
}

fn attrs() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({})),
        Just(json!({"run_on_projects": ["all"]})),
        Just(json!({"run_on_projects": "all"})),
        Just(json!({"run_on_projects": ["all"], "run_on_git_branches": ["("]})),
        Just(json!({"always_target": true, "build_type": "opt", "build_platform": ["x"]})),
        Just(json!({"kind": "test", "unittest_try_name": 3, "test_platform": null})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn try_messages_never_panic(words in proptest::collection::vec(try_word(), 0..8)) {
        let message = format!("try: {}", words.join(" "));
        let mut ctx = try_context();
        ctx.parameters.values.insert("message".into(), Value::String(message));
        ctx.parameters.values.insert("target_tasks_method".into(), json!("try_syntax"));
        let _ = tg_resolve::resolve(try_tasks(), &ctx, Stage::TargetGraph, true, Log::quiet("t"));
    }

    #[test]
    fn random_graphs_never_panic(
        spec in proptest::collection::vec((0usize..6, proptest::collection::vec(0usize..8, 0..3), attrs()), 0..7),
        method in prop_oneof![Just("default"), Just("codereview"), Just("nothing"), Just("try_syntax")],
    ) {
        let tasks: Vec<Task> = spec
            .into_iter()
            .map(|(l, deps, a)| task(format!("t{l}"), deps.into_iter().map(|d| format!("t{d}")).collect(), a))
            .collect();
        let mut ctx = try_context();
        ctx.parameters.values.insert("message".into(), json!("try: -b o -p all -u all -t all -j all"));
        ctx.parameters.values.insert("target_tasks_method".into(), json!(method));
        for stage in [Stage::Full, Stage::Target, Stage::TargetGraph] {
            if let Ok(r) = tg_resolve::resolve(tasks.clone(), &ctx, stage, true, Log::quiet("t")) {
                let sel = r.selection(stage);
                let mut buf = Vec::new();
                for format in [tg_resolve::output::Format::Jsonl, tg_resolve::output::Format::Dot, tg_resolve::output::Format::Json] {
                    tg_resolve::output::write(&sel, format, &mut buf).expect("write");
                }
            }
        }
    }

    #[test]
    fn diff_inputs_never_panic(a in "[\\[\\]{}\",:a-z0-9_ \\n-]{0,60}", b in "[\\[\\]{}\",:a-z0-9_ \\n-]{0,60}") {
        let dir = std::env::temp_dir().join(format!("tg-diff-prop-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp");
        let (pa, pb) = (dir.join("a"), dir.join("b"));
        std::fs::write(&pa, a).expect("write");
        std::fs::write(&pb, b).expect("write");
        if let (Ok(x), Ok(y)) = (tg_resolve::diff::load(&pa), tg_resolve::diff::load(&pb)) {
            let _ = tg_resolve::diff::compare(x, y, &["task.*".into()]);
        }
    }
}
