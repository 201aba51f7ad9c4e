//! tg-action against Python taskgraph 24.5.1 on the example (`kinds/`).
//!
//! Expected outputs are in `tests/fixtures/expected/`, made by `tests/fixtures/regenerate.sh`
//! (Python `taskgraph test-action-callback` and `taskgraph actions` against the same world of
//! decision tasks, served by `fake_tc.py`; see that script). Here the same world is served by
//! the test server of `common/`, `tg-action test` runs every case of `cases.json`, and
//! `fixtures/compare_case.py` compares the created tasks and the artifacts with
//! `../shared/tools/compare_graphs.py`. actions.json must be byte-identical.

use crate::common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn have_python() -> bool {
    testkit::require_command("python3", "compare_graphs.py runs on it")
}

/// The arguments of one case, as regenerate.sh builds them.
struct Case {
    name: String,
    callback: String,
    decision: String,
    group: String,
    task_id: Option<String>,
    input: Option<Value>,
}

fn cases() -> Vec<Case> {
    let ids = world_ids();
    let list: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("cases.json")).unwrap()).unwrap();
    list.into_iter()
        .map(|c| {
            let d = &ids[c["decision"].as_str().unwrap()];
            let task_id = match c.get("task").and_then(Value::as_str) {
                None => None,
                Some("@decision") => Some(d["decision"].as_str().unwrap().to_string()),
                Some(label) => Some(d["label-to-taskid"][label].as_str().unwrap().to_string()),
            };
            Case {
                name: c["name"].as_str().unwrap().into(),
                callback: c["callback"].as_str().unwrap().into(),
                decision: c["decision"].as_str().unwrap().into(),
                group: d["decision"].as_str().unwrap().into(),
                task_id,
                input: c.get("input").filter(|v| !v.is_null()).cloned(),
            }
        })
        .collect()
}

fn expected_result(name: &str) -> (i32, String) {
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("expected").join(name).join("result.json")).unwrap(),
    )
    .unwrap();
    (r["exit"].as_i64().unwrap() as i32, r["last_stderr_line"].as_str().unwrap_or_default().to_string())
}

/// Run one case in test mode; returns (exit code, stdout, stderr, artifacts dir).
fn run_case(
    case: &Case,
    work: &Path,
    env: &[(&str, String)],
    decision_dir: Option<&Path>,
) -> (i32, String, String, std::path::PathBuf) {
    let dir = work.join(&case.name);
    std::fs::create_dir_all(&dir).unwrap();
    let artifacts = dir.join("artifacts");
    let params = fixtures().join(format!("world/files/parameters-{}.yml", case.decision));
    let kinds = kinds();
    let mut args: Vec<String> =
        vec!["test".into(), "-r".into(), kinds.display().to_string(), "-p".into(), params.display().to_string()];
    args.extend(["--task-group-id".into(), case.group.clone(), "--artifacts".into(), artifacts.display().to_string()]);
    if let Some(t) = &case.task_id {
        args.extend(["--task-id".into(), t.clone()]);
    }
    if let Some(input) = &case.input {
        let path = dir.join("input.json");
        std::fs::write(&path, input.to_string()).unwrap();
        args.extend(["--input".into(), path.display().to_string()]);
    }
    if let Some(d) = decision_dir {
        args.extend(["--decision-dir".into(), d.display().to_string()]);
    }
    args.push(case.callback.clone());
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tg_action(&argv, env, &dir);
    let stdout_path = dir.join("stdout.jsonl");
    std::fs::write(&stdout_path, &out.stdout).unwrap();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr), artifacts)
}

/// Compare with compare_case.py; returns its report and whether everything matched.
fn compare(shared: &Path, case: &str, work: &Path, artifacts: &Path) -> (bool, String) {
    let out = Command::new("python3")
        .arg(fixtures().join("compare_case.py"))
        .arg(shared.join("tools/compare_graphs.py"))
        .arg(fixtures().join("expected").join(case))
        .arg(work.join(case).join("stdout.jsonl"))
        .arg(artifacts)
        .output()
        .unwrap();
    (out.status.success(), format!("{}{}", text(&out.stdout), text(&out.stderr)))
}

/// The message of Python's last stderr line (`Exception: msg`, or a logged line).
fn python_message(line: &str) -> &str {
    if let Some((_, msg)) = line.split_once("Exception: ") {
        return msg;
    }
    line.rsplit(" - ").next().unwrap_or(line)
}

#[test]
fn test_mode_matches_python_test_action_callback() {
    let Some(shared) = shared_dir() else { return };
    if !have_python() {
        return;
    }
    let server = Server::start(World::from_fixture(), None);
    let work = temp_dir("parity");
    let mut report = String::new();
    let mut failed = Vec::new();
    for case in cases() {
        let (code, _stdout, stderr, artifacts) = run_case(&case, &work, &server.env(false), None);
        let (want_code, want_line) = expected_result(&case.name);
        report.push_str(&format!("== {} (exit {code}, Python {want_code})\n", case.name));
        if code != want_code {
            failed.push(format!("{}: exit {code}, expected {want_code}: {stderr}", case.name));
            continue;
        }
        if code != 0 {
            let msg = python_message(&want_line);
            // Python lists the known callbacks in import order, tg-action sorted: compare as sets.
            let (head, known) = msg.split_once("Known callbacks: ").unwrap_or((msg, ""));
            let mut want_known: Vec<&str> = known.split(", ").filter(|s| !s.is_empty()).collect();
            want_known.sort_unstable();
            let ours_known = stderr.split_once("Known callbacks: ").map(|(_, k)| k.trim()).unwrap_or("");
            if !stderr.contains(head) || want_known.join(", ") != ours_known {
                failed.push(format!("{}: stderr does not match Python's message {msg:?}: {stderr}", case.name));
            }
            if artifacts.exists() {
                failed.push(format!("{}: artifacts written although the action failed", case.name));
            }
            continue;
        }
        let (same, text) = compare(&shared, &case.name, &work, &artifacts);
        report.push_str(&text);
        if !same {
            failed.push(format!("{}: differs from Python", case.name));
        }
    }
    eprintln!("{report}");
    assert!(failed.is_empty(), "{}", failed.join("\n"));
    assert!(server.world().created.is_empty(), "test mode created tasks");
    assert!(server.world().cancelled.is_empty() && server.world().rerun.is_empty(), "test mode changed tasks");
}

/// The same cases read from a decision directory, with no Taskcluster at all (the world's
/// artifacts copied into a directory, task definitions from its task-graph.json).
#[test]
fn decision_dir_gives_the_same_tasks() {
    let Some(shared) = shared_dir() else { return };
    if !have_python() {
        return;
    }
    let work = temp_dir("parity-dir");
    let world = World::from_fixture();
    let ids = world_ids();
    let main = ids["main"]["decision"].as_str().unwrap();
    let dir = work.join("decision");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in &world.tasks[main].artifacts {
        std::fs::write(dir.join(name.trim_start_matches("public/")), bytes).unwrap();
    }
    // task-graph.json: the definitions the retrigger cases look up by taskId.
    let mut graph = serde_json::Map::new();
    for (id, entry) in &world.tasks {
        if let (Some(def), true) = (&entry.definition, entry.group == main) {
            graph.insert(id.clone(), serde_json::json!({"task": def}));
        }
    }
    std::fs::write(dir.join("task-graph.json"), Value::Object(graph).to_string()).unwrap();
    let mut failed = Vec::new();
    for case in cases().into_iter().filter(|c| {
        ["add-new-jobs-deps-exist", "add-new-jobs-times", "retrigger-downstream", "rebuild-cached-tasks", "retrigger"]
            .contains(&c.name.as_str())
    }) {
        let (code, _, stderr, artifacts) = run_case(&case, &work, &[], Some(&dir));
        assert_eq!(code, 0, "{}: {stderr}", case.name);
        let (same, text) = compare(&shared, &case.name, &work, &artifacts);
        eprintln!("== {} (decision dir)\n{text}", case.name);
        if !same {
            failed.push(case.name.clone());
        }
    }
    assert!(failed.is_empty(), "differ from Python: {failed:?}");
}

#[test]
fn actions_json_is_byte_identical() {
    let work = temp_dir("render");
    // The example staged as a repository: ROOT/taskcluster with .taskcluster.yml at the VCS root.
    let repo = work.join("repo");
    copy_dir(&kinds(), &repo.join("taskcluster"));
    std::fs::copy(fixtures().join("taskcluster.yml"), repo.join(".taskcluster.yml")).unwrap();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let params = fixtures().join("world/files/parameters-main.yml");
    let root = repo.join("taskcluster");
    let (root_s, params_s) = (root.display().to_string(), params.display().to_string());

    let out = tg_action(&["render", "-r", &root_s, "-p", &params_s], &[], &work);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), std::fs::read_to_string(fixtures().join("expected/actions.json")).unwrap());

    // As a decision artifact: DIR/actions.json, written as taskgraph's write_artifact (no final newline).
    let art = work.join("artifacts");
    let out =
        tg_action(&["render", "-r", &root_s, "-p", &params_s, "--artifacts", &art.display().to_string()], &[], &work);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let written = std::fs::read_to_string(art.join("actions.json")).unwrap();
    assert_eq!(written + "\n", std::fs::read_to_string(fixtures().join("expected/actions.json")).unwrap());

    let pr = work.join("parameters-pr.yml");
    let text_main = std::fs::read_to_string(&params).unwrap();
    std::fs::write(&pr, text_main.replace("tasks_for: github-push", "tasks_for: github-pull-request")).unwrap();
    let out = tg_action(&["render", "-r", &root_s, "-p", &pr.display().to_string()], &[], &work);
    assert_eq!(text(&out.stdout), std::fs::read_to_string(fixtures().join("expected/actions-pr.json")).unwrap());

    let config = root.join("config.yml");
    let text_config = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text_config.replacen("taskgraph:\n", "taskgraph:\n    disabled-actions: [cancel-all, retrigger-decision]\n", 1),
    )
    .unwrap();
    let out = tg_action(&["render", "-r", &root_s, "-p", &params_s], &[], &work);
    assert_eq!(text(&out.stdout), std::fs::read_to_string(fixtures().join("expected/actions-disabled.json")).unwrap());

    // An unknown name in disabled-actions is bad input naming the known ones.
    std::fs::write(&config, text_config.replacen("taskgraph:\n", "taskgraph:\n    disabled-actions: [nope]\n", 1))
        .unwrap();
    let out = tg_action(&["render", "-r", &root_s, "-p", &params_s], &[], &work);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("Unknown action(s) in `taskgraph.disabled-actions`: ['nope']. Known actions: ['add-new-jobs', "),
        "{}",
        text(&out.stderr)
    );
    // Without .taskcluster.yml: a usage error that names the path and the flag.
    std::fs::remove_file(repo.join(".taskcluster.yml")).unwrap();
    std::fs::write(&config, &text_config).unwrap();
    let out = tg_action(&["render", "-r", &root_s, "-p", &params_s], &[], &work);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(".taskcluster.yml") && text(&out.stderr).contains("--taskcluster-yml"),
        "{}",
        text(&out.stderr)
    );
    let yml = fixtures().join("taskcluster.yml").display().to_string();
    let out = tg_action(&["render", "-r", &root_s, "-p", &params_s, "--taskcluster-yml", &yml], &[], &work);
    assert_eq!(text(&out.stdout), std::fs::read_to_string(fixtures().join("expected/actions.json")).unwrap());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}
