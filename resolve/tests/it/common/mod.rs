//! Helpers shared by the integration tests: paths, running the binaries, reading references.

#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// `../shared` next to the repository, or `None` after a loud SKIPPED line (a failure under CI).
pub use testkit::shared_dir;

/// A file under `resolve/tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// The repository root (`/work/main`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Exit code, stdout and stderr of `bin ARGS`, `stdin` piped to it as it is.
pub fn run(bin: &str, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let out = Command::cargo_bin(bin).expect("binary").args(args).write_stdin(stdin.to_vec()).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Exit code, records on stdout and stderr of `bin ARGS`, `stdin` piped to it as a complete
/// stream (followed by its end-of-stream record, as a successful upstream stage writes it).
/// Stdout is a pipe, so a graph ends with the stage's end-of-stream record: it is dropped
/// ([`testkit::records`]; `cli::what_a_pipe_carries` pins where it is written).
pub fn run_sealed(bin: &str, args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let input = testkit::sealed(std::str::from_utf8(stdin).expect("UTF-8 input"));
    let (code, stdout, stderr) = run(bin, args, input.as_bytes());
    (code, testkit::records(&stdout), stderr)
}

/// A JSON file.
pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A taskgraph `--json` graph (object keyed by label) as JSON lines, in file order.
pub fn graph_to_jsonl(graph: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    for task in graph.as_object().expect("graph object").values() {
        out.extend(serde_json::to_vec(task).expect("json"));
        out.push(b'\n');
    }
    out
}

/// JSON lines to a map keyed by label.
pub fn jsonl_by_label(text: &str) -> Map<String, Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("json line");
            (v["label"].as_str().expect("label").to_string(), v)
        })
        .collect()
}

/// Labels of JSON-string lines.
pub fn label_lines(text: &str) -> Vec<String> {
    text.lines().map(|l| serde_json::from_str::<String>(l).expect("label line")).collect()
}
