//! The real `tg-resolve` and `tg-diff` binaries on small inputs: exit codes, stdout and the
//! error message pinned for good and bad input.
//!
//! `fixtures/mini/full.jsonl` is a six-task graph. The expected selections come from taskgraph
//! 24.5.1 on the same file and parameters:
//! `TaskGraph.from_json(...)`, `taskgraph.target_tasks.get_method(m)(graph, params, None)`, then
//! `graph.graph.transitive_closure(targets | always_target)`, for m in default/codereview/nothing
//! and enable_always_target in true/false/[docker-image].

use crate::common::*;
use std::path::PathBuf;

fn mini(rel: &str) -> String {
    fixture(&format!("mini/{rel}")).display().to_string()
}

fn mini_input() -> Vec<u8> {
    std::fs::read(fixture("mini/full.jsonl")).expect("fixture")
}

/// `tg-resolve -r mini -p mini/parameters.yml EXTRA`, `input` piped with its end-of-stream
/// record; stdout's records.
fn resolve(extra: &[&str], input: &[u8]) -> (i32, String, String) {
    resolve_with(&mini("parameters.yml"), extra, input)
}

/// `tg-resolve -r mini -p PARAMS EXTRA`, `input` piped with its end-of-stream record; stdout's
/// records (see [`run_sealed`]).
fn resolve_with(params: &str, extra: &[&str], input: &[u8]) -> (i32, String, String) {
    let root = mini("taskcluster");
    run_sealed("tg-resolve", &[&["-r", root.as_str(), "-p", params][..], extra].concat(), input)
}

/// `tg-resolve -r mini -p mini/parameters.yml EXTRA`, `input` piped as it is; stdout whole.
fn resolve_raw(extra: &[&str], input: &[u8]) -> (i32, String, String) {
    let (root, params) = (mini("taskcluster"), mini("parameters.yml"));
    run("tg-resolve", &[&["-r", root.as_str(), "-p", params.as_str()][..], extra].concat(), input)
}

/// A task line of the mini graph's shape.
fn task(label: &str, deps: &[&str]) -> String {
    let deps: serde_json::Map<String, serde_json::Value> = deps.iter().map(|d| (d.to_string(), (*d).into())).collect();
    serde_json::json!({
        "kind": "build", "label": label, "attributes": {"kind": "build", "run_on_projects": ["all"]},
        "dependencies": deps, "task": {"provisionerId": "p", "workerType": "w"}
    })
    .to_string()
        + "\n"
}

/// A parameters file: the mini parameters with `line` replacing the line starting with its key.
fn params_with(line: &str) -> PathBuf {
    let key = line.split(':').next().unwrap_or_default();
    let text = std::fs::read_to_string(fixture("mini/parameters.yml")).expect("params");
    let mut out: Vec<String> = Vec::new();
    let mut skipping = false;
    for l in text.lines() {
        if l.starts_with(&format!("{key}:")) {
            out.push(line.to_string());
            skipping = true;
            continue;
        }
        if skipping && l.starts_with("  ") {
            continue;
        }
        skipping = false;
        out.push(l.to_string());
    }
    if !text.lines().any(|l| l.starts_with(&format!("{key}:"))) {
        out.push(line.to_string());
    }
    let dir = std::env::temp_dir().join(format!("tg-resolve-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let path = dir.join(format!("{}.yml", line.replace(|c: char| !c.is_ascii_alphanumeric(), "_")));
    std::fs::write(&path, out.join("\n") + "\n").expect("write");
    path
}

fn labels_of(stdout: &str) -> Vec<String> {
    let mut l: Vec<String> = jsonl_by_label(stdout).keys().cloned().collect();
    l.sort();
    l
}

#[test]
fn default_target_graph_and_its_order() {
    let (code, out, err) = resolve(&[], &mini_input());
    assert_eq!(code, 0, "{err}");
    assert_eq!(labels_of(&out), ["build-linux", "build-win", "docker-image-base", "test-linux", "test-win"]);
    let order: Vec<String> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["label"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        order,
        ["docker-image-base", "build-linux", "build-win", "test-linux", "test-win"],
        "dependencies first, then input order"
    );
    assert!(err.contains("tg-resolve: filter target_tasks_method (default) pruned 3 tasks (3 remain)"), "{err}");
    assert!(err.contains("tg-resolve: target task graph: 5 tasks (3 targets)"), "{err}");
    // deterministic: same input, same bytes
    assert_eq!(resolve(&[], &mini_input()).1, out);
}

#[test]
fn stages_and_formats() {
    let input = mini_input();
    let (code, out, _) = resolve(&["--labels"], &input);
    assert_eq!(code, 0);
    assert_eq!(out, "\"build-linux\"\n\"test-linux\"\n\"test-win\"\n");
    let (_, out, _) = resolve(&["--labels", "--stage", "target-graph"], &input);
    assert_eq!(label_lines(&out), ["build-linux", "build-win", "docker-image-base", "test-linux", "test-win"]);
    let (_, out, _) = resolve(&["--full", "--labels"], &input);
    assert_eq!(label_lines(&out).len(), 6);
    let (_, out, _) = resolve(&["--full"], &input);
    assert_eq!(out.as_bytes(), &input[..], "the full graph passes every task through unchanged, in dependency order");
    let (_, out, _) = resolve(&["--target"], &input);
    assert_eq!(labels_of(&out), ["build-linux", "test-linux", "test-win"]);
    let (code, out, _) = resolve(&["--format", "dot"], &input);
    assert_eq!(code, 0);
    assert!(out.starts_with("digraph taskgraph {"), "{out}");
    for cluster in ["cluster_build", "cluster_docker-image", "cluster_test"] {
        assert!(out.contains(cluster), "{cluster} in {out}");
    }
    assert!(!out.contains("cluster_lint"));
    assert!(out.contains("\"build-linux\" -> \"test-linux\" [tooltip=\"build\"];"), "{out}");
    let (_, out, _) = resolve(&["--format", "json", "--target"], &input);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json object");
    assert_eq!(v.as_object().unwrap().len(), 3);
}

#[test]
fn methods_and_always_target() {
    let input = mini_input();
    let (_, out, _) = resolve(&["--target-tasks-method", "codereview"], &input);
    assert_eq!(labels_of(&out), ["build-linux", "docker-image-base", "test-linux"]);
    let (_, out, _) = resolve(&["--target-tasks-method", "nothing"], &input);
    assert_eq!(labels_of(&out), ["docker-image-base"]);
    let off = params_with("enable_always_target: false").display().to_string();
    let (_, out, _) = resolve_with(&off, &["--target-tasks-method", "nothing"], &input);
    assert_eq!(out, "");
    let kinds = params_with("enable_always_target: [docker-image]").display().to_string();
    let (_, out, _) = resolve_with(&kinds, &["--target-tasks-method", "nothing"], &input);
    assert_eq!(labels_of(&out), ["docker-image-base"]);
    let other = params_with("enable_always_target: [build]").display().to_string();
    let (_, out, _) = resolve_with(&other, &["--target-tasks-method", "nothing"], &input);
    assert_eq!(out, "");
}

#[test]
fn target_kinds_keep_kind_dependencies_and_docker_image() {
    let (code, out, err) = resolve(&["-k", "test", "--full", "--labels"], &mini_input());
    assert_eq!(code, 0, "{err}");
    assert_eq!(label_lines(&out), ["build-linux", "build-win", "docker-image-base", "test-linux", "test-win"]);
    assert!(
        err.contains("target-kinds test: kept kinds docker-image, build, test; dropped 1 tasks of other kinds"),
        "{err}"
    );
    let (code, _, err) = resolve(&["-k", "nope"], &mini_input());
    assert_eq!(code, 1);
    assert!(err.contains("kind nope not found"), "{err}");
}

#[test]
fn soft_dependencies_are_kept_as_written() {
    let (_, out, _) = resolve(&["--full"], &mini_input());
    let lint = &jsonl_by_label(&out)["lint"];
    assert_eq!(lint["soft_dependencies"], serde_json::json!(["test-linux", "gone"]));
}

#[test]
fn bad_graphs_name_the_labels() {
    let cases: Vec<(String, &str)> = vec![
        (
            task("x", &[]) + &task("a", &["b"]) + &task("b", &["c"]) + &task("c", &["a"]),
            "tg-resolve: error: dependency cycle: a -> b -> c -> a\n",
        ),
        (task("a", &[]) + &task("a", &[]), "tg-resolve: error: duplicate task label a\n"),
        (
            task("a", &["gone"]),
            "tg-resolve: error: task a depends on gone (as \"gone\"), which is not in the graph; was it filtered out upstream?\n",
        ),
        (task("a", &[]) + "{oops\n", "tg-resolve: error: <stdin>:2: malformed JSON: key must be a string at line 1 column 2\n"),
        (
            "{\"kind\":\"k\",\"label\":\"l\"}\n".to_string(),
            "tg-resolve: error: <stdin>:1: kind k, task l: missing field `task`\n",
        ),
    ];
    for (input, want) in cases {
        let (code, out, err) = resolve(&["-q"], input.as_bytes());
        assert_eq!((code, out.as_str(), err.as_str()), (1, "", want), "{input}");
    }
}

#[test]
fn a_dependency_removed_by_jq_is_named() {
    // As `jq -c 'select(.label != "build-win")'` between stages would do.
    let input: String = String::from_utf8(mini_input())
        .unwrap()
        .lines()
        .filter(|l| !l.contains("\"label\":\"build-win\""))
        .map(|l| format!("{l}\n"))
        .collect();
    let (code, out, err) = resolve(&["-q"], input.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "tg-resolve: error: task test-win depends on build-win (as \"build\"), which is not in the graph; was it filtered out upstream?\n"
    );
}

#[test]
fn verification_failures_and_no_verify() {
    let bad = "{\"kind\":\"k\",\"label\":\"a\",\"task\":{\"provisionerId\":\"p\",\"workerType\":\"bad/type\"}}\n";
    let (code, out, err) = resolve(&["-q"], bad.as_bytes());
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(err, "tg-resolve: error: full task graph verification verify_task_identifiers failed: task a.workerType is not a valid identifier: bad/type\n");
    let (code, _, _) = resolve(&["-q", "--no-verify", "--full"], bad.as_bytes());
    assert_eq!(code, 0);
    let tiers = "{\"kind\":\"k\",\"label\":\"a\",\"task\":{\"provisionerId\":\"p\",\"workerType\":\"w\",\"extra\":{\"treeherder\":{\"collection\":{\"opt\":true},\"symbol\":\"A\",\"tier\":3}}}}\n\
                 {\"kind\":\"k\",\"label\":\"b\",\"dependencies\":{\"a\":\"a\"},\"task\":{\"provisionerId\":\"p\",\"workerType\":\"w\",\"extra\":{\"treeherder\":{\"collection\":{\"opt\":true},\"symbol\":\"B\",\"tier\":1}}}}\n";
    let (code, _, err) = resolve(&["-q"], tiers.as_bytes());
    assert_eq!(code, 1);
    assert_eq!(err, "tg-resolve: error: full task graph verification verify_dependency_tiers failed: b (tier 1) cannot depend on a (tier 3)\n");
}

#[test]
fn unknown_method_filter_and_parameters() {
    let input = mini_input();
    let (code, out, err) = resolve(&["-q", "--target-tasks-method", "release"], &input);
    assert_eq!((code, out.as_str()), (1, ""));
    assert_eq!(
        err,
        "tg-resolve: error: unknown target_tasks_method \"release\" (built-in methods: codereview, default, nothing, try_option_syntax, try_syntax); methods registered by project code are not available\n"
    );
    // --full does not need a target method (taskgraph's `full` neither)
    assert_eq!(resolve(&["-q", "--full", "--target-tasks-method", "release"], &input).0, 0);
    let p = params_with("filters: [target_tasks_method, check_servo]").display().to_string();
    let (code, _, err) = resolve_with(&p, &["-q"], &input);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "tg-resolve: error: unknown filter \"check_servo\" in parameter filters (built-in filters: target_tasks_method); filters registered by project code are not available\n"
    );
    // A parameter a project adds is accepted, as `taskgraph full -p` accepts it; refused with
    // --strict-parameters (taskgraph's strict mode) unless --allow-unknown-parameters.
    let p = params_with("pull_request_number: 7").display().to_string();
    assert_eq!(resolve_with(&p, &["-q"], &input).0, 0);
    let (code, _, err) = resolve_with(&p, &["-q", "--strict-parameters"], &input);
    assert_eq!(code, 1);
    assert!(err.ends_with("invalid parameters: unknown parameters: pull_request_number (pass --allow-unknown-parameters to accept parameters a project adds)\n"), "{err}");
    assert_eq!(resolve_with(&p, &["-q", "--strict-parameters", "--allow-unknown-parameters"], &input).0, 0);
    // `message` is accepted by name (the try_syntax method reads it)
    let p = params_with("message: 'try: -b o'").display().to_string();
    assert_eq!(resolve_with(&p, &["-q"], &input).0, 0);
}

#[test]
fn bad_try_syntax_is_named() {
    let input = mini_input();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--target-tasks-method", "try_syntax", "--message", "try: -b 'do"],
            "tg-resolve: error: target_tasks_method try_syntax: No closing quotation in \"try: -b 'do\"\n",
        ),
        (
            &["--target-tasks-method", "try_syntax"],
            "tg-resolve: error: target_tasks_method try_syntax: the message parameter is missing: pass --message 'try: ...' or set message in the parameters file\n",
        ),
        (
            &["--target-tasks-method", "try_syntax", "-m", "fix a bug"],
            "tg-resolve: error: target_tasks_method try_syntax: no \"try:\" in the message parameter: \"fix a bug\"\n",
        ),
        (
            &["--target-tasks-method", "try_syntax", "-m", "try: -u gtest[linux"],
            "tg-resolve: error: target_tasks_method try_syntax: -u: unclosed '[' in \"gtest[linux\"\n",
        ),
        (
            &["--target-tasks-method", "try_syntax", "-m", "try: -p win99"],
            "tg-resolve: error: target_tasks_method try_syntax: Unknown platform(s) [win99] specified for try (-p win99; platforms in the graph: none)\n",
        ),
        (
            &["--target-tasks-method", "try_syntax", "-m", "try: -b o -p win99"],
            "tg-resolve: error: target_tasks_method try_syntax: Unknown build type(s) [opt] specified for try (-b o; build types in the graph: none)\n",
        ),
    ];
    for (args, want) in cases {
        let (code, out, err) = resolve(&[&["-q"], *args].concat(), &input);
        assert_eq!((code, out.as_str(), err.as_str()), (1, "", *want), "{args:?}");
    }
}

#[test]
fn usage_errors_exit_2() {
    let (code, _, err) = resolve(&["/no/such/file.jsonl"], b"");
    assert_eq!(code, 2);
    assert!(err.starts_with("tg-resolve: error: cannot open /no/such/file.jsonl"), "{err}");
    let (code, _, _) = resolve(&["--bogus"], b"");
    assert_eq!(code, 2);
    let (code, _, _) = resolve(&["--full", "--target"], b"");
    assert_eq!(code, 2);
    let (code, _, err) = run("tg-resolve", &["-r", "/no/such/root"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("couldn't find taskgraph configuration"), "{err}");
}

/// A pipe must carry the end-of-stream record: an empty pipe, or a graph cut at a line
/// boundary, is refused (exit 1, nothing written), never resolved as a smaller graph. An empty
/// stream that is complete, or an empty file given as a file, is an empty graph.
#[test]
fn empty_or_cut_pipe_is_refused_empty_file_or_sealed_stream_is_an_empty_graph() {
    let cut = {
        let full = String::from_utf8(mini_input()).unwrap();
        full.lines().take(2).map(|l| format!("{l}\n")).collect::<String>()
    };
    for input in ["", cut.as_str()] {
        let (code, out, err) = resolve_raw(&["-q"], input.as_bytes());
        assert_eq!((code, out.as_str()), (1, ""), "{input:?}: {err}");
        assert!(
            err.starts_with("tg-resolve: error: <stdin>: the stream ended without its end-of-stream record"),
            "{err}"
        );
    }
    let (code, out, err) = resolve_raw(&["-q"], testkit::END_OF_STREAM.as_bytes());
    assert_eq!((code, testkit::unsealed(&out, "tg-resolve").as_str()), (0, ""), "{err}");
    let empty = write_tmp("empty.jsonl", "");
    let (code, out, err) = resolve_raw(&["-q", &empty], b"");
    assert_eq!((code, testkit::unsealed(&out, "tg-resolve").as_str()), (0, ""), "{err}");
}

/// What tg-resolve writes to a pipe: a graph (JSON lines) ends with its end-of-stream record
/// as the last line; labels, dot and JSON are ends of a pipeline, written without it. A graph
/// given as a file (no end record in it) resolves to the same records.
#[test]
fn what_a_pipe_carries() {
    let piped = testkit::sealed(String::from_utf8(mini_input()).unwrap());
    let (code, out, err) = resolve_raw(&["-q"], piped.as_bytes());
    assert_eq!(code, 0, "{err}");
    let records = testkit::unsealed(&out, "tg-resolve");
    assert_eq!(records.lines().count(), 5, "{out}");
    let (code, from_file, err) = resolve_raw(&["-q", &mini("full.jsonl")], b"");
    assert_eq!(code, 0, "{err}");
    assert_eq!(from_file, out, "the same stream from a file argument");
    for format in [&["--labels"][..], &["--format", "dot"], &["--format", "json"]] {
        let (code, out, err) = resolve_raw(&[&["-q"], format].concat(), piped.as_bytes());
        assert_eq!(code, 0, "{format:?}: {err}");
        assert!(!out.contains("end_of_stream"), "{format:?} wrote an end-of-stream record:\n{out}");
    }
}

fn write_tmp(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("tg-diff-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

#[test]
fn tg_diff_reports_added_removed_changed() {
    let old = write_tmp("old.jsonl", &(task("a", &[]) + &task("b", &["a"]) + &task("gone", &[])));
    let new_text = task("a", &[]) + &task("b", &["a"]).replace("\"w\"", "\"w2\"") + &task("new", &[]);
    let new = write_tmp("new.jsonl", &new_text);
    let (code, out, err) = run("tg-diff", &[&old, &new], b"");
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "~ b\n    task.workerType: \"w\" -> \"w2\"\n- gone\n+ new\n");
    assert_eq!(err, "tg-diff: 1 added, 1 removed, 1 changed, 1 unchanged\n");
    let (code, out, _) = run("tg-diff", &[&old, &old], b"");
    assert_eq!((code, out.as_str()), (0, ""));
    let (code, out, _) = run("tg-diff", &["--json", &old, &new], b"");
    assert_eq!(code, 1);
    assert!(out.starts_with("{\"label\":\"b\",\"status\":\"changed\",\"changes\":[{\"path\":\"task.workerType\",\"old\":\"w\",\"new\":\"w2\"}]}\n"), "{out}");
    let (code, _, _) = run("tg-diff", &["-q", "--ignore", "task.workerType", &old, &old], b"");
    assert_eq!(code, 0);
    let (code, _, err) = run("tg-diff", &[&old, "/no/such/file"], b"");
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /no/such/file"), "{err}");
    let bad = write_tmp("bad.jsonl", "{oops\n");
    assert_eq!(run("tg-diff", &[&old, &bad], b"").0, 2);
}

#[test]
fn tg_diff_maps_task_ids_to_labels() {
    // Two optimized graphs of the same tasks with different random taskIds.
    let g1 = r#"{"aaaaaaaaaaaaaaaaaaaaaa": {"label": "build", "task_id": "aaaaaaaaaaaaaaaaaaaaaa", "dependencies": {}, "task": {}},
                 "bbbbbbbbbbbbbbbbbbbbbb": {"label": "test", "task_id": "bbbbbbbbbbbbbbbbbbbbbb", "dependencies": {"build": "aaaaaaaaaaaaaaaaaaaaaa"}, "task": {"dependencies": ["aaaaaaaaaaaaaaaaaaaaaa"]}}}"#;
    let g2 = g1
        .replace("aaaaaaaaaaaaaaaaaaaaaa", "cccccccccccccccccccccc")
        .replace("bbbbbbbbbbbbbbbbbbbbbb", "dddddddddddddddddddddd");
    let (a, b) = (write_tmp("g1.json", g1), write_tmp("g2.json", &g2));
    let (code, out, _) = run("tg-diff", &["--ignore", "task_id", &a, &b], b"");
    assert_eq!((code, out.as_str()), (0, ""));
    // and a labels stream against a task stream: same labels, different content
    let labels = write_tmp("labels.jsonl", "\"build\"\n\"test\"\n");
    let (code, out, _) = run("tg-diff", &["--max-paths", "1", &labels, &a], b"");
    assert_eq!(code, 1);
    assert!(out.starts_with("~ build\n    dependencies: <absent> -> {}\n    ... "), "{out}");
}
