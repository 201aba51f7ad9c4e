//! tg-params against Python taskgraph 24.5.1's `get_decision_parameters`, on git checkouts with
//! a base and a head commit: the same flags give the same parameters (as data).

use crate::common::{copy_dir, git};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A git checkout holding `taskcluster/` (a copy of a fixture root) and two commits.
struct Checkout {
    dir: PathBuf,
    base: String,
    head: String,
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A checkout of `fixture` (a taskgraph root) whose head commit adds, changes and deletes files
/// and carries `message`.
fn checkout(name: &str, fixture: &Path, message: &str) -> Checkout {
    let dir = std::env::temp_dir().join(format!("tg-params-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(fixture, &dir.join("taskcluster"));
    std::fs::write(dir.join("kept.txt"), "1\n").unwrap();
    std::fs::write(dir.join("gone.txt"), "1\n").unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", "base"]);
    let base = git(&dir, &["rev-parse", "HEAD"]);
    std::fs::write(dir.join("kept.txt"), "2\n").unwrap();
    std::fs::remove_file(dir.join("gone.txt")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/new.rs"), "\n").unwrap();
    std::fs::write(dir.join("version.txt"), "2.5.0\nsecond line\n").unwrap();
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-qm", message]);
    let head = git(&dir, &["rev-parse", "HEAD"]);
    Checkout { dir, base, head }
}

fn python_has_taskgraph() -> bool {
    testkit::python_taskgraph().is_some()
}

fn fixture(name: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match name {
        "example" => manifest.join("../kinds"),
        other => manifest.join("tests/fixtures").join(other).join("taskcluster"),
    }
}

/// Flags of a github-push decision of `c`'s head, plus `extra`.
fn flags(c: &Checkout, extra: &[&str]) -> Vec<String> {
    let mut f: Vec<String> = [
        "--project=hooked",
        "--pushlog-id=0",
        "--pushdate=1700000000",
        "--owner=someone@example.com",
        "--level=1",
        "--repository-type=git",
        "--base-repository=https://github.com/example/hooked",
        "--head-repository=https://github.com/example/hooked",
        "--head-ref=main",
        "--tasks-for=github-push",
    ]
    .map(String::from)
    .to_vec();
    f.push(format!("--head-rev={}", c.head));
    f.extend(extra.iter().map(|s| s.replace("BASE", &c.base)));
    f
}

fn ours(c: &Checkout, flags: &[String]) -> Result<Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_tg-params")).args(flags).current_dir(&c.dir).output().unwrap();
    if !out.status.success() {
        return Err(format!("exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(tg_core::yaml::from_str(&String::from_utf8_lossy(&out.stdout), "parameters.yml").unwrap())
}

fn python(c: &Checkout, flags: &[String]) -> Result<Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python_decision_parameters.py");
    let out = Command::new("python3").arg(script).args(flags).current_dir(&c.dir).output().unwrap();
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or_default().to_string());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap())
}

/// Both succeed with equal parameters (`fails` false), or both fail (`fails` true).
fn assert_same_outcome(
    name: &str,
    fixture_name: &str,
    message: &str,
    extra: &[&str],
    fails: bool,
    setup: impl Fn(&Path),
) {
    let c = checkout(name, &fixture(fixture_name), message);
    setup(&c.dir);
    let f = flags(&c, extra);
    match (ours(&c, &f), python(&c, &f)) {
        (Ok(a), Ok(b)) if !fails => assert_eq!(a, b, "{name}: parameters differ"),
        (Err(_), Err(_)) if fails => {}
        (a, b) => panic!("{name}: expected {}: ours {a:?}\npython {b:?}", if fails { "failures" } else { "success" }),
    }
}

fn assert_same(name: &str, fixture_name: &str, message: &str, extra: &[&str], setup: impl Fn(&Path)) {
    assert_same_outcome(name, fixture_name, message, extra, false, setup);
}

fn assert_both_fail(name: &str, fixture_name: &str, extra: &[&str], setup: impl Fn(&Path)) {
    assert_same_outcome(name, fixture_name, "x", extra, true, setup);
}

#[test]
fn decision_parameters_equal_pythons() {
    if !python_has_taskgraph() {
        return;
    }
    let none = |_: &Path| {};
    // The example root (no project code), a base revision, a version.txt with two lines.
    assert_same("plain", "example", "change things", &["--base-rev=BASE"], none);
    // No --base-rev: git log ..HEAD; an owner without @; a target method flag.
    assert_same("nobase", "example", "x", &["--owner=ffxbld", "--target-tasks-method=nothing"], none);
    // A new branch: base is git's null revision.
    assert_same("nullbase", "example", "x", &["--base-rev=0000000000000000000000000000000000000000"], none);
    // Strings YAML 1.1 reads as other types stay strings in parameters.yml (they did not:
    // `head_tag: 1_000` read back as an integer).
    let traps = ["--base-rev=BASE", "--head-tag=1_000", "--head-ref=yes", "--pushlog-id=1:30", "--level=0755"];
    assert_same("yaml-traps", "example", "x", &traps, none);
    // DONTBUILD on a push selects `nothing`; a pushdate of 0 is now (compared below, not here).
    assert_same("dontbuild", "example", "fix DONTBUILD please", &["--base-rev=BASE"], none);
    // Project code: register extends the schema, decision-parameters sets the extension.
    assert_same("hooked", "hooked", "x", &["--base-rev=BASE"], none);
    assert_same("hooked-release", "hooked", "x", &["--base-rev=BASE", "--tasks-for=github-release"], none);
    // Overrides from try_task_config.json (version 2), allowed and not.
    let try_config = |dir: &Path| {
        std::fs::write(
            dir.join("try_task_config.json"),
            r#"{"version": 2, "parameters": {"optimize_target_tasks": false, "target_tasks_method": "nothing"}}"#,
        )
        .unwrap();
    };
    assert_same("try-allowed", "example", "x", &["--base-rev=BASE", "--allow-parameter-override"], try_config);
    assert_same("try-ignored", "example", "x", &["--base-rev=BASE"], try_config);
    let bad_version = |dir: &Path| std::fs::write(dir.join("try_task_config.json"), r#"{"version": 1}"#).unwrap();
    assert_both_fail("try-v1", "example", &["--base-rev=BASE", "--allow-parameter-override"], bad_version);
    // An unknown parameter from the overrides fails the strict check on both sides.
    let unknown = |dir: &Path| {
        std::fs::write(dir.join("try_task_config.json"), r#"{"version": 2, "parameters": {"no_such_parameter": 1}}"#)
            .unwrap();
    };
    assert_both_fail("try-unknown", "example", &["--base-rev=BASE", "--allow-parameter-override"], unknown);
    // The hooked project's extension accepts its own keys, and only those.
    let unknown_hooked = |dir: &Path| {
        std::fs::write(dir.join("try_task_config.json"), r#"{"version": 2, "parameters": {"deploy-x": 1}}"#).unwrap();
    };
    assert_both_fail("hooked-unknown", "hooked", &["--base-rev=BASE", "--allow-parameter-override"], unknown_hooked);
}

#[test]
fn pushdate_zero_is_now() {
    let c = checkout("now", &fixture("example"), "x");
    let mut f = flags(&c, &[]);
    f.retain(|a| !a.starts_with("--pushdate"));
    f.push("--pushdate=0".into());
    let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let p = ours(&c, &f).unwrap();
    let after = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    let build_date = p["build_date"].as_i64().unwrap();
    assert!(before <= build_date && build_date <= after, "{build_date}");
    assert_eq!(p["pushdate"], Value::from(0));
}

#[test]
fn a_missing_required_flag_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_tg-params")).args(["--project=x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--pushlog-id"), "{}", String::from_utf8_lossy(&out.stderr));
}
