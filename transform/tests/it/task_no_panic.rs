//! Bad input never panics the task transforms: generated task descriptions (known keys with
//! values of any JSON shape, around a valid docker-worker / generic-worker task) either
//! transform or fail with an error that names the kind and task.

use indexmap::IndexMap;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_transform::TransformConfig;

/// Keys the task transforms read, at the top level and in `worker`.
const TASK_KEYS: &[&str] = &[
    "name",
    "label",
    "description",
    "worker-type",
    "worker",
    "always-target",
    "optimization",
    "needs-sccache",
    "attributes",
    "task-from",
    "dependencies",
    "priority",
    "soft-dependencies",
    "if-dependencies",
    "requires",
    "expires-after",
    "deadline-after",
    "routes",
    "scopes",
    "tags",
    "extra",
    "treeherder",
    "index",
    "run-on-projects",
    "run-on-tasks-for",
    "run-on-git-branches",
    "shipping-phase",
];
const WORKER_KEYS: &[&str] = &[
    "implementation",
    "os",
    "docker-image",
    "max-run-time",
    "env",
    "command",
    "caches",
    "artifacts",
    "volumes",
    "retry-exit-status",
    "purge-caches-exit-status",
    "taskcluster-proxy",
    "chain-of-trust",
    "allow-ptrace",
    "loopback-video",
    "mounts",
    "os-groups",
    "run-as-administrator",
    "release-properties",
    "upstream-artifacts",
];

/// Any small JSON value, with strings drawn from ones the transforms care about.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..5).prop_map(|n| json!(n)),
        Just(json!(1.5)),
        prop::sample::select(vec![
            "",
            "x",
            "docker-worker",
            "generic-worker",
            "beetmover",
            "succeed",
            "invalid",
            "linux",
            "windows",
            "b-linux",
            "t-win",
            "I(x)",
            "a(b",
            "default/opt",
            "by-tier",
            "build_date",
            "run-task",
            "public/x",
            "/usr/local/bin/run-task",
            "{level}",
            "{oops",
            "in-tree",
            "indexed",
            "docker-image",
            "self",
        ])
        .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(
                        [
                            TASK_KEYS,
                            WORKER_KEYS,
                            &[
                                "in-tree",
                                "indexed",
                                "name",
                                "mount-point",
                                "type",
                                "path",
                                "symbol",
                                "tier",
                                "platform",
                                "product",
                                "job-name",
                                "rank",
                                "task-reference",
                                "by-build-platform",
                                "default"
                            ]
                        ]
                        .concat()
                    ),
                    inner
                ),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// A valid task, then some keys replaced by arbitrary values.
fn mutated_task() -> impl Strategy<Value = Map<String, Value>> {
    let base = prop_oneof![
        Just(json!({"name": "d", "description": "x", "worker-type": "b-linux",
            "worker": {"docker-image": {"in-tree": "withvol"}, "max-run-time": 10, "command": ["/usr/local/bin/run-task", "x"],
                       "caches": [{"name": "c", "mount-point": "/c"}], "artifacts": [{"type": "file", "name": "n", "path": "/p"}]},
            "treeherder": {"symbol": "I(x)"}, "index": {"product": "widget", "job-name": "j"}})),
        Just(json!({"name": "g", "description": "x", "worker-type": "t-win",
            "worker": {"command": ["x"], "max-run-time": 10, "mounts": [{"cache-name": "c", "directory": "d"}], "os-groups": ["a"]}})),
        Just(json!({"name": "s", "description": "x", "worker-type": "succeed"})),
    ];
    let top = prop::collection::vec((prop::sample::select(TASK_KEYS), any_json()), 0..4);
    let worker = prop::collection::vec((prop::sample::select(WORKER_KEYS), any_json()), 0..4);
    (base, top, worker).prop_map(|(mut task, top, worker)| {
        for (k, v) in worker {
            if let Some(Value::Object(w)) = task.get_mut("worker") {
                w.insert(k.to_string(), v);
            }
        }
        for (k, v) in top {
            task[k] = v;
        }
        task.as_object().cloned().unwrap_or_default()
    })
}

fn graph_config(root: &Path) -> GraphConfig {
    let config = json!({
        "trust-domain": "tdom",
        "task-priority": {"by-project": {"widget": "high", "default": "low"}},
        "treeherder": {"group-names": {"I": "Images"}},
        "index": {"products": ["widget"]},
        "taskgraph": {"repositories": {"ci": {"name": "W"}}},
        "workers": {"aliases": {
            "b-linux": {"provisioner": "p-{level}", "implementation": "docker-worker", "os": "linux", "worker-type": "{alias}"},
            "t-win": {"provisioner": {"by-level": {"3": "a", "default": "b"}}, "implementation": "generic-worker", "os": "windows", "worker-type": "w"},
        }},
    });
    GraphConfig { config: config.as_object().cloned().unwrap_or_default(), root_dir: root.to_path_buf() }
}

fn params() -> Parameters {
    let p = json!({
        "base_repository": "https://github.com/e/w", "build_date": 1700000000, "head_repository": "https://github.com/e/w",
        "head_rev": "abc", "level": "3", "owner": "o@e.com", "project": "widget", "pushlog_id": "1",
        "repository_type": "git", "tasks_for": "github-push",
    });
    Parameters::from_map(p.as_object().cloned().unwrap_or_default())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, .. ProptestConfig::default() })]
    #[test]
    fn task_transforms_never_panic(task in mutated_task()) {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/task/roots/synthetic");
        let gc = graph_config(&root);
        let params = params();
        let kind_config = Map::new();
        let deps: IndexMap<String, Task> = IndexMap::new();
        let path = PathBuf::from("taskcluster/kinds/k");
        let config = TransformConfig {
            kind: "k", path: &path, config: &kind_config, params: &params,
            kind_dependencies_tasks: &deps, graph_config: &gc, log: Log::quiet("tg-transform"), docker_contexts: None,
        };
        match tg_transform::transforms::task::transforms(&config, vec![task]) {
            Ok(out) => prop_assert_eq!(out.len(), 1),
            Err(e) => prop_assert!(format!("{e:#}").starts_with("kind k, task "), "{e:#}"),
        }
    }
}
