//! Bad input never panics the run, fetch and cached_tasks transforms: valid task descriptions
//! with random values planted at random places (generated) either transform or fail with an
//! error naming the kind and task.

use indexmap::IndexMap;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::path::PathBuf;
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_transform::{registry, TaskDict, TransformConfig};

/// Any JSON value, a few levels deep.
fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        "[a-z{}/.\\-]{0,8}".prop_map(Value::String),
        Just(json!("{checkout}/x")),
        Just(json!("run-task")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\\-]{1,12}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Keys the transforms read, so that planted values land where they matter.
const PATHS: &[&[&str]] = &[
    &["run"],
    &["run", "using"],
    &["run", "command"],
    &["run", "checkout"],
    &["run", "cwd"],
    &["run", "use-caches"],
    &["run", "workdir"],
    &["run", "run-task-command"],
    &["run", "exec-with"],
    &["run", "script"],
    &["run", "resources"],
    &["run", "arguments"],
    &["run", "index-search"],
    &["run", "toolchain-artifact"],
    &["worker"],
    &["worker", "env"],
    &["worker", "artifacts"],
    &["worker", "docker-image"],
    &["worker-type"],
    &["fetches"],
    &["fetches", "fetch"],
    &["fetches", "build"],
    &["dependencies"],
    &["attributes"],
    &["when"],
    &["name"],
    &["label"],
    &["tags"],
    &["scopes"],
    &["cache"],
    &["cache", "digest-data"],
    &["fetch"],
    &["fetch", "type"],
    &["fetch", "size"],
    &["fetch", "revision"],
    &["fetch", "headers"],
    &["artifact-prefix"],
];

fn plant(task: &mut Map<String, Value>, path: &[&str], value: Value) {
    let (last, parents) = path.split_last().unwrap();
    let mut cur = task;
    for key in parents {
        let slot = cur.entry(key.to_string()).or_insert_with(|| json!({}));
        if !slot.is_object() {
            *slot = json!({});
        }
        cur = slot.as_object_mut().unwrap();
    }
    cur.insert(last.to_string(), value);
}

fn graph_config() -> GraphConfig {
    let config = json!({
        "trust-domain": "zoo",
        "task-priority": "low",
        "taskgraph": {"repositories": {"ci": {"name": "Zoo"}}},
        "workers": {"aliases": {
            "b-linux": {"provisioner": "p", "implementation": "docker-worker", "os": "linux", "worker-type": "b"},
            "b-win": {"provisioner": "p", "implementation": "generic-worker", "os": "windows", "worker-type": "w"},
        }},
    });
    GraphConfig { config: config.as_object().unwrap().clone(), root_dir: PathBuf::from("/nonexistent/taskcluster") }
}

fn params() -> Parameters {
    let p = json!({"level": "3", "tasks_for": "github-push", "build_date": 0, "moz_build_date": "x",
                   "base_repository": "b", "head_repository": "h", "head_ref": "r", "head_rev": "v",
                   "repository_type": "git", "project": "zoo"});
    Parameters::from_map(p.as_object().unwrap().clone())
}

fn base_tasks() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        (
            "test",
            "taskgraph.transforms.run",
            json!({"name": "a", "description": "d", "worker-type": "b-linux",
            "run": {"using": "run-task", "command": "x"}, "fetches": {"fetch": ["node"]}}),
        ),
        (
            "test",
            "taskgraph.transforms.run",
            json!({"name": "w", "description": "d", "worker-type": "b-win",
            "run": {"using": "run-task", "command": ["x"], "cwd": "{checkout}"}}),
        ),
        (
            "toolchain",
            "taskgraph.transforms.run",
            json!({"name": "t", "description": "d", "worker-type": "b-linux",
            "worker": {"env": {}}, "run": {"using": "toolchain-script", "script": "s.sh", "toolchain-artifact": "a"}}),
        ),
        (
            "fetch",
            "taskgraph.transforms.fetch",
            json!({"name": "f", "description": "d",
            "fetch": {"type": "static-url", "url": "https://x/y", "sha256": "0", "size": 1}}),
        ),
        (
            "toolchain",
            "taskgraph.transforms.cached_tasks",
            json!({"label": "toolchain-c", "attributes": {},
            "cache": {"type": "t", "name": "n", "digest-data": ["a"]}, "dependencies": {"x": "fetch-node"}}),
        ),
    ]
}

fn fetch_dep() -> IndexMap<String, Task> {
    let t: Task = serde_json::from_value(json!({"kind": "fetch", "label": "fetch-node",
        "attributes": {"fetch-artifact": "public/n", "cached_task": {"type": "a", "name": "b", "digest": "c"}},
        "task": {}}))
    .unwrap();
    IndexMap::from([(t.label.clone(), t)])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]
    #[test]
    fn random_fields_never_panic(which in 0usize..5, plants in prop::collection::vec((0..PATHS.len(), any_value()), 1..4)) {
        let _env = crate::env_lock();
        std::env::set_var("TASKCLUSTER_ROOT_URL", "https://tc.example.com");
        let (kind, module, base) = base_tasks().swap_remove(which);
        let mut task: TaskDict = base.as_object().unwrap().clone();
        for (i, v) in plants {
            plant(&mut task, PATHS[i], v);
        }
        let gc = graph_config();
        let params = params();
        let deps = fetch_dep();
        let kind_path = PathBuf::from(format!("taskcluster/kinds/{kind}"));
        let kind_config = Map::new();
        let config = TransformConfig {
            kind, path: &kind_path, config: &kind_config, params: &params,
            kind_dependencies_tasks: &deps, graph_config: &gc, log: Log::quiet("tg-transform"), docker_contexts: None,
        };
        let step = registry::lookup(module).unwrap();
        if let Err(e) = step(&config, vec![task]) {
            let msg = format!("{e:#}");
            prop_assert!(msg.starts_with(&format!("kind {kind}")), "error does not name the kind: {msg}");
        }
    }
}
