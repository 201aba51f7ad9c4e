//! tg-load's items against Python taskgraph's own loaders (tests/python_loader.py), item by item,
//! on every real-world case (`../shared/realworld/*/config/taskcluster`), on the project's example
//! config (`kinds/`) when it exists, and on the semantics fixture. Only kinds whose loader is
//! built in (and whose kind-dependencies are too) are compared. Values are compared as JSON, so
//! key order does not matter.

use crate::common;

use clap::Parser;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use tg_core::config::GraphConfig;
use tg_loader::{loaders, Options};

/// True when `python3` can import taskgraph 24.5.1; otherwise a loud skip (a failure under CI).
fn python_taskgraph_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import sys, taskgraph; sys.exit(taskgraph.__version__ != '24.5.1')"])
        .output()
        .is_ok_and(|o| o.status.success());
    testkit::require(ok, "python3 cannot import taskgraph 24.5.1; tg-load was not compared with Python taskgraph")
}

/// The roots to compare: real-world cases, the example config, the fixture.
fn roots() -> Vec<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut roots = Vec::new();
    if let Some(cases) = common::realworld_cases() {
        roots.extend(cases.into_iter().map(|c| c.join("config/taskcluster")));
    }
    let example = manifest.parent().unwrap_or(manifest).join("kinds");
    assert!(example.join("config.yml").is_file(), "{} has no config.yml", example.display());
    roots.push(example);
    roots.push(manifest.join("tests/fixtures/semantics"));
    roots
}

/// A short name for reports: the real-world repo, or the directory.
fn case_name(root: &Path) -> String {
    let s = root.display().to_string();
    match s.strip_suffix("/config/taskcluster") {
        Some(repo) => repo.rsplit('/').next().unwrap_or(repo).to_string(),
        None => s,
    }
}

/// Our items for the loadable kinds of `root`, and those kinds in load order.
fn ours(root: &Path) -> (Vec<Value>, Vec<String>, Vec<String>) {
    let config = GraphConfig::load(root).expect("config.yml");
    let all = tg_core::kinds::load_kinds(&config, &[]).expect("kinds");
    let loadable: Vec<String> = loaders::loadable_kinds(&all).into_iter().map(str::to_string).collect();
    let skipped: Vec<String> = all.iter().map(|k| k.name.clone()).filter(|k| !loadable.contains(k)).collect();
    let targets = if skipped.is_empty() { Vec::new() } else { loadable.clone() };
    let ordered: Vec<String> =
        tg_core::kinds::load_kinds(&config, &targets).expect("kinds").into_iter().map(|k| k.name).collect();
    let mut args = vec!["tg-load".to_string(), "-q".into(), "--allow-unknown-parameters".into(), "-r".into()];
    args.push(root.display().to_string());
    let params = root.join("../../parameters.yml");
    if root.ends_with("config/taskcluster") && params.is_file() {
        args.extend(["-p".to_string(), params.display().to_string()]);
    }
    for k in &targets {
        args.extend(["-k".to_string(), k.clone()]);
    }
    let opts = Options::parse_from(args);
    let items = tg_loader::load_items(&opts).unwrap_or_else(|e| panic!("{}: {e:#}", root.display()));
    let values = items.iter().map(|i| serde_json::to_value(i).expect("item to JSON")).collect();
    (values, ordered, skipped)
}

/// Python taskgraph's items for `kinds` of `root`, in that order.
fn python(root: &Path, kinds: &[String]) -> Vec<Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python_loader.py");
    let out = Command::new("python3").arg(script).arg(root).args(kinds).output().expect("run python3");
    assert!(
        out.status.success(),
        "python_loader.py failed on {}:\n{}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("python output is JSON"))
        .collect()
}

#[test]
fn items_equal_python_taskgraph_loaders() {
    if !python_taskgraph_available() {
        return;
    }
    let mut report = Vec::new();
    for root in roots() {
        let name = case_name(&root);
        let (ours, kinds, skipped) = ours(&root);
        let theirs = python(&root, &kinds);
        for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
            assert_eq!(a, b, "{name}: item {i} differs\nours:   {a}\npython: {b}");
        }
        assert_eq!(ours.len(), theirs.len(), "{name}: item counts differ");
        assert!(!ours.is_empty(), "{name}: nothing loaded");
        let skipped = if skipped.is_empty() {
            String::new()
        } else {
            format!("; not compared (custom loader): {}", skipped.join(", "))
        };
        report.push(format!("{name}: {} items equal over {} kinds{skipped}", ours.len(), kinds.len()));
    }
    println!("tg-load vs Python taskgraph loaders:\n  {}", report.join("\n  "));
}
