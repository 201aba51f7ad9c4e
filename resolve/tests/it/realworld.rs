//! tg-resolve against Python taskgraph 24.5.1 on real repositories: each case's reference full
//! graph (`reference/full-task-graph.json`, as JSON lines) and its own parameters.yml must give
//! exactly `reference/target-tasks.json` and `reference/target-task-graph.json`; `--format json`
//! must even be byte-identical to all three reference files. The same for the example `kinds/`
//! and its golden files.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

/// Target methods tg-resolve has; a case using another one is reported, not compared.
const BUILT_IN: &[&str] = &["codereview", "default", "nothing", "try_option_syntax", "try_syntax"];

/// Compare one case; returns a one-line summary. `root`: taskgraph root, `refs`: dir of the
/// reference JSON files, `extra`: extra flags.
fn check_case(name: &str, root: &Path, params: &Path, refs: &Path, extra: &[&str]) -> String {
    let full = read_json(&refs.join("full-task-graph.json"));
    let input = graph_to_jsonl(&full);
    let root_s = root.display().to_string();
    let params_s = params.display().to_string();
    let base: Vec<&str> = [&["-q", "-r", root_s.as_str(), "-p", params_s.as_str()][..], extra].concat();

    // target task graph, JSON lines, task by task
    let (code, out, err) = run_sealed("tg-resolve", &base, &input);
    assert_eq!(code, 0, "{name}: {err}");
    let ours = jsonl_by_label(&out);
    let want = read_json(&refs.join("target-task-graph.json"));
    let want = want.as_object().expect("object");
    let same = want.iter().filter(|(l, t)| ours.get(*l) == Some(*t)).count();
    assert_eq!(ours.len(), want.len(), "{name}: target graph size");
    assert_eq!(same, want.len(), "{name}: target graph tasks differ");

    // target task labels
    let (code, out, err) = run_sealed("tg-resolve", &[&base[..], &["--labels"]].concat(), &input);
    assert_eq!(code, 0, "{name}: {err}");
    let want_targets = read_json(&refs.join("target-tasks.json"));
    let mut want_labels: Vec<String> = want_targets.as_object().expect("object").keys().cloned().collect();
    want_labels.sort();
    assert_eq!(label_lines(&out), want_labels, "{name}: target task labels");

    // byte-identical --json output for all three stages
    for (stage, file) in
        [("full", "full-task-graph.json"), ("target", "target-tasks.json"), ("target-graph", "target-task-graph.json")]
    {
        let (code, out, err) =
            run_sealed("tg-resolve", &[&base[..], &["--stage", stage, "--format", "json"]].concat(), &input);
        assert_eq!(code, 0, "{name} {stage}: {err}");
        let reference = std::fs::read_to_string(refs.join(file)).expect("reference");
        assert!(out == reference, "{name}: --stage {stage} --format json differs from reference/{file}");
    }
    format!(
        "{name}: full {} tasks -> target {}/{} -> target graph {}/{} identical (json byte-identical x3)",
        full.as_object().map_or(0, |m| m.len()),
        want_labels.len(),
        want_labels.len(),
        same,
        want.len()
    )
}

#[test]
fn realworld_references_are_reproduced() {
    let Some(shared) = shared_dir() else { return };
    let dir = shared.join("realworld");
    let mut cases: Vec<_> =
        std::fs::read_dir(&dir).expect("realworld").filter_map(Result::ok).map(|e| e.path()).collect();
    cases.retain(|p| p.join("parameters.yml").is_file() && p.join("reference/full-task-graph.json").is_file());
    cases.sort();
    assert!(!cases.is_empty(), "no real-world cases in {}", dir.display());
    let mut report = Vec::new();
    for case in &cases {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let params: Value =
            serde_json::to_value(tg_core::yaml::load_file(&case.join("parameters.yml")).expect("params"))
                .expect("value");
        let method = params["target_tasks_method"].as_str().unwrap_or("default");
        if !BUILT_IN.contains(&method) {
            report.push(format!("{name}: NOT COMPARED: custom target method {method}"));
            continue;
        }
        report.push(check_case(
            &name,
            &case.join("config/taskcluster"),
            &case.join("parameters.yml"),
            &case.join("reference"),
            &["--allow-unknown-parameters"],
        ));
    }
    println!("{}", report.join("\n"));
}

#[test]
fn example_kinds_golden_files_are_reproduced() {
    let root = repo_root();
    let golden = root.join("tests/golden");
    let files = ["full-task-graph.json", "target-tasks.json", "target-task-graph.json", "parameters.yml"];
    // Part of the repository: missing is a failure, never a skip.
    for file in files.iter().map(|f| golden.join(f)).chain([root.join("kinds/config.yml")]) {
        assert!(file.is_file(), "{} not found", file.display());
    }
    let line = check_case("kinds", &root.join("kinds"), &golden.join("parameters.yml"), &golden, &[]);
    println!("{line}");
}
