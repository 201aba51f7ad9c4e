//! tg-transform on run descriptions through the real binary: a good item becomes a task, bad
//! ones exit 1 with a message naming the kind, the task and the problem (the messages taskgraph
//! 24.5.1 raises for the same input, without Python's traceback).

use assert_cmd::Command;
use std::path::{Path, PathBuf};

const CONFIG: &str = "trust-domain: zoo\ntask-priority: low\nworkers:\n  aliases:\n    b-linux:\n      provisioner: 'zoo-{level}'\n      implementation: docker-worker\n      os: linux\n      worker-type: b-linux\ntaskgraph:\n  repositories:\n    ci:\n      name: Zoo\n";
const PARAMS: &str = "base_repository: https://github.com/example/zoo\nhead_repository: https://github.com/example/zoo\nhead_ref: refs/heads/main\nhead_rev: f303f38cd4a78ec2b2607034c140f6b0cb12a24f\nbase_rev: f303f38cd4a78ec2b2607034c140f6b0cb12a24f\nrepository_type: git\nproject: zoo\nlevel: '3'\nbuild_date: 1767225600\nmoz_build_date: '20260101000000'\npushdate: 1767225600\npushlog_id: '0'\ntasks_for: github-push\nowner: nobody@mozilla.com\n";

/// A taskgraph root with one kind `test` (default loader: run + task transforms).
fn root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-run-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("kinds/test")).unwrap();
    std::fs::write(dir.join("config.yml"), CONFIG).unwrap();
    std::fs::write(dir.join("parameters.yml"), PARAMS).unwrap();
    std::fs::write(dir.join("kinds/test/kind.yml"), "tasks: {}\n").unwrap();
    dir
}

fn run(dir: &Path, item: &str) -> assert_cmd::assert::Assert {
    Command::cargo_bin("tg-transform")
        .unwrap()
        .args(["-r", dir.to_str().unwrap(), "-p", dir.join("parameters.yml").to_str().unwrap()])
        .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
        .write_stdin(testkit::sealed(format!("{item}\n")))
        .assert()
}

fn item(run_section: &str) -> String {
    format!(
        r#"{{"kind":"test","name":"a","item":{{"name":"a","description":"d","worker-type":"b-linux","worker":{{"docker-image":"python:3","max-run-time":60}},"run":{run_section}}}}}"#
    )
}

#[test]
fn a_run_task_item_becomes_a_task() {
    let dir = root("good");
    let out = run(&dir, &item(r#"{"using":"run-task","command":"make","checkout":false}"#)).success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    // One task, then tg-transform's end-of-stream record (stdout is a pipe).
    let tasks = testkit::unsealed(&stdout, "tg-transform");
    assert_eq!(tasks.lines().count(), 1, "{stdout}");
    let task: serde_json::Value = serde_json::from_str(tasks.lines().next().unwrap()).unwrap();
    assert_eq!(task["label"], "test-a");
    assert_eq!(
        task["task"]["payload"]["command"],
        serde_json::json!(["/usr/local/bin/run-task", "--", "bash", "-cx", "make"])
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_run_descriptions_exit_1_naming_kind_task_and_problem() {
    let cases = [
        (r#"{"using":"bare"}"#, "tg-transform: error: kind test, task test-a: no functions for run.using 'bare'"),
        (
            r#"{"using":"run-task","command":5}"#,
            "tg-transform: error: kind test, task test-a: In task.run using 'run-task'/'docker-worker' for task 'test-a': Expected `str | object | array`, got `int` - at `$.command`",
        ),
        (
            r#"{"using":"run-task","command":"x","checkout":false,"cwd":"{checkout}/x"}"#,
            "tg-transform: error: kind test, task test-a: Found `{checkout}` interpolation in `cwd` for task test-a but the task doesn't have a checkout: {checkout}/x",
        ),
    ];
    for (i, (run_section, message)) in cases.iter().enumerate() {
        let dir = root(&format!("bad{i}"));
        let out = run(&dir, &item(run_section)).code(1);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(stderr.lines().any(|l| l == *message), "{run_section}: stderr was:\n{stderr}");
        assert!(out.get_output().stdout.is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn a_huge_task_name_is_capped_in_the_error() {
    let dir = root("huge-name");
    let name = "n".repeat(100_000);
    let item = format!(
        r#"{{"kind":"test","name":"{name}","item":{{"name":"{name}","description":"d","worker-type":"b-linux","worker":{{"docker-image":"python:3","max-run-time":60}},"run":{{"using":"bare"}}}}}}"#
    );
    let out = run(&dir, &item).code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let line = stderr.lines().find(|l| l.contains("no functions for run.using 'bare'")).unwrap_or_default();
    assert!(line.starts_with("tg-transform: error: kind test, task test-nnn"), "stderr was:\n{stderr:.2000}");
    assert!(line.len() < 1_000, "the error line has {} bytes", line.len());
    assert!(line.contains("… (100005 bytes)"), "{line}");
    let _ = std::fs::remove_dir_all(dir);
}
