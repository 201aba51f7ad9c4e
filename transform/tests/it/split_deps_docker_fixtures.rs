//! Fixture tests of docker_image, matrix, chunking, from_deps, task_context, notify and
//! code_review: expected outputs from taskgraph 24.5.1 (tests/py/run_transform_tree.py; inputs
//! made by tests/py/gen_fixtures_split_deps_docker.py).

use crate::fixture_tree;

#[test]
fn docker_image() {
    fixture_tree::run_module("docker_image");
}

#[test]
fn matrix() {
    fixture_tree::run_module("matrix");
}

#[test]
fn chunking() {
    fixture_tree::run_module("chunking");
}

#[test]
fn from_deps() {
    fixture_tree::run_module("from_deps");
}

#[test]
fn task_context() {
    fixture_tree::run_module("task_context");
}

#[test]
fn notify() {
    fixture_tree::run_module("notify");
}

#[test]
fn code_review() {
    fixture_tree::run_module("code_review");
}

/// The realworld docker digests that taskgraph 24.5.1 computed on the data-only trees and that
/// also equal the digests in the stored reference graphs (reference/full-task-graph.json).
#[test]
fn docker_digests_match_reference_graphs() {
    let dir = fixture_tree::crate_dir().join("tests/fixtures/docker_image");
    let mut checked = 0;
    let mut paths: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    paths.sort();
    for path in paths {
        if !path.file_name().unwrap().to_string_lossy().starts_with("realworld-") {
            continue;
        }
        let fixture: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // `None`: ../shared is absent (a loud skip, or a failure under CI, was already reported).
        let Some(tasks) = fixture_tree::run_fixture_tasks(&path) else { return };
        let tasks = tasks.expect("realworld docker fixture runs");
        for (label, hash) in fixture["reference_hashes"].as_object().unwrap() {
            let task = tasks.iter().find(|t| t["label"] == *label).expect("task present");
            assert_eq!(&task["worker"]["env"]["HASH"], hash, "{label}");
            checked += 1;
        }
    }
    eprintln!("{checked} docker context digests equal the reference graphs'");
    assert!(checked >= 30, "only {checked} digests checked");
}
