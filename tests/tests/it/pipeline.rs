//! The whole pipeline through the real binaries on the embedded example, compared with Python
//! taskgraph 24.5.1's outputs stored in tests/golden (regenerate with `cargo xtask golden`),
//! plus jq between stages and the decision script.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tg_tests::{bin_dir, compare_graphs, repo_root, sh, shared_dir};

/// Copy kinds/ to `<tmp>/taskcluster` in a one-commit git repository, as
/// tests/golden/regenerate.sh lays it out for Python.
fn stage_example(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-e2e-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let kinds = repo_root().join("kinds");
    let script = format!(
        "cp -r '{}' taskcluster && git init -q && git remote add origin https://github.com/example/widget \
         && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm example",
        kinds.display()
    );
    let out = sh(&script, &dir);
    assert!(out.status.success(), "staging failed: {}", String::from_utf8_lossy(&out.stderr));
    dir
}

fn golden(name: &str) -> PathBuf {
    repo_root().join("tests/golden").join(name)
}

const P: &str = "-r taskcluster -p taskcluster/parameters.yml";

/// Tasks of a JSON-lines stream or a taskgraph JSON object, by label, with set-like lists sorted.
fn tasks_by_label(text: &str) -> BTreeMap<String, Value> {
    let values: Vec<Value> = match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m.into_iter().map(|(_, v)| v).collect(),
        _ => text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect(),
    };
    values
        .into_iter()
        .map(|mut t| {
            for key in ["soft_dependencies", "if_dependencies"] {
                if let Some(Value::Array(a)) = t.get_mut(key) {
                    a.sort_by_key(|v| v.to_string());
                }
            }
            (t["label"].as_str().unwrap_or_default().to_string(), t)
        })
        .collect()
}

fn run_ok(script: &str, cwd: &Path) -> String {
    let out = sh(script, cwd);
    assert!(out.status.success(), "`{script}` failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn assert_same_tasks(expected: &str, actual: &str, what: &str) {
    let (e, a) = (tasks_by_label(expected), tasks_by_label(actual));
    let missing: Vec<_> = e.keys().filter(|k| !a.contains_key(*k)).collect();
    let extra: Vec<_> = a.keys().filter(|k| !e.contains_key(*k)).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{what}: missing {missing:?}, extra {extra:?}");
    for (label, task) in &e {
        assert_eq!(&a[label], task, "{what}: task {label} differs");
    }
}

#[test]
fn example_full_graph_equals_python() {
    let dir = stage_example("full");
    let ours = run_ok(&format!("tg-load {P} | tg-transform {P}"), &dir);
    // The pipeline's stdout is a pipe: its last stage's end-of-stream record ends it.
    let ours = testkit::unsealed(&ours, "tg-transform");
    let expected = std::fs::read_to_string(golden("full-task-graph.json")).unwrap();
    assert_same_tasks(&expected, &ours, "full graph");
}

#[test]
fn example_target_graph_equals_python() {
    let dir = stage_example("target");
    let ours =
        testkit::unsealed(&run_ok(&format!("tg-load {P} | tg-transform {P} | tg-resolve {P}"), &dir), "tg-resolve");
    let expected = std::fs::read_to_string(golden("target-task-graph.json")).unwrap();
    assert_same_tasks(&expected, &ours, "target graph");
    let labels = run_ok(&format!("tg-load {P} | tg-transform {P} | tg-resolve {P} --labels"), &dir);
    let ours: Vec<String> = labels.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let expected: BTreeMap<String, Value> =
        tasks_by_label(&std::fs::read_to_string(golden("target-tasks.json")).unwrap());
    assert_eq!(ours, expected.keys().cloned().collect::<Vec<_>>());
}

#[test]
fn example_morphed_graph_equals_python() {
    let Some(shared) = shared_dir() else { return };
    let dir = stage_example("morphed");
    let ours = run_ok(
        &format!(
            "tg-load {P} | tg-transform {P} | tg-resolve {P} | tg-optimize {P} --index empty --seed 7 | tg-morph {P}"
        ),
        &dir,
    );
    let actual = dir.join("morphed.jsonl");
    std::fs::write(&actual, testkit::unsealed(&ours, "tg-morph")).unwrap();
    let (same, total, report) = compare_graphs(&shared, &golden("morphed-task-graph.json"), &actual);
    assert!(total > 0 && same == total, "morphed graph: {same}/{total}\n{report}");
}

#[test]
fn jq_between_stages_leaves_a_valid_stream() {
    let dir = stage_example("jq");
    let out = run_ok(
        &format!(
            "tg-load {P} | jq -c 'select(.kind != \"code-review\")' | tg-transform {P} \
             | jq -c 'select(.kind != \"lint\")' | tg-resolve {P} --labels"
        ),
        &dir,
    );
    assert!(!out.is_empty());
    assert!(!out.contains("lint-") && !out.contains("code-review"), "{out}");
}

#[test]
fn removing_a_needed_task_names_the_dangling_label() {
    let dir = stage_example("dangling");
    let out = sh(
        &format!("tg-load {P} | tg-transform {P} | jq -c 'select(.label != \"docker-image-base\")' | tg-resolve {P}"),
        &dir,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("docker-image-base") && err.contains("not in the graph"), "{err}");
    assert!(out.stdout.is_empty(), "a whole-graph stage wrote a partial graph");
}

#[test]
fn closing_the_pipe_early_is_success() {
    let dir = stage_example("head");
    let out = run_ok(&format!("tg-load {P} | head -1; tg-load {P} | tg-transform {P} | head -1"), &dir);
    assert_eq!(out.lines().count(), 2);
}

#[test]
fn decision_script_submits_to_the_dry_run_queue() {
    let dir = stage_example("decision");
    let out_dir = dir.join("out");
    let script = format!(
        "env -u TASKCLUSTER_ROOT_URL TG_BIN='{}' TG_ROOT=taskcluster TG_PARAMETERS=taskcluster/parameters.yml TG_OUT='{}' bash '{}'",
        bin_dir().display(),
        out_dir.display(),
        repo_root().join("kinds/decision.sh").display()
    );
    run_ok(&script, &dir);
    // Saved with `tee` from the pipe: the records, then tg-morph's end-of-stream record.
    let morphed = testkit::unsealed(&std::fs::read_to_string(out_dir.join("morphed.jsonl")).unwrap(), "tg-morph");
    let queue_dir = out_dir.join("queue");
    let requests: usize = std::fs::read_dir(&queue_dir)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap().lines().count())
        .sum();
    assert_eq!(requests, morphed.lines().count(), "one createTask request per morphed task");
    for artifact in [
        "parameters.yml",
        "full-task-graph.json",
        "target-tasks.json",
        "task-graph.json",
        "label-to-taskid.json",
        "actions.json",
    ] {
        assert!(out_dir.join("artifacts").join(artifact).is_file(), "missing artifact {artifact}");
    }
}

#[test]
fn every_binary_has_help_with_a_pipeline_and_completions() {
    for bin in ["tg-load", "tg-transform", "tg-resolve", "tg-diff", "tg-optimize", "tg-morph", "tg-submit", "tg-action"]
    {
        let help = run_ok(&format!("{bin} --help"), &repo_root());
        assert!(help.contains("Example") && help.contains(" | "), "{bin} --help shows no pipeline example");
        let completion = run_ok(&format!("TG_COMPLETIONS=bash {bin}"), &repo_root());
        assert!(completion.contains("complete -F"), "{bin}: no bash completion");
    }
    assert_eq!(sh("TG_COMPLETIONS=tcsh tg-load", &repo_root()).status.code(), Some(2));
}
