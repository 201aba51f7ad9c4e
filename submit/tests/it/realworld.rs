//! tg-submit's createTask bodies and decision artifacts against Python taskgraph 24.5.1's, as
//! recorded in fixtures/realworld.json by fixtures/make_expected.py (same inputs: the reference
//! morphed graph of each case, decision task id and clock fixed). Cases: the repository's
//! example (kinds/ with tests/golden/) and the real-world cases of ../shared/realworld.

use crate::common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// `{taskId: definition}` with keys sorted, compact: the digest form make_expected.py uses.
fn canonical_requests(jsonl: &str) -> String {
    let mut map = serde_json::Map::new();
    for line in jsonl.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        map.insert(v["taskId"].as_str().unwrap().to_string(), v["task"].clone());
    }
    serde_json::to_string(&tg_submit::artifacts::sorted(&Value::Object(map))).unwrap()
}

/// The reference morphed graph (an object keyed by taskId) as JSON lines with `task_id`.
fn morphed_lines(reference: &Path) -> String {
    let text = std::fs::read_to_string(reference.join("morphed-task-graph.json")).unwrap();
    let graph: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    let mut out = String::new();
    for (task_id, mut task) in graph {
        task["task_id"] = Value::String(task_id);
        out.push_str(&task.to_string());
        out.push('\n');
    }
    out
}

/// Root, parameters and reference directory of a fixture case, if present here.
fn case_paths(name: &str, source: &str) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    if source == "example" {
        return Some((repo.join("kinds"), repo.join("tests/golden/parameters.yml"), repo.join("tests/golden")));
    }
    let dir = shared_dir()?.join("realworld").join(name);
    if !testkit::require(dir.is_dir(), format!("{} not found", dir.display())) {
        return None;
    }
    Some((dir.join("config/taskcluster"), dir.join("parameters.yml"), dir.join("reference")))
}

#[test]
fn requests_and_artifacts_match_python_taskgraph() {
    let fixture: Value = serde_json::from_str(include_str!("../fixtures/realworld.json")).unwrap();
    let now = fixture["now"].as_str().unwrap();
    let decision = fixture["decision_task_id"].as_str().unwrap();
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for (case, expected) in fixture["cases"].as_object().unwrap() {
        let Some((root, params, reference)) = case_paths(case, expected["source"].as_str().unwrap()) else { continue };
        let out_dir = temp_dir(&format!("realworld-{case}"));
        let art = out_dir.join("artifacts");
        let queue = out_dir.join("queue");
        let output = std::process::Command::new(assert_cmd::cargo::cargo_bin("tg-submit"))
            .arg("-r")
            .arg(&root)
            .arg("-p")
            .arg(&params)
            .args(["--now", now, "--decision-task-id", decision, "--dry-run"])
            .arg("--dry-run-dir")
            .arg(&queue)
            .arg("--artifacts")
            .arg(&art)
            .arg("--full-graph")
            .arg(reference.join("full-task-graph.json"))
            .arg("--target-tasks")
            .arg(reference.join("target-tasks.json"))
            .arg(out_dir.join("morphed.jsonl"))
            .env_remove("TASK_ID")
            .output_with_input(&morphed_lines(&reference), &out_dir.join("morphed.jsonl"));
        assert_eq!(output.status.code(), Some(0), "{case}: {}", String::from_utf8_lossy(&output.stderr));
        let requests = std::fs::read_to_string(queue.join("createTask.jsonl")).unwrap();
        assert_eq!(requests.lines().count() as u64, expected["tasks"].as_u64().unwrap(), "{case}");
        let got = sha256_hex(canonical_requests(&requests).as_bytes());
        if got != expected["create_tasks_sha256"].as_str().unwrap() {
            mismatches.push(format!("{case}: createTask bodies"));
        }
        // Without --artifacts the records are read lean and the bodies held as text
        // (`SubmitGraph::read_lean`): the requests must be the same, byte for byte.
        let lean_queue = out_dir.join("queue-lean");
        let lean = std::process::Command::new(assert_cmd::cargo::cargo_bin("tg-submit"))
            .arg("-r")
            .arg(&root)
            .arg("-p")
            .arg(&params)
            .args(["--now", now, "--decision-task-id", decision, "--dry-run"])
            .arg("--dry-run-dir")
            .arg(&lean_queue)
            .arg(out_dir.join("morphed.jsonl"))
            .env_remove("TASK_ID")
            .output()
            .unwrap();
        assert_eq!(lean.status.code(), Some(0), "{case}: {}", String::from_utf8_lossy(&lean.stderr));
        if std::fs::read_to_string(lean_queue.join("createTask.jsonl")).unwrap() != requests {
            mismatches.push(format!("{case}: createTask requests without --artifacts"));
        }
        for (name, digest) in expected["artifacts_sha256"].as_object().unwrap() {
            let bytes = std::fs::read(art.join(name)).unwrap_or_default();
            if sha256_hex(&bytes) != digest.as_str().unwrap() {
                mismatches.push(format!("{case}: {name}"));
            }
        }
        checked += 1;
    }
    eprintln!("checked {checked} cases against Python taskgraph");
    assert!(checked >= 1, "the example case always runs");
    assert!(
        mismatches.is_empty(),
        "differences from Python taskgraph (run `python3 submit/tests/fixtures/make_expected.py OUT` to see its outputs): {mismatches:#?}"
    );
}

/// Write the input to a file first, then run (keeps the command line readable above).
trait OutputWithInput {
    fn output_with_input(&mut self, input: &str, path: &Path) -> std::process::Output;
}

impl OutputWithInput for std::process::Command {
    fn output_with_input(&mut self, input: &str, path: &Path) -> std::process::Output {
        std::fs::write(path, input).unwrap();
        self.output().unwrap()
    }
}
