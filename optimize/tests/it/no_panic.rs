//! Generated bad input never panics: odd optimizations, references, deadlines, index entries,
//! file patterns and timestamps either work or give an error.

use proptest::prelude::*;
use serde_json::{json, Value};
use tg_core::cli::Log;
use tg_core::graph::TaskGraph;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_optimize::index::FileIndex;
use tg_optimize::references::ArtifactUrls;
use tg_optimize::strategy::Registry;
use tg_optimize::taskids::TaskIdGenerator;

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z<>/.*{} 0-9-]{0,12}".prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("task-reference".to_string()),
                    Just("artifact-reference".to_string()),
                    Just("relative-datestamp".to_string()),
                    Just("index-search".to_string()),
                    Just("skip-unless-changed".to_string()),
                    Just("always".to_string()),
                    "[a-z]{1,5}"
                ],
                inner,
                0..3
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn label() -> impl Strategy<Value = String> {
    prop_oneof![Just("a"), Just("b"), Just("c"), Just("d")].prop_map(str::to_string)
}

fn task() -> impl Strategy<Value = (String, Vec<String>, Vec<String>, Vec<String>, Value, Value)> {
    (
        label(),
        prop::collection::vec(label(), 0..3),
        prop::collection::vec(label(), 0..2),
        prop::collection::vec(label(), 0..2),
        value(),
        value(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn optimize_never_panics(
        tasks in prop::collection::vec(task(), 1..5),
        index in prop::collection::btree_map("p\\.[ab]", value(), 0..3),
        files in prop::collection::vec("[a-z*/.]{0,8}", 0..3),
    ) {
        let mut records = Vec::new();
        for (label, deps, ifs, soft, optimization, definition) in tasks {
            let mut definition = definition;
            if let Value::Object(map) = &mut definition {
                map.entry("deadline").or_insert(json!({"relative-datestamp": "1 day"}));
            }
            let task = json!({
                "kind": "k", "label": label,
                "dependencies": deps.iter().map(|d| (format!("n-{d}"), Value::from(d.as_str()))).collect::<serde_json::Map<_, _>>(),
                "if_dependencies": ifs, "soft_dependencies": soft,
                "optimization": optimization, "task": definition,
            });
            if let Ok(t) = serde_json::from_value::<Task>(task) {
                records.push(t);
            }
        }
        let Ok(graph) = TaskGraph::checked(records) else { return Ok(()) };
        let index_text = Value::Object(index.into_iter().collect()).to_string();
        let Ok(mut index) = FileIndex::parse(&index_text, "i") else { return Ok(()) };
        let params = json!({"base_rev": "x", "head_rev": "y", "files_changed": files, "do_not_optimize": [],
                            "existing_tasks": {}, "optimize_target_tasks": true, "enable_always_target": true});
        let opts = tg_optimize::Options {
            parameters: Parameters::from_map(params.as_object().unwrap().clone()),
            target_tasks: None,
            registry: Registry::builtin(),
            decision_task_id: "D".into(),
            urls: ArtifactUrls::default(),
            now: 0,
            log: Log::quiet("t"),
        };
        let _ = tg_optimize::optimize(&graph, &opts, &mut index, &mut TaskIdGenerator::seeded(0));
    }

    #[test]
    fn patterns_and_times_never_panic(path in "[a-z*/. ()+?-]{0,10}", pattern in "[a-z*/. ()+?\\\\-]{0,10}", text in "\\PC{0,30}") {
        let _ = tg_optimize::pathmatch::PathMatcher::new().matches(&path, &pattern);
        let _ = tg_optimize::time::parse_json_time(&text);
        let _ = tg_optimize::time::json_time_from_now(&text, tg_optimize::time::Instant(0));
        let _ = tg_optimize::time::json_time_from_now(&text, tg_optimize::time::Instant(i64::MAX));
    }
}
