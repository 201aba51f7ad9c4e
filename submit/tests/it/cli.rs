//! tg-submit's command line on bad and edge-case input: exit codes and messages pinned,
//! nothing written before the input is known to be good.

use crate::common::*;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn line(label: &str, id: &str, task: &str) -> String {
    format!(r#"{{"kind":"k","label":"{label}","task":{task},"task_id":"{id}"}}"#) + "\n"
}

/// Run a dry run into a fresh directory; returns the output and the directory.
fn dry_run(name: &str, input: &str, extra: &[&str]) -> (std::process::Output, std::path::PathBuf) {
    let dir = temp_dir(name);
    let queue = dir.join("queue");
    let state = dir.join("state");
    let mut args = vec!["--dry-run-dir", queue.to_str().unwrap(), "--state", state.to_str().unwrap()];
    args.extend_from_slice(extra);
    (tg_submit(&args, input, &[]), dir)
}

#[test]
fn malformed_input_exits_1_naming_the_line_and_writes_nothing() {
    let input = line("a", "A", "{}") + "{oops\n";
    let (out, dir) = dry_run("malformed", &input, &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("tg-submit: error: <stdin>:2: malformed JSON"), "{stderr}");
    assert!(!dir.join("queue").exists() && !dir.join("state").exists());
}

#[test]
fn bad_records_name_kind_label_and_field() {
    let cases = [
        (
            r#"{"kind":"k","label":"x","task":{}}"#.to_string() + "\n",
            "<stdin>:1: kind k, task x: task_id: missing; tg-submit reads the morphed graph (run tg-optimize first)",
        ),
        (
            line("x", "X", r#"{"deadline":{"relative-datestamp":"soon"}}"#),
            "<stdin>:1: kind k, task x: task.deadline.relative-datestamp: 'soon' is invalid string",
        ),
        (
            line("x", "X", r#"{"dependencies":"Y"}"#),
            "<stdin>:1: kind k, task x: task.dependencies: expected a list of taskIds, got a string",
        ),
        (
            line("a", "A", r#"{"dependencies":["B"]}"#) + &line("b", "B", r#"{"dependencies":["A"]}"#),
            "dependency cycle: a -> b -> a",
        ),
        (
            line("a", "A", "{}") + &line("a", "B", "{}"),
            "<stdin>:2: kind k, task a: label: duplicate label (first at <stdin>:1)",
        ),
        (
            r#"{"kind":"k","label":"x","task":{},"task_id":"X","attributes":{"task_duplicates":"two"}}"#.to_string()
                + "\n",
            "<stdin>:1: kind k, task x: attributes.task_duplicates: expected a count (0..=10000), got \"two\"",
        ),
    ];
    for (n, (input, message)) in cases.iter().enumerate() {
        let (out, dir) = dry_run(&format!("bad-{n}"), input, &["-q"]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.trim_end(), format!("tg-submit: error: {message}"), "case {n}");
        assert!(!dir.join("queue").exists() && !dir.join("state").exists(), "case {n} wrote files");
    }
}

#[test]
fn usage_errors_exit_2() {
    let (out, _) = dry_run("conc", "", &["--concurrency", "0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--concurrency must be at least 1"));
    let (out, _) = dry_run("now", "", &["--now", "tomorrow"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read time \"tomorrow\""), "{}", text(&out.stderr));
    let out = tg_submit(&["/nonexistent/morphed.jsonl"], "", &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot open /nonexistent/morphed.jsonl"));
    let out = tg_submit(&["--bogus"], "", &[]);
    assert_eq!(out.status.code(), Some(2));
}

/// An empty pipe, or a graph cut at a line boundary, is refused (exit 1, nothing created, no
/// file written): the stage upstream failed or was killed. An empty stream with its
/// end-of-stream record, or an empty file given as a file, is an empty submission.
#[test]
fn empty_or_cut_pipe_is_refused_empty_file_or_sealed_stream_is_an_empty_submission() {
    let (graph, _) = synthetic_graph(5);
    let cut: String = graph.lines().take(3).map(|l| format!("{l}\n")).collect();
    for (n, input) in ["", cut.as_str()].into_iter().enumerate() {
        let dir = temp_dir(&format!("unsealed-{n}"));
        let (queue, state) = (dir.join("queue"), dir.join("state"));
        let args = ["--dry-run-dir", queue.to_str().unwrap(), "--state", state.to_str().unwrap()];
        let out = tg_submit_raw(&args, input, &[]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.starts_with("tg-submit: error: <stdin>: the stream ended without its end-of-stream record"),
            "{stderr}"
        );
        assert!(!queue.exists() && !state.exists(), "input {n}: files written for a cut stream");
    }
    let (out, dir) = dry_run("empty", "", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.join("queue/createTask.jsonl")).unwrap(), "");
    assert!(text(&out.stderr).contains("created 0 tasks"));
    let dir = temp_dir("empty-file");
    let empty = dir.join("morphed.jsonl");
    std::fs::write(&empty, "").unwrap();
    let queue = dir.join("queue");
    let out = tg_submit_raw(&["--dry-run-dir", queue.to_str().unwrap(), empty.to_str().unwrap()], "", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(queue.join("createTask.jsonl")).unwrap(), "");
}

#[test]
fn dry_run_resume_with_state_appends_only_missing_requests() {
    let (graph, _) = synthetic_graph(50);
    let (out, dir) = dry_run("dry-resume", &graph, &[]);
    assert_eq!(out.status.code(), Some(0));
    let first = std::fs::read_to_string(dir.join("queue/createTask.jsonl")).unwrap();
    // Rerun with the same state: nothing new is written, the file is kept.
    let out = tg_submit(
        &["--dry-run-dir", dir.join("queue").to_str().unwrap(), "--state", dir.join("state").to_str().unwrap()],
        &graph,
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("already created by an earlier run"));
    assert_eq!(std::fs::read_to_string(dir.join("queue/createTask.jsonl")).unwrap(), first);
}

#[test]
fn artifacts_without_the_full_graph_are_the_ones_it_can_make() {
    let (graph, _) = synthetic_graph(5);
    let dir = temp_dir("artifacts-min");
    let art = dir.join("art");
    let out = tg_submit(
        &["--dry-run-dir", dir.join("q").to_str().unwrap(), "--artifacts", art.to_str().unwrap()],
        &graph,
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let mut names: Vec<String> =
        std::fs::read_dir(&art).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    assert_eq!(names, ["label-to-taskid.json", "parameters.yml", "task-graph.json"]);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no --full-graph: full-task-graph.json and runnable-jobs.json not written"), "{stderr}");
}
