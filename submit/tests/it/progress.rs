//! Progress on stderr: periodic lines when stderr is a file or pipe, a bar redrawn in place
//! when it is a terminal (a pseudo-terminal made by util-linux `script`), nothing with `-q`;
//! stdout stays empty either way.

use crate::common::*;
use std::process::Command;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_pipe_gets_progress_lines_and_quiet_gets_none() {
    let (graph, _) = synthetic_graph(200);
    let dir = temp_dir("progress-lines");
    let queue = dir.join("q");
    let out = tg_submit(&["--dry-run-dir", queue.to_str().unwrap(), "--progress-interval", "0"], &graph, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("tg-submit: progress: "), "{stderr}");
    assert!(stderr.contains(" created, 0 failed, 0 skipped, "), "{stderr}");
    assert!(!stderr.contains('\r') && !stderr.contains('\u{1b}'), "no terminal control on a pipe: {stderr:?}");

    let out = tg_submit(&["-q", "--dry-run-dir", queue.to_str().unwrap(), "--progress-interval", "0"], &graph, &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stderr), "", "-q prints nothing");
}

/// `sh -c` quoting of one argument.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn a_terminal_gets_a_bar_and_stdout_stays_empty() {
    if !testkit::require_command("script", "util-linux `script` makes the terminal for the progress bar") {
        return;
    }
    let (graph, _) = synthetic_graph(300);
    let dir = temp_dir("progress-bar");
    let input = dir.join("graph.jsonl");
    std::fs::write(&input, &graph).unwrap();
    let (root, params) = example_root();
    let bin = assert_cmd::cargo::cargo_bin("tg-submit");
    let stdout_file = dir.join("stdout.txt");
    let typescript = dir.join("typescript");
    // Stderr is the pseudo-terminal; stdout goes to a file.
    let inner = [
        quote(bin.to_str().unwrap()),
        "-r".into(),
        quote(root.to_str().unwrap()),
        "-p".into(),
        quote(params.to_str().unwrap()),
        "--dry-run-dir".into(),
        quote(dir.join("q").to_str().unwrap()),
        "--progress-interval".into(),
        "0".into(),
        quote(input.to_str().unwrap()),
        ">".into(),
        quote(stdout_file.to_str().unwrap()),
    ]
    .join(" ");
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &inner])
        .arg(&typescript)
        .env("TERM", "xterm")
        .env_remove("TASKCLUSTER_ROOT_URL")
        .env_remove("TASKCLUSTER_PROXY_URL")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let screen = text(&std::fs::read(&typescript).unwrap());
    assert_eq!(out.status.code(), Some(0), "{screen}");
    assert_eq!(std::fs::read(&stdout_file).unwrap(), b"", "stdout must stay empty");
    let total = expected_task_ids(&graph).len();
    assert!(screen.contains(&format!("/{total} tasks, ")), "the bar is on the terminal: {screen:?}");
    assert!(screen.contains("tg-submit: [") && screen.contains("] 0/"), "{screen:?}");
    assert!(screen.contains("\r\u{1b}[2K"), "the bar is redrawn in place: {screen:?}");
    assert!(!screen.contains("progress: "), "no progress lines on a terminal: {screen:?}");
    assert!(
        screen.contains(&format!("\u{1b}[2Ktg-submit: created {total} tasks")),
        "the summary replaces the bar: {screen:?}"
    );
}
