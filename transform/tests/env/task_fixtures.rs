//! Table-driven tests of taskgraph.transforms.task: every case of every fixture file under
//! tests/fixtures/task/ runs through the native transform sequence the file names, and the
//! output must equal what taskgraph 24.5.1 produced for the same input (stored in the file).
//!
//! Regenerate the expected outputs (needs Python with taskcluster-taskgraph 24.5.1):
//!     python3 transform/tests/py/run_transform.py --update transform/tests/fixtures/task/*.json
//! The rw-*.json inputs were captured from the real-world repositories with
//! transform/tests/py/capture_task_inputs.py (see that script).

use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::params::Parameters;
use tg_core::task::Task;
use tg_transform::{registry, TransformConfig};

/// One fixture file's outcome: (case name, failure description) for each failing case.
fn run_fixture(path: &Path) -> (usize, Vec<(String, String)>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let fixture: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let get = |k: &str| fixture.get(k).cloned().unwrap_or(Value::Null);
    let kind = get("kind").as_str().unwrap_or_default().to_string();
    let kind_path =
        PathBuf::from(get("path").as_str().map(str::to_string).unwrap_or(format!("taskcluster/kinds/{kind}")));
    let kind_config = get("kind_config").as_object().cloned().unwrap_or_default();
    let params = Parameters::from_map(get("params").as_object().cloned().unwrap_or_default());
    let root_dir = path.parent().unwrap().join(get("root_dir").as_str().unwrap_or("no-such-root"));
    let graph_config = GraphConfig { config: get("graph_config").as_object().cloned().unwrap_or_default(), root_dir };
    let mut deps: IndexMap<String, Task> = IndexMap::new();
    for t in get("kind_dependencies_tasks").as_array().cloned().unwrap_or_default() {
        let task: Task = serde_json::from_value(t).expect("kind_dependencies_tasks entry");
        deps.insert(task.label.clone(), task);
    }
    let steps: Vec<_> = get("transforms")
        .as_array()
        .expect("transforms")
        .iter()
        .map(|n| registry::lookup(n.as_str().unwrap()).unwrap_or_else(|| panic!("unknown transform {n}")))
        .collect();
    let config = TransformConfig {
        kind: &kind,
        path: &kind_path,
        config: &kind_config,
        params: &params,
        kind_dependencies_tasks: &deps,
        graph_config: &graph_config,
        log: Log::quiet("tg-transform"),
        docker_contexts: None,
    };
    // the fixture's environment (e.g. TASK_ID), for this file only; one test thread runs the files
    let env: Vec<(String, String)> = get("env")
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default();
    for (k, v) in &env {
        std::env::set_var(k, v);
    }
    let cases = get("cases").as_array().cloned().unwrap_or_default();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap_or("?").to_string();
        let input: Vec<Map<String, Value>> =
            serde_json::from_value(case["input"].clone()).expect("input: list of mappings");
        let mut result = Ok(input);
        for step in &steps {
            result = result.and_then(|tasks| step(&config, tasks));
        }
        match (result, case.get("expected"), case.get("error")) {
            (Ok(out), Some(expected), _) => {
                let got = Value::Array(out.into_iter().map(Value::Object).collect());
                if &got != expected {
                    failures.push((name, diff(expected, &got)));
                }
            }
            (Err(e), None, Some(err)) => {
                let ours = format!("{e:#}");
                if let Some(theirs) = comparable_message(err.as_str().unwrap_or_default()) {
                    if !ours.contains(&theirs) {
                        failures.push((name, format!("both fail, but taskgraph says {theirs:?} and we say {ours:?}")));
                    }
                }
            }
            (Ok(out), None, Some(err)) => {
                failures.push((name, format!("taskgraph fails ({err}) but we produced {} tasks", out.len())))
            }
            (Err(e), Some(_), _) => failures.push((name, format!("we fail: {e:#}"))),
            (_, None, None) => {
                failures.push((name, "no expected output recorded (run run_transform.py --update)".into()))
            }
        }
    }
    for (k, _) in &env {
        std::env::remove_var(k);
    }
    (cases.len(), failures)
}

/// The part of taskgraph's error that ours must contain: the schema message (second line of a
/// SchemaValidationError) or the message of an explicit raise; None for Python crashes
/// (KeyError, TypeError, ...) whose wording we do not copy.
fn comparable_message(err: &str) -> Option<String> {
    let (kind, message) = err.split_once(": ")?;
    match kind {
        "SchemaValidationError" => message.lines().nth(1).map(str::to_string),
        "Exception" | "RuntimeError" | "AssertionError" => message.lines().next().map(str::to_string),
        "ValueError" if message.starts_with("Unknown index-type") => Some(message.to_string()),
        _ => None,
    }
}

/// The first differing paths between two JSON values.
fn diff(expected: &Value, got: &Value) -> String {
    let mut out = Vec::new();
    walk("", expected, got, &mut out);
    out.truncate(8);
    out.join("\n    ")
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    Some(w) => walk(&format!("{path}.{k}"), v, w, out),
                    None => out.push(format!("{path}.{k}: missing (expected {v})")),
                }
            }
            for k in y.keys().filter(|k| !x.contains_key(*k)) {
                out.push(format!("{path}.{k}: unexpected {}", y[k]));
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                walk(&format!("{path}[{i}]"), v, w, out);
            }
        }
        _ if a != b => out.push(format!("{path}: expected {a}, got {b}")),
        _ => {}
    }
}

#[test]
fn task_fixtures_match_taskgraph() {
    let _env = crate::env_lock();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/task");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    let (mut total, mut failed) = (0, Vec::new());
    for file in &files {
        let (n, failures) = run_fixture(file);
        total += n;
        let fname = file.file_name().unwrap().to_string_lossy().to_string();
        failed.extend(failures.into_iter().map(|(case, why)| format!("{fname} / {case}:\n    {why}")));
    }
    eprintln!("task fixtures: {} files, {total} cases, {} failing", files.len(), failed.len());
    assert!(failed.is_empty(), "{} of {total} cases differ from taskgraph:\n{}", failed.len(), failed.join("\n"));
}
