//! The tg-optimize binary: real-world target graphs and the kinds/ example against Python
//! taskgraph 24.5.1's references (empty index), and bad input (exit 1, label named).

use crate::common;

use assert_cmd::Command;
use std::path::Path;

fn tg_optimize() -> Command {
    let mut cmd = Command::cargo_bin("tg-optimize").unwrap();
    for var in [
        "TASKCLUSTER_ROOT_URL",
        "TASKCLUSTER_PROXY_URL",
        "TASKCLUSTER_CLIENT_ID",
        "TASKCLUSTER_ACCESS_TOKEN",
        "TASK_ID",
    ] {
        cmd.env_remove(var);
    }
    cmd.env_remove("TASKGRAPH_OPTIMIZE_STRATEGIES");
    cmd
}

fn fixture_dir() -> tempdir::Dir {
    tempdir::Dir::new("cli")
}

/// A scratch directory removed on drop (no extra crate needed).
mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Dir {
            let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
            let p = std::env::temp_dir().join(format!("tg-optimize-{tag}-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn path(&self) -> &std::path::Path {
            &self.0
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Run tg-optimize on a reference target graph; our output as text.
fn optimize(root: &Path, params: &Path, target_graph: &Path, extra: &[&str]) -> String {
    let dir = fixture_dir();
    let index = dir.path().join("empty-index.json");
    std::fs::write(&index, "{}").unwrap();
    let out = tg_optimize()
        .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
        .arg("-q")
        .arg("-r")
        .arg(root)
        .arg("-p")
        .arg(params)
        .arg("--index")
        .arg(&index)
        .args(["--seed", "1"])
        .args(extra)
        .write_stdin(testkit::sealed(common::json_graph_to_lines(target_graph)))
        .assert()
        .success();
    // stdout is a pipe: the optimized graph, then tg-optimize's end-of-stream record.
    testkit::unsealed(&String::from_utf8(out.get_output().stdout.clone()).unwrap(), "tg-optimize")
}

/// Every real-world repository: target graph -> tg-optimize (empty index) equals Python's
/// morphed graph (none of these graphs has a task the morphs change, so Python's optimized and
/// morphed graphs are the same; the tg-morph tests run the two stages together).
#[test]
fn realworld_optimized_graphs_match_python() {
    let Some(shared) = common::shared_dir() else { return };
    let mut total = (0, 0);
    for case in common::realworld_cases(&shared) {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let ours = optimize(
            &case.join("config/taskcluster"),
            &case.join("parameters.yml"),
            &case.join("reference/target-task-graph.json"),
            &[],
        );
        let (same, all, differing) =
            common::compare_with_reference(&case.join("reference/morphed-task-graph.json"), &ours);
        eprintln!("{name}: identical {same}/{all}");
        assert!(differing.is_empty(), "{name}: differing tasks {differing:?}");
        total = (total.0 + same, total.1 + all);
    }
    eprintln!("identical: {}/{} tasks", total.0, total.1);
}

/// The kinds/ example: Python's optimized-task-graph.json (lint-docs is removed by
/// skip-unless-changed), with and without the target set.
#[test]
fn golden_optimized_graph_matches_python() {
    let root = common::repo_root();
    let golden = root.join("tests/golden");
    // Part of the repository: missing is a failure, never a skip.
    assert!(golden.join("optimized-task-graph.json").is_file(), "tests/golden/optimized-task-graph.json not found");
    for extra in [vec![], vec!["--target-tasks".to_string(), golden.join("target-tasks.json").display().to_string()]] {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let ours = optimize(
            &root.join("kinds"),
            &golden.join("parameters.yml"),
            &golden.join("target-task-graph.json"),
            &extra,
        );
        let (same, all, differing) = common::compare_with_reference(&golden.join("optimized-task-graph.json"), &ours);
        assert!(differing.is_empty(), "{extra:?}: differing tasks {differing:?} ({same}/{all})");
    }
}

const PARAMS: &str = "base_repository: https://example.com/r\nbase_ref: refs/heads/main\nbase_rev: aaaa\n\
build_date: 1767225600\nbuild_number: 1\ndo_not_optimize: []\nenable_always_target: true\nexisting_tasks: {}\n\
files_changed: []\nfilters: [target_tasks_method]\nhead_ref: refs/heads/main\nhead_repository: https://example.com/r\n\
head_rev: bbbb\nhead_tag: ''\nlevel: '3'\nmoz_build_date: '20260101000000'\nnext_version: null\n\
optimize_strategies: null\noptimize_target_tasks: true\nowner: o@example.com\nproject: r\npushdate: 1767225600\n\
pushlog_id: '0'\nrepository_type: git\ntarget_tasks_method: default\ntasks_for: github-push\nversion: null\n";

fn line(label: &str, deps: &str, optimization: &str, task: &str) -> String {
    format!(
        "{{\"kind\":\"k\",\"label\":\"{label}\",\"attributes\":{{}},\"dependencies\":{{{deps}}},\"optimization\":{optimization},\"task\":{task}}}\n"
    )
}

/// Run on `input` (piped, with its end-of-stream record) with the fixed parameters (plus
/// `params_extra`); (status, stdout, stderr).
fn run_bad(input: &str, params_extra: &str, args: &[&str]) -> (i32, String, String) {
    let dir = fixture_dir();
    let params = dir.path().join("params.yml");
    let mut text = PARAMS.to_string();
    for l in params_extra.lines() {
        let key = l.split(':').next().unwrap();
        text = text.lines().filter(|x| !x.starts_with(&format!("{key}:"))).map(|x| format!("{x}\n")).collect();
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&params, text).unwrap();
    let out = tg_optimize()
        .current_dir(dir.path())
        .arg("-p")
        .arg(&params)
        .args(args)
        .write_stdin(testkit::sealed(input))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_input_exits_1_naming_the_label() {
    let deadline = r#"{"deadline":{"relative-datestamp":"1 day"}}"#;
    let cases: Vec<(String, &str, Vec<&str>, &str)> = vec![
        (
            line("a", "", r#"{"sometimes":null}"#, deadline),
            "",
            vec![],
            "tg-optimize: error: task a: optimization: unknown strategy \"sometimes\" (known: always, index-search, never, skip-unless-changed)",
        ),
        (
            line("a", "", "null", r#"{"x":{"task-reference":"<nope>"}}"#),
            "",
            vec![],
            "tg-optimize: error: task 'a' has no dependency named 'nope'",
        ),
        (
            line("a", "", "null", deadline) + &line("b", "\"x\":\"gone\"", "null", deadline),
            "",
            vec![],
            "tg-optimize: error: task b depends on gone (as \"x\"), which is not in the graph",
        ),
        (
            line("a", "", r#"{"skip-unless-changed":"docs/**"}"#, deadline),
            "",
            vec![],
            "tg-optimize: error: task a: optimization.skip-unless-changed: expected a list of strings",
        ),
        (
            line("a", "", "null", deadline),
            "optimize_strategies: project.optimize:strategies",
            vec![],
            "tg-optimize: error: optimize_strategies names the Python object \"project.optimize:strategies\"",
        ),
        (
            line("a", "", "null", r#"{"workerType":"always-optimized"}"#),
            "",
            vec![],
            "tg-optimize: error: Could not optimize the task 'a'",
        ),
        ("{\"kind\":\"k\",\"label\":\"a\",\"task\":{}}\n{oops\n".to_string(), "", vec![], "tg-optimize: error: <stdin>:2: malformed JSON"),
    ];
    for (input, params, args, expected) in cases {
        let (code, stdout, stderr) = run_bad(&input, params, &args);
        assert_eq!(code, 1, "{expected}\n{stderr}");
        assert!(stdout.is_empty(), "{expected}: partial output {stdout}");
        assert!(stderr.contains(expected), "expected {expected:?} in:\n{stderr}");
    }
}

#[test]
fn a_dependency_on_a_removed_task_is_an_error() {
    let dir = fixture_dir();
    let strategies = dir.path().join("strategies.yml");
    std::fs::write(&strategies, "both: {all: [always, never]}\nremove-on-replace: {not: never}\n").unwrap();
    let deadline = r#"{"deadline":{"relative-datestamp":"1 day"}}"#;
    let input =
        line("a", "", r#"{"remove-on-replace":null}"#, deadline) + &line("b", "\"dep\":\"a\"", "null", deadline);
    let (code, _, stderr) = run_bad(&input, "", &["--strategies", strategies.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("tg-optimize: error: Optimization error: b depends on a as dep but it has been removed"),
        "{stderr}"
    );
}

#[test]
fn a_malformed_index_file_names_the_entry_and_the_task() {
    let dir = fixture_dir();
    let index = dir.path().join("index.json");
    std::fs::write(&index, r#"{"p.a": {"taskid": "x"}}"#).unwrap();
    let input = line("a", "", r#"{"index-search":["p.a"]}"#, r#"{"deadline":{"relative-datestamp":"1 day"}}"#);
    let (code, _, stderr) = run_bad(&input, "", &["--index", index.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("malformed index file")
            && stderr.contains("entry \"p.a\" (searched by task a): unknown key \"taskid\""),
        "{stderr}"
    );
    std::fs::write(&index, "[1, 2").unwrap();
    let (code, _, stderr) = run_bad(&input, "", &["--index", index.to_str().unwrap()]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("not valid JSON"), "{stderr}");
}

#[test]
fn no_taskcluster_means_an_empty_index_said_once() {
    let input = line("a", "", r#"{"index-search":["p.a","p.b"]}"#, r#"{"deadline":{"relative-datestamp":"1 day"}}"#)
        + &line("b", "", r#"{"index-search":["p.c"]}"#, r#"{"deadline":{"relative-datestamp":"1 day"}}"#);
    let (code, stdout, stderr) = run_bad(&input, "", &["--seed", "5", "--decision-task-id", "D"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.matches("no Taskcluster configured").count(), 1, "{stderr}");
    assert_eq!(testkit::unsealed(&stdout, "tg-optimize").lines().count(), 2);
    // Same seed, same bytes.
    let (_, again, _) = run_bad(&input, "", &["--seed", "5", "--decision-task-id", "D"]);
    assert_eq!(stdout, again);
}

#[test]
fn writes_label_to_taskid_and_resolves_references() {
    let dir = fixture_dir();
    let l2t = dir.path().join("label-to-taskid.json");
    let deadline = r#""deadline":{"relative-datestamp":"1 day"}"#;
    let input = line("a", "", "null", &format!("{{{deadline}}}"))
        + &line(
            "b",
            "\"build\":\"a\"",
            "null",
            &format!(
                r#"{{{deadline},"env":{{"T":{{"task-reference":"<build> <self> <decision> <<>"}},"U":{{"artifact-reference":"<build/public/x.zip>"}}}}}}"#
            ),
        );
    let out = tg_optimize()
        .current_dir(dir.path())
        .env("TASK_ID", "DecisionTaskIdAAAAAAAA")
        .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com/")
        .args(["-q", "--index", "empty", "--seed", "2", "--label-to-taskid"])
        .arg(&l2t)
        .write_stdin(testkit::sealed(input))
        .assert()
        .success();
    let tasks = common::parse_lines(&testkit::records(std::str::from_utf8(&out.get_output().stdout).unwrap()));
    let map: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&l2t).unwrap()).unwrap();
    let (a, b) = (map["a"].as_str().unwrap(), map["b"].as_str().unwrap());
    assert_eq!(tasks[0]["task_id"], a);
    assert_eq!(tasks[1]["dependencies"]["build"], a);
    assert_eq!(tasks[1]["task"]["dependencies"], serde_json::json!([a]));
    assert_eq!(tasks[1]["task"]["env"]["T"], format!("{a} {b} DecisionTaskIdAAAAAAAA <"));
    assert_eq!(
        tasks[1]["task"]["env"]["U"],
        format!("https://tc.example.com/api/queue/v1/task/{a}/artifacts/public/x.zip")
    );
    let text = std::fs::read_to_string(&l2t).unwrap();
    assert!(text.starts_with("{\n  \"a\": \""), "{text}");
}

/// The comparison used above notices a changed field and a missing task.
#[test]
fn the_comparison_notices_differences() {
    let golden = common::repo_root().join("tests/golden/optimized-task-graph.json");
    assert!(golden.is_file(), "{} not found", golden.display());
    let lines = common::json_graph_to_lines(&golden);
    let (same, all, differing) = common::compare_with_reference(&golden, &lines);
    assert!(differing.is_empty() && same == all && all > 10);
    let mut tasks = common::parse_lines(&lines);
    tasks[0]["task"]["priority"] = serde_json::json!("changed");
    tasks.pop();
    let text: String = tasks.iter().map(|t| format!("{t}\n")).collect();
    let (_, _, differing) = common::compare_with_reference(&golden, &text);
    assert_eq!(differing.len(), 2, "{differing:?}");
}
