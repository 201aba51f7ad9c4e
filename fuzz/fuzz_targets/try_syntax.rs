//! Try option syntax (`tg_resolve::try_syntax`): a commit message (`try: -b do -p linux64 -u
//! mochitest[linux64,-windows] ...`) is extracted, shell-split and parsed; options that parse
//! are resolved against a fixed graph of builds, tests, talos and jobs and matched task by
//! task, as `tg-resolve --target-tasks-method try_option_syntax` does. Errors are messages,
//! never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use tg_core::task::Task;
use tg_resolve::try_syntax::{
    annotate_selected, escape_whitespace_in_brackets, extract, notification_routes, parse_message, TryOptionSyntax,
};

fn task(kind: &str, label: &str, attributes: Value) -> Task {
    Task {
        kind: kind.into(),
        label: label.into(),
        description: String::new(),
        attributes: attributes.as_object().cloned().unwrap_or_default(),
        dependencies: Default::default(),
        soft_dependencies: vec![],
        if_dependencies: vec![],
        optimization: None,
        task: json!({"routes": []}),
        task_id: None,
    }
}

/// A small graph with every attribute try syntax looks at.
fn graph() -> &'static (Vec<Task>, Map<String, Value>) {
    static GRAPH: OnceLock<(Vec<Task>, Map<String, Value>)> = OnceLock::new();
    GRAPH.get_or_init(|| {
        let tasks = vec![
            task("build", "build-linux64/opt", json!({"build_type": "opt", "build_platform": "linux64", "run_on_projects": ["try"]})),
            task("build", "build-linux64/debug", json!({"build_type": "debug", "build_platform": "linux64"})),
            task("build", "build-win64/opt", json!({"build_type": "opt", "build_platform": "win64", "nightly": true})),
            task("build", "build-android/opt", json!({"build_type": "opt", "build_platform": ["android-api-16", "android"]})),
            task("test", "test-linux64/opt-mochitest-1", json!({"build_type": "opt", "build_platform": "linux64", "test_platform": "linux64/opt", "unittest_try_name": "mochitest-1", "unittest_suite": "mochitest", "test_chunk": "1"})),
            task("test", "test-linux64/debug-gtest-3", json!({"build_type": "debug", "build_platform": "linux64", "test_platform": "linux64/debug", "unittest_try_name": "gtest", "unittest_suite": "gtest", "test_chunk": "3"})),
            task("test", "test-windows10-64/opt-reftest-e10s", json!({"build_type": "opt", "build_platform": "win64", "test_platform": "windows10-64/opt", "unittest_try_name": "reftest-e10s", "unittest_suite": "reftest"})),
            task("test", "test-linux64/opt-talos-g1", json!({"build_type": "opt", "build_platform": "linux64", "test_platform": "linux64/opt", "talos_try_name": "g1", "unittest_suite": "talos"})),
            task("source-test", "source-test-flake8", json!({"job_try_name": "flake8", "run_on_projects": ["all"]})),
            task("docker-image", "docker-image-base", json!({})),
        ];
        let config = json!({"try": {"ridealong-builds": {"linux64": ["linux64-shippable"], "bad": "not-a-list"}}});
        (tasks, config.as_object().cloned().unwrap_or_default())
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(message) = tg_fuzz::text(data) else { return };
    if let Some(line) = extract(message) {
        let _ = escape_whitespace_in_brackets(line);
    }
    let Ok(args) = parse_message(message) else { return };
    let (tasks, config) = graph();
    let set: Vec<&Task> = tasks.iter().collect();
    let Ok(options) = TryOptionSyntax::new(&args, &set, config) else { return };
    let mut annotated = tasks.clone();
    for t in &mut annotated {
        if options.task_matches(t) {
            annotate_selected(t, &options);
        }
    }
    let _ = notification_routes(&options, "owner@example.com");
});
