//! Generated inputs never make docker_image, matrix, chunking, from_deps, task_context, notify or
//! code_review panic: they return tasks or an error.

use indexmap::IndexMap;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_transform::TransformConfig;

const MODULES: &[&str] = &[
    "taskgraph.transforms.docker_image",
    "taskgraph.transforms.matrix",
    "taskgraph.transforms.chunking",
    "taskgraph.transforms.from_deps",
    "taskgraph.transforms.task_context",
    "taskgraph.transforms.notify",
    "taskgraph.transforms.code_review",
];

/// Keys the modules read, plus a few others.
const KEYS: &[&str] = &[
    "name",
    "label",
    "matrix",
    "exclude",
    "set-name",
    "substitution-fields",
    "chunk",
    "total-chunks",
    "task-context",
    "from-parameters",
    "from-object",
    "from-file",
    "from-custom",
    "resolve-keyed-by-options",
    "defer",
    "from-deps",
    "kinds",
    "group-by",
    "attribute",
    "all",
    "single",
    "with-attributes",
    "copy-attributes",
    "unique-kinds",
    "fetches",
    "artifact",
    "dest",
    "notify",
    "notifications",
    "recipients",
    "type",
    "address",
    "status-type",
    "content",
    "email",
    "emails",
    "subject",
    "routes",
    "attributes",
    "dependencies",
    "soft-dependencies",
    "args",
    "packages",
    "parent",
    "definition",
    "symbol",
    "cache",
    "index",
    "by-platform",
    "by-level",
    "default",
    "platform",
    "build",
    "x",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..6).prop_map(|n| json!(n)),
        Just(json!(1.5)),
        "[a-z{}\\[\\].$-]{0,8}".prop_map(Value::String),
        prop::sample::select(KEYS).prop_map(|k| Value::String(k.to_string())),
    ];
    leaf.prop_recursive(4, 40, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(prop::sample::select(KEYS), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

fn arb_task() -> impl Strategy<Value = Map<String, Value>> {
    btree_map(prop::sample::select(KEYS), arb_json(), 0..6)
        .prop_map(|m| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

fn dep(kind: &str, label: &str, attributes: Value) -> Task {
    Task {
        kind: kind.into(),
        label: label.into(),
        description: String::new(),
        attributes: attributes.as_object().cloned().unwrap_or_default(),
        dependencies: IndexMap::new(),
        soft_dependencies: vec![],
        if_dependencies: vec![],
        optimization: None,
        task: json!({}),
        task_id: None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]
    #[test]
    fn no_panics(tasks in vec(arb_task(), 0..3), module in prop::sample::select(MODULES)) {
        let root = PathBuf::from("/nonexistent-tg-root/taskcluster");
        let graph_config = GraphConfig { config: json!({"trust-domain": "t"}).as_object().cloned().unwrap(), root_dir: root.clone() };
        let params = Parameters::from_map(json!({"level": "3", "project": "p", "base_repository": "b",
            "head_repository": "h", "head_rev": "r", "repository_type": "git"}).as_object().cloned().unwrap());
        let kind_config = json!({"kind-dependencies": ["build", "packages"]}).as_object().cloned().unwrap();
        let deps: IndexMap<String, Task> = [
            dep("build", "build-a", json!({"platform": "a", "code-review": true, "x": [1]})),
            dep("build", "build-b", json!({"platform": "b", "x": {"k": 1}})),
            dep("packages", "packages-x", json!({})),
        ].into_iter().map(|t| (t.label.clone(), t)).collect();
        let config = TransformConfig {
            kind: "k",
            path: &root,
            config: &kind_config,
            params: &params,
            kind_dependencies_tasks: &deps,
            graph_config: &graph_config,
            log: Log::quiet("test"), docker_contexts: None,
        };
        let step = tg_transform::registry::lookup(module).unwrap();
        let _ = step(&config, tasks);
    }
}
