//! Stage faults through the real binaries, on the example staged as a git repository:
//!
//! - a stream cut short (without its end-of-stream record, at a line boundary or within a
//!   line) or with lines missing so that a dependency dangles: the whole-graph stages exit 1
//!   and write nothing;
//! - output to a closed pipe is success; output to a full disk (`/dev/full`) is exit 2 with a
//!   message;
//! - a 100 MB line and 100k nested `[`: a clear error, bounded memory, no stack overflow;
//! - a byte that is not UTF-8: the error names the line;
//! - input files replaced while a stage runs: the output is wholly the old or wholly the new;
//! - Taskcluster credentials never appear in any stage's output, logs (at `-vv`), artifacts or
//!   state; tg-submit's files are not world-writable.
//!
//! The whole-graph stages read Python taskgraph's full graph of the example
//! (tests/golden/full-task-graph.json) so that they do not depend on tg-transform.
//! Binaries come from the same profile as the test (`cargo build --bins` first).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tg_tests::{golden_full_graph_jsonl, run_with_input, sh, stage_example, tg, Staged};

/// The common flags, relative to the staged repository.
const P: [&str; 4] = ["-r", "taskcluster", "-p", "taskcluster/parameters.yml"];

/// `bin -r taskcluster -p taskcluster/parameters.yml EXTRA...` in the staged repository.
fn stage(bin: &str, ex: &Staged, extra: &[&str]) -> Command {
    let mut cmd = tg(bin);
    cmd.current_dir(ex.path()).args(P).args(extra);
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// At most the first 2000 characters, for assertion messages about possibly huge output.
fn head(bytes: &[u8]) -> String {
    text(bytes).chars().take(2000).collect()
}

fn run_ok(cmd: &mut Command, input: &[u8]) -> Vec<u8> {
    let out = run_with_input(cmd, input);
    assert!(out.status.success(), "{cmd:?} failed: {}", head(&out.stderr));
    out.stdout
}

/// The example's graphs at each whole-graph stage's input: full (Python's), target, optimized,
/// each as a complete stream on a pipe: its records, then the end-of-stream record (the
/// stage's own, for target and optimized).
struct Graphs {
    full: Vec<u8>,
    target: Vec<u8>,
    optimized: Vec<u8>,
}

fn graphs(ex: &Staged) -> Graphs {
    let full = testkit::sealed(golden_full_graph_jsonl()).into_bytes();
    let target = run_ok(&mut stage("tg-resolve", ex, &[]), &full);
    testkit::unsealed(&text(&target), "tg-resolve");
    let optimized = run_ok(&mut stage("tg-optimize", ex, &["--index", "empty"]), &target);
    testkit::unsealed(&text(&optimized), "tg-optimize");
    Graphs { full, target, optimized }
}

/// The records of a stream: without its end-of-stream record.
fn records(stream: &[u8]) -> Vec<u8> {
    testkit::records(std::str::from_utf8(stream).unwrap()).into_bytes()
}

/// The error of a stage whose piped input ended without its end-of-stream record.
const NO_END: &str = "<stdin>: the stream ended without its end-of-stream record";

/// The input without its last `n` bytes (the last line loses its newline and more).
fn cut(input: &[u8], n: usize) -> Vec<u8> {
    input[..input.len() - n].to_vec()
}

/// Assert `out` is a bad-input failure (exit 1) that wrote nothing on stdout and whose error
/// contains `needle`.
fn assert_refused(out: &Output, what: &str, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{what}: exit status {:?}; stderr: {}", out.status, head(&out.stderr));
    assert!(out.stdout.is_empty(), "{what}: wrote {} bytes of a partial graph", out.stdout.len());
    assert!(stderr.contains(needle), "{what}: expected {needle:?} in stderr: {}", head(&out.stderr));
}

// ------------------------------------------------------------------ streams cut short

/// A stream cut within its last task line (the stage upstream died mid-write): the line
/// without its newline is named by the whole-graph stages that read line by line; tg-submit,
/// which reads its whole input before parsing it, finds no end-of-stream record at the end.
#[test]
fn truncated_last_line_makes_whole_graph_stages_fail_without_output() {
    let ex = stage_example("faults-truncated");
    let g = graphs(&ex);
    // Cutting 25 bytes of the records leaves the last task line, number `lines(records)`,
    // without its newline (and the end-of-stream record after it is gone too).
    let lines = |input: &[u8]| input.iter().filter(|&&b| b == b'\n').count();
    let truncated_at = |records: &[u8]| format!("<stdin>:{}: truncated last line", lines(records) + 1);
    let cases = [
        ("tg-resolve", &g.full, vec![]),
        ("tg-optimize", &g.target, vec!["--index", "empty"]),
        ("tg-morph", &g.optimized, vec![]),
    ];
    for (bin, input, extra) in cases {
        let cut_records = cut(&records(input), 25);
        let out = run_with_input(&mut stage(bin, &ex, &extra), &cut_records);
        assert_refused(&out, bin, &truncated_at(&cut_records));
    }
    // tg-submit creates nothing: no request file, no state, no artifacts.
    let morphed = run_ok(&mut stage("tg-morph", &ex, &[]), &g.optimized);
    let out_dir = ex.path().join("submit-out");
    let dirs =
        ["--state", "submit-out/state", "--artifacts", "submit-out/artifacts", "--dry-run-dir", "submit-out/queue"];
    let out = run_with_input(
        &mut stage("tg-submit", &ex, &[&["--dry-run"][..], &dirs].concat()),
        &cut(&records(&morphed), 25),
    );
    assert_refused(&out, "tg-submit", NO_END);
    assert!(!out_dir.join("queue/createTask.jsonl").exists(), "tg-submit created tasks from a truncated graph");
    assert!(
        !out_dir.join("artifacts").exists() || std::fs::read_dir(out_dir.join("artifacts")).unwrap().next().is_none()
    );
}

/// Tasks of a JSON-lines graph, one per line.
fn task_lines(input: &[u8]) -> Vec<serde_json::Value> {
    std::str::from_utf8(input).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn to_lines(tasks: &[serde_json::Value]) -> Vec<u8> {
    tasks.iter().map(|t| format!("{t}\n")).collect::<String>().into_bytes()
}

/// Does a task of `tasks` depend on a label that is not among them?
fn has_dangling_dependency(tasks: &[serde_json::Value]) -> bool {
    let labels: Vec<&str> = tasks.iter().filter_map(|t| t["label"].as_str()).collect();
    tasks
        .iter()
        .flat_map(|t| t["dependencies"].as_object().into_iter().flat_map(|d| d.values()))
        .any(|d| !labels.contains(&d.as_str().unwrap_or_default()))
}

/// A stream that ends mid-graph on a line boundary (the stage upstream failed or was killed
/// between two lines) lacks its end-of-stream record: every whole-graph stage refuses it, even
/// where the prefix is a closed graph (tg-resolve writes dependencies first, so any prefix of
/// its output is one) that no graph check could tell from a complete one. Lines missing from a
/// complete stream (a careless filter that kept the record) are caught by the graph check when
/// a dependency dangles: Python's full graph lists dependents before their dependencies, so
/// half of it dangles.
#[test]
fn stream_ending_mid_graph_is_refused_by_resolve_and_optimize() {
    let ex = stage_example("faults-midgraph");
    let g = graphs(&ex);
    let morphed = run_ok(&mut stage("tg-morph", &ex, &[]), &g.optimized);
    let full = task_lines(&records(&g.full));
    let half = &full[..full.len() / 2];
    assert!(has_dangling_dependency(half));

    // Cut on a line boundary: refused for want of the end-of-stream record, nothing written.
    let target = task_lines(&records(&g.target));
    let closed_prefix = &target[..target.len() / 2];
    assert!(!has_dangling_dependency(closed_prefix), "a prefix of tg-resolve's output is a closed graph");
    let optimized_prefix = to_lines(&task_lines(&records(&g.optimized))[..2]);
    let morphed_prefix = to_lines(&task_lines(&records(&morphed))[..2]);
    let submit_dirs =
        ["--dry-run", "--state", "cut/state", "--artifacts", "cut/artifacts", "--dry-run-dir", "cut/queue"];
    let cases: [(&str, &[&str], Vec<u8>); 4] = [
        ("tg-resolve", &[], to_lines(half)),
        ("tg-optimize", &["--index", "empty"], to_lines(closed_prefix)),
        ("tg-morph", &[], optimized_prefix),
        ("tg-submit", &submit_dirs, morphed_prefix),
    ];
    for (bin, extra, input) in cases {
        let out = run_with_input(&mut stage(bin, &ex, extra), &input);
        assert_refused(&out, bin, &format!("{bin}: error: {NO_END}"));
    }
    assert!(!ex.path().join("cut").exists(), "tg-submit wrote files for a cut stream");

    // Complete streams with lines missing: the graph check names the dangling dependency.
    let sealed = |tasks: &[serde_json::Value]| testkit::sealed(text(&to_lines(tasks))).into_bytes();
    let out = run_with_input(&mut stage("tg-resolve", &ex, &[]), &sealed(half));
    assert_refused(&out, "tg-resolve", "which is not in the graph");

    let depended_on = target
        .iter()
        .position(|t| {
            target.iter().any(|o| o["dependencies"].as_object().is_some_and(|d| d.values().any(|v| *v == t["label"])))
        })
        .expect("some task of the target graph is depended on");
    let mut holed = target.clone();
    holed.remove(depended_on);
    let out = run_with_input(&mut stage("tg-optimize", &ex, &["--index", "empty"]), &sealed(&holed));
    assert_refused(&out, "tg-optimize", "which is not in the graph");
}

// ------------------------------------------------------------------ closed and full outputs

#[test]
fn output_to_a_closed_pipe_is_success() {
    let ex = stage_example("faults-pipe");
    // The shell way: `head -1` takes one line and exits; pipefail makes any failure show.
    for script in [
        "tg-load -r taskcluster -p taskcluster/parameters.yml | head -1",
        "tg-load -r taskcluster -p taskcluster/parameters.yml > items.jsonl && \
         tg-transform -r taskcluster -p taskcluster/parameters.yml < items.jsonl | head -1",
    ] {
        let out = sh(script, ex.path());
        assert!(out.status.success(), "`{script}` failed: {}", head(&out.stderr));
        assert_eq!(text(&out.stdout).lines().count(), 1, "`{script}`");
        assert!(!text(&out.stderr).contains("error"), "`{script}`: {}", head(&out.stderr));
    }
    // Deterministically: the reader is gone before the stage writes its first byte.
    let items = testkit::sealed(text(&std::fs::read(ex.path().join("items.jsonl")).unwrap())).into_bytes();
    let g = graphs(&ex);
    let cases: [(&str, &[u8], &[&str]); 5] = [
        ("tg-load", b"", &[]),
        ("tg-transform", &items, &[]),
        ("tg-resolve", &g.full, &[]),
        ("tg-optimize", &g.target, &["--index", "empty"]),
        ("tg-morph", &g.optimized, &[]),
    ];
    for (bin, input, extra) in cases {
        let mut child =
            stage(bin, &ex, extra).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(input);
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{bin} into a closed pipe: {:?}: {}", out.status, head(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("error") && !stderr.contains("panicked"), "{bin}: {stderr}");
    }
}

#[test]
fn output_to_a_full_disk_is_exit_2_with_a_message() {
    if !testkit::require(Path::new("/dev/full").exists(), "no /dev/full") {
        return;
    }
    let ex = stage_example("faults-full");
    let items = run_ok(&mut stage("tg-load", &ex, &[]), b"");
    let g = graphs(&ex);
    let cases: [(&str, &[u8], &[&str]); 5] = [
        ("tg-load", b"", &[]),
        ("tg-transform", &items, &[]),
        ("tg-resolve", &g.full, &[]),
        ("tg-optimize", &g.target, &["--index", "empty"]),
        ("tg-morph", &g.optimized, &[]),
    ];
    for (bin, input, extra) in cases {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let mut child =
            stage(bin, &ex, extra).stdin(Stdio::piped()).stdout(full).stderr(Stdio::piped()).spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let _ = stdin.write_all(input);
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bin} > /dev/full: {:?}: {stderr}", out.status);
        assert!(
            stderr.contains(&format!("{bin}: error: writing stdout: No space left on device")),
            "{bin} > /dev/full: the error must name stdout: {stderr}"
        );
    }
}

// ------------------------------------------------------------------ huge and deep input

/// Peak resident memory (KiB) of a child, sampled from /proc while it runs.
fn run_measuring_peak_kib(cmd: &mut Command, input: &[u8]) -> (Output, u64) {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(Mutex::new(0u64));
    let sampler = {
        let (done, peak) = (Arc::clone(&done), Arc::clone(&peak));
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                let hwm = std::fs::read_to_string(&status_path).ok().and_then(|s| {
                    s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
                });
                if let (Some(kib), Ok(mut p)) = (hwm, peak.lock()) {
                    *p = (*p).max(kib);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    done.store(true, Ordering::Relaxed);
    let _ = writer.join();
    let _ = sampler.join();
    let kib = *peak.lock().unwrap();
    (out, kib)
}

#[test]
fn a_100_mb_line_is_a_clear_error_in_bounded_memory() {
    let ex = stage_example("faults-bigline");
    // A label that never closes: 100 MB of one JSON line, malformed at its end.
    let mut line = b"{\"kind\":\"k\",\"label\":\"".to_vec();
    line.resize(100 * 1024 * 1024, b'a');
    line.push(b'\n');
    let (out, peak_kib) = run_measuring_peak_kib(&mut stage("tg-resolve", &ex, &[]), &line);
    assert_refused(&out, "tg-resolve", "tg-resolve: error: <stdin>:1: malformed JSON: ");
    assert!(out.stderr.len() < 1000, "the error echoes the line: {} bytes", out.stderr.len());
    // The line is held once (100 MiB); a few copies would mean unbounded buffering.
    assert!(peak_kib < 350 * 1024, "tg-resolve peaked at {} MiB for a 100 MiB line", peak_kib / 1024);
}

#[test]
fn deeply_nested_json_is_a_clear_error_without_stack_overflow() {
    let ex = stage_example("faults-deep");
    let deep_array = format!("{}\n", "[".repeat(100_000));
    let deep_task = format!("{{\"kind\":\"k\",\"label\":\"l\",\"task\":{}}}\n", "[".repeat(100_000));
    let cases: [(&str, &[&str]); 4] =
        [("tg-transform", &[]), ("tg-resolve", &[]), ("tg-optimize", &["--index", "empty"]), ("tg-morph", &[])];
    for (bin, extra) in cases {
        for input in [&deep_array, &deep_task] {
            let out = run_with_input(&mut stage(bin, &ex, extra), input.as_bytes());
            assert_refused(&out, bin, &format!("{bin}: error: <stdin>:1: malformed JSON: recursion limit exceeded"));
        }
    }
}

#[test]
fn a_byte_that_is_not_utf8_names_the_line() {
    let ex = stage_example("faults-utf8");
    let items = run_ok(&mut stage("tg-load", &ex, &["-k", "lint"]), b"");
    let g = graphs(&ex);
    // Corrupt the second line: a lone 0xff inside a string.
    let corrupt = |input: &[u8]| {
        let second = input.iter().position(|&b| b == b'\n').unwrap() + 1;
        let mut bad = input.to_vec();
        bad.insert(second + 20, 0xff);
        bad
    };
    let cases: [(&str, &[u8], &[&str]); 4] = [
        ("tg-transform", &items, &[]),
        ("tg-resolve", &g.full, &[]),
        ("tg-optimize", &g.target, &["--index", "empty"]),
        ("tg-morph", &g.optimized, &[]),
    ];
    for (bin, input, extra) in cases {
        let out = run_with_input(&mut stage(bin, &ex, extra), &corrupt(input));
        assert_eq!(out.status.code(), Some(1), "{bin}: {}", head(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(&format!("{bin}: error: <stdin>:2: not valid UTF-8")), "{bin}: {stderr}");
        if bin != "tg-transform" {
            assert!(out.stdout.is_empty(), "{bin} wrote a partial graph");
        }
    }
}

// ------------------------------------------------------------------ files changing under a run

/// Keep replacing `path` atomically (write a temporary file, rename it over) with `a` and `b`
/// in turn until the returned flag is set.
fn keep_swapping(path: &Path, a: String, b: String) -> (Arc<AtomicBool>, std::thread::JoinHandle<usize>) {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    let path = path.to_path_buf();
    let tmp = path.with_extension("swap-tmp");
    let handle = std::thread::spawn(move || {
        let mut swaps = 0;
        while !flag.load(Ordering::Relaxed) {
            let content = if swaps % 2 == 0 { &b } else { &a };
            std::fs::write(&tmp, content).unwrap();
            std::fs::rename(&tmp, &path).unwrap();
            swaps += 1;
            std::thread::sleep(Duration::from_micros(200));
        }
        std::fs::write(&path, &a).unwrap();
        swaps
    });
    (stop, handle)
}

/// A kind.yml replaced (atomically, as editors and git do) while tg-load runs: each run sees the
/// old file or the new one, never parts of both, and never fails.
#[test]
fn kind_yml_replaced_during_tg_load_gives_old_or_new_never_a_mix() {
    let ex = stage_example("faults-kindyml");
    let kind_yml = ex.taskgraph_root().join("kinds/lint/kind.yml");
    let old = std::fs::read_to_string(&kind_yml).unwrap();
    assert!(old.contains("max-run-time: 900"));
    let new = old.replace("max-run-time: 900", "max-run-time: 901");
    let run_times = |stdout: &[u8]| -> Vec<i64> {
        text(stdout)
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|item| item["kind"] == "lint")
            .map(|item| item["item"]["worker"]["max-run-time"].as_i64().unwrap())
            .collect()
    };
    let tasks = run_times(&run_ok(&mut stage("tg-load", &ex, &["-k", "lint"]), b"")).len();
    assert!(tasks > 1, "lint has {tasks} tasks");
    let (stop, swapper) = keep_swapping(&kind_yml, old, new);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..20 {
        let out = run_with_input(&mut stage("tg-load", &ex, &["-k", "lint"]), b"");
        assert!(out.status.success(), "tg-load failed while kind.yml changed: {}", head(&out.stderr));
        let times = run_times(&out.stdout);
        assert_eq!(times.len(), tasks, "{times:?}");
        assert!(times.iter().all(|t| *t == times[0]), "a mix of old and new kind.yml: {times:?}");
        seen.insert(times[0]);
    }
    stop.store(true, Ordering::Relaxed);
    let swaps = swapper.join().unwrap();
    assert!(swaps > 20, "the file was replaced only {swaps} times");
    assert!(seen.iter().all(|t| *t == 900 || *t == 901), "{seen:?}");
}

/// `tg-transform -i FILE` with FILE replaced during the run: the output is the transform of the
/// old file or of the new one, byte for byte.
#[test]
fn transform_input_file_replaced_during_run_gives_old_or_new_output() {
    let ex = stage_example("faults-input");
    let old = text(&run_ok(&mut stage("tg-load", &ex, &["-k", "lint"]), b""));
    let new = old.replace("Check formatting with rustfmt", "Check the formatting");
    assert_ne!(old, new);
    let items = ex.path().join("items.jsonl");
    let expected: Vec<Vec<u8>> = [&old, &new]
        .iter()
        .map(|content| {
            std::fs::write(&items, content).unwrap();
            run_ok(&mut stage("tg-transform", &ex, &["-i", "items.jsonl"]), b"")
        })
        .collect();
    assert_ne!(expected[0], expected[1]);
    let (stop, swapper) = keep_swapping(&items, old, new);
    for _ in 0..10 {
        let out = run_with_input(&mut stage("tg-transform", &ex, &["-i", "items.jsonl"]), b"");
        assert!(out.status.success(), "tg-transform failed while its input changed: {}", head(&out.stderr));
        assert!(expected.contains(&out.stdout), "output is neither the old nor the new input's");
    }
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
}

/// A kind.yml rewritten in place (truncated, then written) can be read half-written: that may
/// load or be refused as bad YAML, but never crashes a stage.
#[test]
fn kind_yml_rewritten_in_place_never_crashes_tg_load() {
    let ex = stage_example("faults-inplace");
    let kind_yml = ex.taskgraph_root().join("kinds/lint/kind.yml");
    let content = std::fs::read_to_string(&kind_yml).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (stop, path) = (Arc::clone(&stop), kind_yml.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let mut f = std::fs::File::create(&path).unwrap();
                for chunk in content.as_bytes().chunks(64) {
                    f.write_all(chunk).unwrap();
                    f.flush().unwrap();
                }
            }
        })
    };
    for _ in 0..10 {
        let out = run_with_input(&mut stage("tg-load", &ex, &["-k", "lint"]), b"");
        let code = out.status.code();
        assert!(code == Some(0) || code == Some(1), "tg-load: {:?}: {}", out.status, head(&out.stderr));
        assert!(!text(&out.stderr).contains("panicked"), "{}", head(&out.stderr));
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().unwrap();
}

// ------------------------------------------------------------------ credentials and modes

/// A recognisable secret: if it shows up anywhere, something printed the access token.
const TOKEN: &str = "TOKEN-faults-5d1b0c7e-never-print-me";

/// A loopback Taskcluster stand-in: every request gets `200 {"tasks": [], "statuses": []}`
/// (nothing indexed, nothing known, every createTask accepted). Returns the root URL and the
/// raw requests it received.
fn fake_taskcluster() -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let _ = stream.set_nodelay(true);
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        log.lock().unwrap().extend_from_slice(line.as_bytes());
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    log.lock().unwrap().extend_from_slice(&body);
                    let answer = r#"{"tasks": [], "statuses": []}"#;
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

/// `cmd` run through `sh -c 'umask 022; exec ...'`: the usual umask of a login shell, so the
/// modes checked below are what the stage asks for (a stage must not widen them, e.g. with
/// `set_permissions`).
fn under_umask_022(cmd: &Command) -> Command {
    let mut sh = Command::new("sh");
    sh.arg("-c").arg("umask 022 && exec \"$@\"").arg("sh").arg(cmd.get_program()).args(cmd.get_args());
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => sh.env(key, v),
            None => sh.env_remove(key),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        sh.current_dir(dir);
    }
    sh
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            }
            out.push(p);
        }
    }
    out
}

/// The whole pipeline at `-vv` with Taskcluster credentials set (a loopback stand-in for the
/// index and queue): the access token is in no stdout, stderr, artifact or state file, nor sent
/// in clear to the service. tg-submit's files and directories are not world-writable.
#[test]
fn credentials_are_never_printed_or_written_and_files_are_not_world_writable() {
    let ex = stage_example("faults-secrets");
    let (url, requests) = fake_taskcluster();
    let with_credentials = |cmd: &mut Command| {
        cmd.env("TASKCLUSTER_ROOT_URL", &url)
            .env("TASKCLUSTER_CLIENT_ID", "faults-client")
            .env("TASKCLUSTER_ACCESS_TOKEN", TOKEN)
            .arg("-vv");
    };
    let mut everything: Vec<u8> = Vec::new();
    let mut step = |bin: &str, extra: &[&str], input: &[u8]| -> Vec<u8> {
        let mut cmd = under_umask_022(&stage(bin, &ex, extra));
        with_credentials(&mut cmd);
        let out = run_with_input(&mut cmd, input);
        assert!(out.status.success(), "{bin} failed: {}", head(&out.stderr));
        everything.extend_from_slice(&out.stdout);
        everything.extend_from_slice(&out.stderr);
        out.stdout
    };
    let full = golden_full_graph_jsonl().into_bytes();
    let items = step("tg-load", &["-k", "lint"], b"");
    let full_stream = testkit::sealed(text(&full)).into_bytes();
    step("tg-transform", &[], &items);
    let target = step("tg-resolve", &["--target-tasks-out", "target-tasks.json"], &full_stream);
    let optimized = step(
        "tg-optimize",
        &["--target-tasks", "target-tasks.json", "--label-to-taskid", "optimized-label-to-taskid.json"],
        &target,
    );
    let morphed = step(
        "tg-morph",
        &["--label-to-taskid-in", "optimized-label-to-taskid.json", "--label-to-taskid", "label-to-taskid.json"],
        &optimized,
    );
    let submit_args = [
        "--state",
        "out/state",
        "--artifacts",
        "out/artifacts",
        "--decision-task-id",
        "D0000000TaaaaaaaaaaaaA",
        "--full-graph",
        "full.jsonl",
        "--target-tasks",
        "target-tasks.json",
        "--label-to-taskid",
        "label-to-taskid.json",
        "--max-retries",
        "0",
    ];
    std::fs::write(ex.path().join("full.jsonl"), &full).unwrap();
    step("tg-submit", &submit_args, &morphed);

    let leaked = |bytes: &[u8]| bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes());
    assert!(!leaked(&everything), "a stage printed the access token");
    assert!(!leaked(&requests.lock().unwrap()), "the access token was sent in clear");
    assert!(!requests.lock().unwrap().is_empty(), "no request reached the stand-in");
    let written = files_under(&ex.path().join("out"));
    assert!(written.iter().any(|p| p.is_file()), "tg-submit wrote no files");
    for path in written {
        if path.is_file() {
            assert!(!leaked(&std::fs::read(&path).unwrap()), "{} contains the access token", path.display());
        }
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o002, 0, "{} is world-writable ({mode:o})", path.display());
    }
}

/// tg-submit's state, artifacts and dry-run files are not group- or world-writable whatever
/// the umask: it creates files 0644 (the state log 0600) and directories 0755 explicitly
/// (`OpenOptionsExt::mode`, `DirBuilderExt::mode`), so under `umask 000` they come out exactly so.
#[test]
fn submit_files_are_not_world_writable_even_under_umask_000() {
    let ex = stage_example("faults-umask");
    let g = graphs(&ex);
    let morphed = run_ok(&mut stage("tg-morph", &ex, &[]), &g.optimized);
    let args = ["--dry-run", "--state", "out/state", "--artifacts", "out/artifacts", "--dry-run-dir", "out/queue"];
    let submit = stage("tg-submit", &ex, &args);
    let mut sh = Command::new("sh");
    sh.arg("-c").arg("umask 000 && exec \"$@\"").arg("sh").arg(submit.get_program()).args(submit.get_args());
    sh.current_dir(ex.path()).env("TASKCLUSTER_ROOT_URL", "https://tc.example.com").env_remove("TASK_ID");
    let out = run_with_input(&mut sh, &morphed);
    assert!(out.status.success(), "tg-submit failed: {}", head(&out.stderr));
    let written = files_under(&ex.path().join("out"));
    assert!(written.iter().any(|p| p.ends_with("state/submit.log")), "no state log written");
    assert!(written.iter().any(|p| p.ends_with("queue/createTask.jsonl")), "no dry-run requests written");
    assert!(written.iter().any(|p| p.ends_with("artifacts/task-graph.json")), "no artifacts written");
    for path in written {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o022, 0, "{} is group- or world-writable ({mode:o})", path.display());
        let expected = if path.is_dir() {
            0o755
        } else if path.ends_with("state/submit.log") {
            0o600
        } else {
            0o644
        };
        assert_eq!(mode & 0o777, expected, "{}", path.display());
    }
}
