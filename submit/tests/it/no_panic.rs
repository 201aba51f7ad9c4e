//! Bad input never panics: generated graphs with arbitrary task definitions, dependency lists,
//! relative datestamps and attributes go through reading, checking and body making in-process.

use proptest::prelude::*;
use serde_json::{json, Value};
use tg_core::time::Instant;
use tg_submit::definition::{copies, task_definitions, Submission};
use tg_submit::graph::SubmitGraph;

/// Arbitrary JSON, biased towards what task definitions contain.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[ -~]{0,12}".prop_map(Value::String),
        "[0-9 .-]{0,6}(s|min|h|d|mo|y|days|years|weeks)?".prop_map(|s| json!({"relative-datestamp": s})),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z-]{1,8}|dependencies|relative-datestamp", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn any_line(n: usize) -> impl Strategy<Value = String> {
    (any_json(), prop::collection::vec(0..n.max(1), 0..3), any_json(), any::<bool>(), 0..n.max(1)).prop_map(
        move |(mut task, deps, dup, with_id, id)| {
            if let Value::Object(map) = &mut task {
                map.insert("dependencies".into(), json!(deps.iter().map(|d| format!("T{d}")).collect::<Vec<_>>()));
            }
            let mut line =
                json!({"kind": "k", "label": format!("l{id}"), "task": task, "attributes": {"task_duplicates": dup}});
            if with_id {
                line["task_id"] = json!(format!("T{id}"));
            }
            line.to_string()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn never_panics(lines in prop::collection::vec(any_line(6), 0..6), garbage in "[ -~\n]{0,20}") {
        let mut text = lines.join("\n");
        text.push('\n');
        for input in [text.clone(), text + &garbage] {
            if let Ok(graph) = SubmitGraph::read(input.as_bytes(), "<gen>") {
                let s = Submission { decision_task_id: "D".into(), scheduler_id: "s".into(), now: Instant(1_767_225_600_000_000) };
                let _ = task_definitions(&graph, &s);
                let _ = (0..graph.len()).map(|i| copies(&graph, i)).collect::<Vec<_>>();
                let _ = graph.creation_order();
            }
        }
    }
}
