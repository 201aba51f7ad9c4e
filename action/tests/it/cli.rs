//! The binary's command line: bad input exits 1 with one clear message and creates nothing
//! (no task printed, no artifact written); usage problems exit 2; test mode is reproducible
//! with --seed and --now.

use crate::common::*;
use serde_json::json;
use std::path::{Path, PathBuf};

/// A decision directory of the fixture world's main decision, and its id.
fn decision_dir(work: &Path) -> (PathBuf, String) {
    let world = World::from_fixture();
    let id = world_ids()["main"]["decision"].as_str().unwrap().to_string();
    let dir = work.join("decision");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in &world.tasks[&id].artifacts {
        std::fs::write(dir.join(name.trim_start_matches("public/")), bytes).unwrap();
    }
    (dir, id)
}

/// `tg-action test CALLBACK` on the decision directory with `input`; returns the output and
/// the artifacts directory.
fn test_mode(
    work: &Path,
    callback: &str,
    input: Option<serde_json::Value>,
    extra: &[&str],
) -> (std::process::Output, PathBuf) {
    let (dir, id) = decision_dir(work);
    let art = work.join(format!("artifacts-{callback}"));
    let _ = std::fs::remove_dir_all(&art);
    let kinds = kinds();
    let mut args: Vec<String> = ["test", "-r", kinds.to_str().unwrap(), "--decision-dir", dir.to_str().unwrap()]
        .iter()
        .map(|s| s.to_string())
        .collect();
    args.extend(["--decision-task-id".into(), id, "--artifacts".into(), art.display().to_string()]);
    if let Some(input) = input {
        let path = work.join("input.json");
        std::fs::write(&path, input.to_string()).unwrap();
        args.extend(["--input".into(), path.display().to_string()]);
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push(callback.into());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    (tg_action(&argv, &[], work), art)
}

fn assert_refused(out: &std::process::Output, art: &Path, code: i32, message: &str) {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("tg-action: error: {message}")), "expected {message:?} in:\n{stderr}");
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
    assert!(!art.exists(), "artifacts written");
}

#[test]
fn bad_input_exits_1_and_creates_nothing() {
    let work = temp_dir("cli-bad");
    let (out, art) = test_mode(&work, "add-new-jobs", Some(json!({"tasks": ["lint-audit", "no-such-task"]})), &[]);
    assert_refused(&out, &art, 1, "no-such-task was not found in the task-graph");

    let (out, art) = test_mode(&work, "no-such-callback", None, &[]);
    assert_refused(
        &out,
        &art,
        1,
        "Unknown callback: no-such-callback. Known callbacks: add-new-jobs, cancel, cancel-all, rebuild-cached-tasks, \
         rerun, retrigger, retrigger-decision, retrigger-disabled, retrigger-multiple",
    );

    let (out, art) = test_mode(&work, "add-new-jobs", Some(json!({"tasks": "lint-audit"})), &[]);
    assert_refused(
        &out,
        &art,
        1,
        "add-new-jobs: the input does not match the action's schema: input.tasks: \"lint-audit\" is not of type \"array\"",
    );
    let (out, art) = test_mode(&work, "add-new-jobs", Some(json!({"tasks": ["lint-audit"], "times": 101})), &[]);
    assert_refused(&out, &art, 1, "add-new-jobs: the input does not match the action's schema: input.times: 101 is greater than the maximum of 100");
    let (out, art) = test_mode(&work, "add-new-jobs", None, &[]);
    assert_refused(
        &out,
        &art,
        1,
        "add-new-jobs: the input does not match the action's schema: input: null is not of type \"object\"",
    );
    let (out, art) = test_mode(&work, "add-new-jobs", Some(json!({"times": 2})), &[]);
    assert_refused(&out, &art, 1, "input.tasks: required (a list of task labels)");
    let (out, art) =
        test_mode(&work, "retrigger-multiple", Some(json!({"requests": [{"tasks": [], "label": "x"}]})), &[]);
    assert_refused(&out, &art, 1, "retrigger-multiple: the input does not match the action's schema: input.requests[0]: Additional properties are not allowed ('label' was unexpected)");
    let (out, art) = test_mode(&work, "retrigger", Some(json!({"force": true})), &[]);
    assert_refused(&out, &art, 1, "retrigger applies to a task: give the task's id");

    // A decision directory without label-to-taskid.json.
    let (dir, _) = decision_dir(&work);
    std::fs::remove_file(dir.join("label-to-taskid.json")).unwrap();
    let (out, art) = {
        let art = work.join("artifacts-missing");
        let kinds = kinds();
        let input = work.join("in.json");
        std::fs::write(&input, r#"{"tasks": ["lint-audit"]}"#).unwrap();
        let args = [
            "test",
            "-r",
            kinds.to_str().unwrap(),
            "--decision-dir",
            dir.to_str().unwrap(),
            "--decision-task-id",
            "X",
            "--artifacts",
            art.to_str().unwrap(),
            "--input",
            input.to_str().unwrap(),
            "add-new-jobs",
        ];
        (tg_action(&args, &[], &work), art)
    };
    assert_refused(&out, &art, 1, &format!("missing decision artifact {}", dir.join("label-to-taskid.json").display()));
}

#[test]
fn environment_mode_reads_action_variables() {
    let work = temp_dir("cli-env");
    let kinds = kinds();
    let root = kinds.to_str().unwrap();
    let run = |vars: &[(&str, &str)]| {
        let env: Vec<(&str, String)> = vars.iter().map(|(k, v)| (*k, v.to_string())).collect();
        tg_action(&["-r", root], &env, &work)
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tg-action: error: ACTION_CALLBACK is not set"), "{}", text(&out.stderr));
    let out = run(&[("ACTION_CALLBACK", "add-new-jobs"), ("ACTION_INPUT", "{tasks")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("tg-action: error: ACTION_INPUT: not JSON"), "{}", text(&out.stderr));
    let out = run(&[("ACTION_CALLBACK", "cancel"), ("ACTION_TASK_ID", "[1]")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("ACTION_TASK_ID: expected a JSON string or null"), "{}", text(&out.stderr));
    // Creating needs Taskcluster; test mode does not.
    let out = run(&[
        ("ACTION_CALLBACK", "add-new-jobs"),
        ("ACTION_INPUT", r#"{"tasks": ["lint-audit"]}"#),
        ("ACTION_TASK_GROUP_ID", "G"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tg-action test CALLBACK"), "{}", text(&out.stderr));
    // `callback` is the same as no subcommand.
    let env = vec![("ACTION_CALLBACK", "nope".to_string())];
    let out = tg_action(&["callback", "-r", root], &env, &work);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Unknown callback: nope."), "{}", text(&out.stderr));
}

#[test]
fn usage_errors_exit_2() {
    let work = temp_dir("cli-usage");
    let kinds = kinds();
    let input = work.join("input.txt");
    std::fs::write(&input, "{}").unwrap();
    let out = tg_action(
        &["test", "-r", kinds.to_str().unwrap(), "--input", input.to_str().unwrap(), "add-new-jobs"],
        &[],
        &work,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown filename"), "{}", text(&out.stderr));
    // No decision artifacts anywhere.
    let input = work.join("input.json");
    std::fs::write(&input, r#"{"tasks": ["lint-audit"]}"#).unwrap();
    let out = tg_action(
        &["test", "-r", kinds.to_str().unwrap(), "--input", input.to_str().unwrap(), "add-new-jobs"],
        &[],
        &work,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no decision artifacts: pass --decision-dir DIR"), "{}", text(&out.stderr));
    let out = tg_action(&["test", "--no-such-flag"], &[], &work);
    assert_eq!(out.status.code(), Some(2));
    let out = tg_action(&["test", "-r", work.to_str().unwrap(), "add-new-jobs"], &[], &work);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("couldn't find taskgraph configuration"), "{}", text(&out.stderr));
}

#[test]
fn test_mode_is_reproducible_with_seed_and_now() {
    let work = temp_dir("cli-repro");
    let input = Some(json!({"tasks": ["test-unit-linux64-1", "lint-audit"], "times": 2}));
    let flags = ["--seed", "42", "--now", "2026-03-01T12:00:00.000Z"];
    let (a, art_a) = test_mode(&work, "add-new-jobs", input.clone(), &flags);
    assert!(a.status.success(), "{}", text(&a.stderr));
    let first_artifacts = std::fs::read_to_string(art_a.join("task-graph.json")).unwrap();
    let (b, art_b) = test_mode(&work, "add-new-jobs", input, &flags);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(first_artifacts, std::fs::read_to_string(art_b.join("task-graph.json")).unwrap());
    let lines: Vec<serde_json::Value> = text(&a.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4, "two copies of two tasks (their dependencies exist)");
    for line in &lines {
        assert_eq!(line["task"]["created"], "2026-03-01T12:00:00.000Z");
        assert_eq!(line["task"]["schedulerId"], "widget-level-3");
    }
    for name in ["task-graph-0.json", "task-graph-1.json", "label-to-taskid.json", "to-run.json"] {
        assert!(art_a.join(name).is_file(), "{name}");
    }
}
