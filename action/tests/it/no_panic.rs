//! Generated bad input never panics: odd action inputs (checked by the schema, then run in
//! test mode in-process on the fixture decision), odd artifacts and odd task definitions either
//! work or give an error.

use crate::common::*;
use clap::Parser;
use proptest::prelude::*;
use serde_json::Value;
use std::path::PathBuf;

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-3i64..200).prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just("lint-audit".to_string()),
            Just("test-unit-linux64-1".to_string()),
            Just("2026-01-01T00:00:00.000Z".to_string()),
            Just("2026-13-01T00:00:00.000Z".to_string()),
            "[a-z0-9 :.TZ-]{0,24}",
        ]
        .prop_map(Value::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("tasks".to_string()),
                    Just("times".to_string()),
                    Just("force".to_string()),
                    Just("downstream".to_string()),
                    Just("requests".to_string()),
                    Just("created".to_string()),
                    Just("additionalProperties".to_string()),
                    "[a-z]{1,6}"
                ],
                inner,
                0..4
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The fixture world's main decision as a directory (made once).
fn decision() -> (PathBuf, String) {
    static DIR: std::sync::OnceLock<(PathBuf, String)> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let work = temp_dir("no-panic");
        let world = World::from_fixture();
        let id = world_ids()["main"]["decision"].as_str().unwrap().to_string();
        let dir = work.join("decision");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in &world.tasks[&id].artifacts {
            std::fs::write(dir.join(name.trim_start_matches("public/")), bytes).unwrap();
        }
        (dir, id)
    })
    .clone()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn actions_on_generated_input_never_panic(
        input in value(),
        callback in prop_oneof![Just("add-new-jobs"), Just("retrigger"), Just("retrigger-multiple"), Just("rebuild-cached-tasks")],
    ) {
        let (dir, id) = decision();
        let work = dir.parent().unwrap().join(format!("run-{}", std::thread::current().name().unwrap_or("t").replace(':', "_")));
        std::fs::create_dir_all(&work).unwrap();
        let input_path = work.join("input.json");
        std::fs::write(&input_path, input.to_string()).unwrap();
        let kinds = kinds();
        let task_id = world_ids()["main"]["label-to-taskid"]["lint-clippy"].as_str().unwrap().to_string();
        let cli = tg_action::Cli::parse_from([
            "tg-action", "test", "-q", "-r", kinds.to_str().unwrap(), "--decision-dir", dir.to_str().unwrap(),
            "--decision-task-id", &id, "--task-id", &task_id, "--input", input_path.to_str().unwrap(),
            "--artifacts", work.join("artifacts").to_str().unwrap(), "--seed", "1", callback,
        ]);
        let mut out = Vec::new();
        let _ = tg_action::run(cli, &|_| None, &mut out);
    }

    #[test]
    fn schemas_and_definitions_never_panic(input in value()) {
        for action in tg_action::registry::builtin_actions() {
            if let Some(schema) = &action.schema {
                let _ = tg_action::schema::validate(&input, schema);
            }
        }
        let _ = tg_action::create::relativize_datestamps(&input);
        let text = input.to_string();
        let _ = tg_action::decision::parse_full_graph(text.as_bytes(), "generated");
        let _ = tg_action::decision::parse_label_map(text.as_bytes(), "generated");
        let _ = tg_action::decision::parse_parameters(text.as_bytes(), "generated");
    }

    #[test]
    fn repository_urls_never_panic(url in "[a-z@:/.]{0,30}") {
        let _ = tg_action::repo_url::taskcluster_role_prefix(&url);
    }
}
