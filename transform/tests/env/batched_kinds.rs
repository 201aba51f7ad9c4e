//! tg-transform runs a kind whose steps are all per-task built-ins (matrix, task_context,
//! chunking, run, task) on batches of dicts, writing each kind as soon as it is done. The
//! invariant checked here: the binary's output (batched, streamed) is byte for byte what the
//! library's whole-kind path (`driver::transform_items_with`, every step on the whole kind at
//! once, as taskgraph runs them) makes, and errors are the same error. The cases cover what
//! makes a batch unable to stand for its kind: tasks depending on tasks of their own kind
//! (taskgraph orders them), duplicate labels, a kind-dependency kept for a later kind, errors.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tg_core::cli::{CommonArgs, Log, StageContext};
use tg_core::item::Item;
use tg_core::jsonl::JsonLinesWriter;

const CONFIG: &str = "trust-domain: zoo\ntask-priority: low\nworkers:\n  aliases:\n    b-linux:\n      provisioner: 'zoo-{level}'\n      implementation: docker-worker\n      os: linux\n      worker-type: b-linux\ntaskgraph:\n  repositories:\n    ci:\n      name: Zoo\n";
const PARAMS: &str = "base_repository: https://github.com/example/zoo\nhead_repository: https://github.com/example/zoo\nhead_ref: refs/heads/main\nhead_rev: f303f38cd4a78ec2b2607034c140f6b0cb12a24f\nbase_rev: f303f38cd4a78ec2b2607034c140f6b0cb12a24f\nrepository_type: git\nproject: zoo\nlevel: '3'\nbuild_date: 1767225600\nmoz_build_date: '20260101000000'\npushdate: 1767225600\npushlog_id: '0'\ntasks_for: github-push\nowner: nobody@mozilla.com\n";

const PER_TASK: &str =
    "transforms:\n  - taskgraph.transforms.matrix:transforms\n  - taskgraph.transforms.chunking:transforms\n";

/// A root with kinds `build` and `test` (test depends on build), both per-task steps only.
fn root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-batched-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for kind in ["build", "test"] {
        std::fs::create_dir_all(dir.join("kinds").join(kind)).unwrap();
    }
    std::fs::write(dir.join("config.yml"), CONFIG).unwrap();
    std::fs::write(dir.join("parameters.yml"), PARAMS).unwrap();
    std::fs::write(dir.join("kinds/build/kind.yml"), format!("{PER_TASK}tasks: {{}}\n")).unwrap();
    std::fs::write(dir.join("kinds/test/kind.yml"), format!("kind-dependencies: [build]\n{PER_TASK}tasks: {{}}\n"))
        .unwrap();
    dir
}

/// One item: `matrix` of `cells` platforms, 3 chunks each.
fn item(kind: &str, name: &str, cells: usize, extra: &str) -> String {
    let platforms: Vec<String> = (0..cells).map(|i| format!("\"p{i}\"")).collect();
    format!(
        r#"{{"kind":"{kind}","name":"{name}","item":{{"name":"{name}","description":"{name} on {{matrix[platform]}} {{{{this_chunk}}}}","matrix":{{"set-name":"{name}-{{matrix[platform]}}-{{{{this_chunk}}}}","platform":[{}]}},"chunk":{{"total-chunks":3,"substitution-fields":["name","description"]}},"worker-type":"b-linux","worker":{{"docker-image":"python:3","max-run-time":60}},"run":{{"using":"run-task","command":"make","checkout":false}}{extra}}}}}"#,
        platforms.join(",")
    )
}

/// (exit success, stdout, last stderr line) of the binary.
fn binary(dir: &Path, items: &[String]) -> (bool, Vec<u8>, String) {
    let out = Command::cargo_bin("tg-transform")
        .unwrap()
        .args(["-q", "-r", dir.to_str().unwrap(), "-p", dir.join("parameters.yml").to_str().unwrap()])
        .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
        .write_stdin(testkit::sealed(items.join("\n") + "\n"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("").to_string();
    // The task lines: stdout without its end-of-stream record.
    (out.status.success(), testkit::records(&String::from_utf8_lossy(&out.stdout)).into_bytes(), err)
}

/// The whole-kind path in the library: Ok(JSON lines) or Err(message).
fn whole(dir: &Path, items: &[String]) -> Result<Vec<u8>, String> {
    std::env::set_var("TASKCLUSTER_ROOT_URL", "https://tc.example.com");
    let args = CommonArgs {
        root: dir.to_path_buf(),
        parameters: Some(dir.join("parameters.yml")),
        verbose: 0,
        quiet: true,
        strict_parameters: false,
    };
    let ctx = StageContext::load(&args, false).map_err(|e| e.to_string())?;
    let items: Vec<Item> = items.iter().map(|i| serde_json::from_str(i).unwrap()).collect();
    let tasks =
        tg_transform::driver::transform_items(&ctx, items, Log::quiet("tg-transform")).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    let mut writer = JsonLinesWriter::new(&mut out);
    for task in &tasks {
        writer.write(task).unwrap();
    }
    writer.finish().unwrap();
    Ok(out)
}

/// The binary and the whole-kind path agree: same bytes, or both fail with the same message.
fn check(name: &str, items: &[String]) -> Vec<u8> {
    let dir = root(name);
    let (ok, stdout, err) = binary(&dir, items);
    let expected = whole(&dir, items);
    let _ = std::fs::remove_dir_all(&dir);
    match expected {
        Ok(text) => {
            assert!(ok, "{name}: the binary failed: {err}");
            assert!(stdout == text, "{name}: batched output differs from the whole-kind output");
            text
        }
        Err(message) => {
            assert!(!ok, "{name}: the binary succeeded where the whole kind fails with {message}");
            assert_eq!(err, format!("tg-transform: error: {message}"), "{name}");
            Vec::new()
        }
    }
}

#[test]
fn many_batches_match_the_whole_kind() {
    let _env = crate::env_lock();
    // 700 matrix cells x 3 chunks: several batches per kind, the build kind kept for test.
    let items = vec![item("build", "b", 700, ""), item("test", "t", 300, ""), item("test", "u", 5, "")];
    let text = check("many", &items);
    assert_eq!(text.iter().filter(|b| **b == b'\n').count(), (700 + 300 + 5) * 3);
}

#[test]
fn in_kind_dependencies_are_ordered_as_in_the_whole_kind() {
    let _env = crate::env_lock();
    // The first test task depends on a task of its own kind made far later: taskgraph's run
    // transforms move it after that task; a batch could not.
    let dep = r#","dependencies":{"later":"test-u-p4-3"}"#;
    // (labels: `<kind>-<name>-<platform>-<chunk>`)
    let items = vec![item("build", "b", 2, ""), item("test", "t", 300, dep), item("test", "u", 5, "")];
    check("in-kind", &items);
}

#[test]
fn duplicate_labels_in_a_kind_behave_as_in_the_whole_kind() {
    let _env = crate::env_lock();
    let items = vec![item("build", "b", 2, ""), item("test", "t", 300, ""), item("test", "t", 300, "")];
    check("duplicates", &items);
}

#[test]
fn errors_are_the_whole_kind_errors() {
    let _env = crate::env_lock();
    // A bad chunk count on a late item (chunking) and a bad run on an early one (run): the whole
    // kind reports the chunking error first, as taskgraph would (steps run kind by kind).
    let bad_run = r#","run":{"using":"bare"}"#;
    let late = item("test", "z", 3, "").replace(r#""total-chunks":3"#, r#""total-chunks":"x""#);
    let items = vec![item("build", "b", 2, ""), item("test", "t", 300, bad_run), late];
    check("errors", &items);
}
