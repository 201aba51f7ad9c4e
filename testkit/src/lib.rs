//! Prerequisites of the integration tests (Python taskgraph 24.5.1, `../shared`, jq, node, git,
//! util-linux `script`, ...), checked in one place with one rule:
//!
//! - under CI (the `CI` environment variable set, as `.ci/run` runs with `CI=true`) a missing
//!   prerequisite is a failure: the test panics saying what is missing and how to get it;
//! - elsewhere the test is skipped loudly: `SKIPPED <test>: <reason>` on stderr (written past
//!   libtest's output capture, so it shows in a plain `cargo test`), and the test returns (it
//!   shows as passed, so the line is what tells).
//!
//! A test asks with `require(...)`/`shared_dir()`/`python_taskgraph()`/... and returns when the
//! answer is false/`None`. The test's name is the name of its thread (libtest runs each test on
//! a thread named after it).

pub mod tc_fake;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// True when running under CI: `CI` is set to anything but empty, `0` or `false`.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// The running test's name (its thread's name), or `test`.
pub fn test_name() -> String {
    std::thread::current().name().unwrap_or("test").to_string()
}

/// `true` when `available`; else, under CI, a panic naming `missing`; elsewhere, a
/// `SKIPPED <test>: <missing>` line on stderr and `false`.
#[track_caller]
pub fn require(available: bool, missing: impl std::fmt::Display) -> bool {
    if available {
        return true;
    }
    let test = test_name();
    assert!(!under_ci(), "{test}: prerequisite missing under CI (a failure, not a skip): {missing}");
    // Straight to the stderr stream, not `eprintln!`: libtest captures what the print macros
    // write in a passing test, and a skip must show in every run.
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {missing}");
    false
}

/// `Some(value)` when present, else [`require`]'s failure or skip.
#[track_caller]
pub fn require_some<T>(value: Option<T>, missing: impl std::fmt::Display) -> Option<T> {
    let present = value.is_some();
    if require(present, missing) {
        value
    } else {
        None
    }
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().map(Path::to_path_buf).unwrap_or_else(|| here.to_path_buf())
}

/// `../shared` beside the checkout (with its `realworld/` cases), or `None` after [`require`].
#[track_caller]
pub fn shared_dir() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared");
    let ok = dir.join("realworld").is_dir();
    require(ok, format_args!("{} not found (the shared folder beside the checkout)", dir.display())).then_some(dir)
}

/// True when `program --version` runs and succeeds.
pub fn have_command(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// [`require`] of a command on PATH; `why` says what it is for.
#[track_caller]
pub fn require_command(program: &str, why: &str) -> bool {
    require(have_command(program), format_args!("`{program}` not found on PATH ({why}); .ci/run installs it"))
}

/// The interpreter the Python worker gets: `TG_PYTHON`, else `python3`.
pub fn python() -> String {
    std::env::var("TG_PYTHON").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "python3".into())
}

/// That interpreter when it has taskgraph 24.5.1, else `None` after [`require`].
#[track_caller]
pub fn python_taskgraph() -> Option<String> {
    let python = python();
    let ok = Command::new(&python)
        .args(["-c", "import sys, taskgraph; sys.exit(taskgraph.__version__ != '24.5.1')"])
        .current_dir("/")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    require(ok, format!("{python} lacks taskgraph 24.5.1 (pip install taskcluster-taskgraph==24.5.1)"))
        .then_some(python)
}

/// [`require`] of a file the test reads.
#[track_caller]
pub fn require_file(path: &Path) -> bool {
    require(path.is_file(), format_args!("{} not found", path.display()))
}

// The end-of-stream record (README "Records", `core/src/stream.rs`): a stage that succeeded
// ends its stdout with `{"end_of_stream":{"by":"tg-<stage>"}}` when stdout is a pipe, and a
// stage reading a pipe refuses input without it. Tests pipe text into stages and read their
// stdout through pipes, so they seal what they feed and unseal what they read.

/// The end-of-stream record a test appends to text it pipes into a stage (what a successful
/// upstream stage would have written last).
pub const END_OF_STREAM: &str = "{\"end_of_stream\":{\"by\":\"test\"}}\n";

/// True when `line` is an end-of-stream record: a JSON object with the key `end_of_stream`
/// (as `tg_core::stream::is_end_record` tells it).
pub fn is_end_record(line: &str) -> bool {
    line.contains("end_of_stream")
        && serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .is_some_and(|v| v.as_object().is_some_and(|m| m.contains_key("end_of_stream")))
}

/// `text` followed by [`END_OF_STREAM`]: a complete stream, as a stage reading a pipe requires.
/// `text` must be empty or end with a newline (a test of a truncated last line pipes its text
/// as it is, unsealed).
#[track_caller]
pub fn sealed(text: impl AsRef<str>) -> String {
    let text = text.as_ref();
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "sealed: the text must end with a newline before the end-of-stream record is added"
    );
    format!("{text}{END_OF_STREAM}")
}

/// The records of a stage's stdout: `stdout` without its end-of-stream record, which may only
/// be the last line (a failed stage writes none). An end-of-stream record anywhere else is a
/// test failure, so a test reading through this still catches a record in the wrong place.
#[track_caller]
pub fn records(stdout: &str) -> String {
    let mut lines: Vec<&str> = stdout.split_inclusive('\n').collect();
    if lines.last().is_some_and(|last| is_end_record(last)) {
        lines.pop();
    }
    let misplaced = lines.iter().find(|line| is_end_record(line));
    assert!(misplaced.is_none(), "an end-of-stream record before the end of the stream: {misplaced:?}\n{stdout}");
    lines.concat()
}

/// The records of the stdout of `stage` (`tg-resolve`, ...) that succeeded writing to a pipe:
/// asserts that its last line is exactly `{"end_of_stream":{"by":"<stage>"}}` and returns what
/// precedes it (see [`records`]).
#[track_caller]
pub fn unsealed(stdout: &str, stage: &str) -> String {
    let expected = format!("{{\"end_of_stream\":{{\"by\":\"{stage}\"}}}}\n");
    assert!(stdout.ends_with(&expected), "{stage}'s stdout (a pipe) does not end with {expected:?}:\n{stdout}");
    let body = stdout.strip_suffix(&expected).unwrap_or_default();
    assert!(body.is_empty() || body.ends_with('\n'), "{stage}: the end-of-stream record is not on its own line");
    records(body)
}
