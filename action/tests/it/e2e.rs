//! End to end against the local queue (`common::Server`, Hawk checked): a decision submits the
//! example's graph with tg-submit (Python's morphed graph of `kinds/`, tests/golden), its
//! artifacts are uploaded and indexed as a decision task's would be, then action tasks run
//! `tg-action` from the ACTION_* variables, reading everything from the queue.

use crate::common::*;
use clap::Parser;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DECISION: &str = "DecisionTaskAAAAAAAAAA";
const ACTION: &str = "ActionTaskBBBBBBBBBBBB";
const HEAD_REV: &str = "9a1b2c3d4e5f60718293a4b5c6d7e8f901234567";

fn golden() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/golden")
}

/// A task that exists before the test: the decision task, or the action task.
fn existing_task(name: &str, group: &str, state: &str) -> TaskEntry {
    TaskEntry {
        definition: Some(json!({
            "taskGroupId": group, "schedulerId": "widget-level-3", "provisionerId": "widget-3", "workerType": "decision",
            "created": "2026-01-01T00:00:00.000Z", "deadline": "2026-01-02T00:00:00.000Z", "expires": "2027-01-01T00:00:00.000Z",
            "dependencies": [], "payload": {}, "tags": {"kind": "decision-task"},
            "metadata": {"name": name, "description": "d", "owner": "dev@example.com", "source": "https://github.com/example/widget"},
        })),
        group: group.into(),
        state: state.into(),
        artifacts: BTreeMap::new(),
    }
}

/// The decision: tg-submit creates Python's morphed graph of the example on the server and
/// writes the decision artifacts, which are then uploaded and indexed.
fn run_decision(server: &Server, work: &Path) -> BTreeMap<String, String> {
    let morphed: Value =
        serde_json::from_str(&std::fs::read_to_string(golden().join("morphed-task-graph.json")).unwrap()).unwrap();
    let mut lines = String::new();
    for task in morphed.as_object().unwrap().values() {
        lines.push_str(&task.to_string());
        lines.push('\n');
    }
    let input = work.join("morphed.jsonl");
    std::fs::write(&input, lines).unwrap();
    let artifacts = work.join("decision-artifacts");
    let kinds = kinds();
    let opts = tg_submit::Opts::parse_from([
        "tg-submit",
        "-q",
        "-r",
        kinds.to_str().unwrap(),
        "-p",
        golden().join("parameters.yml").to_str().unwrap(),
        "--artifacts",
        artifacts.to_str().unwrap(),
        "--full-graph",
        golden().join("full-task-graph.json").to_str().unwrap(),
        "--retry-delay-ms",
        "10",
        input.to_str().unwrap(),
    ]);
    let mut env: Vec<(&str, String)> = server.env(true);
    env.push(("TASK_ID", DECISION.into()));
    tg_submit::run(&opts, &|name| env.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())).unwrap();
    let mut world = server.world();
    world.upload_artifacts(DECISION, &artifacts);
    world.find.insert(format!("widget.v2.widget.revision.{HEAD_REV}.taskgraph.decision"), DECISION.into());
    let l2t: BTreeMap<String, String> =
        serde_json::from_str(&std::fs::read_to_string(artifacts.join("label-to-taskid.json")).unwrap()).unwrap();
    assert_eq!(world.created.len(), l2t.len(), "the decision created its graph");
    l2t
}

/// Run `tg-action` as an action task would: ACTION_* variables, TASK_ID, credentials.
fn action(server: &Server, work: &Path, callback: &str, task_id: Option<&str>, input: Value) -> std::process::Output {
    let mut env = server.env(true);
    env.push(("TASK_ID", ACTION.into()));
    env.push(("ACTION_TASK_GROUP_ID", DECISION.into()));
    env.push(("ACTION_TASK_ID", task_id.map_or("null".to_string(), |t| json!(t).to_string())));
    env.push(("ACTION_INPUT", input.to_string()));
    env.push(("ACTION_CALLBACK", callback.into()));
    let kinds = kinds();
    let artifacts = work.join(format!("action-{callback}"));
    tg_action(&["-r", kinds.to_str().unwrap(), "--artifacts", artifacts.to_str().unwrap()], &env, work)
}

fn new_tasks(server: &Server, since: usize) -> Vec<(String, Value)> {
    let world = server.world();
    world.created[since..].iter().map(|id| (id.clone(), world.tasks[id].definition.clone().unwrap())).collect()
}

#[test]
fn add_new_jobs_reuses_the_existing_dependency() {
    let mut world = World::default();
    world.tasks.insert(DECISION.into(), existing_task("Decision Task", DECISION, "completed"));
    world.tasks.insert(ACTION.into(), existing_task("Action: Add new jobs", DECISION, "running"));
    world.scopes = vec!["assume:repo:github.com/example/widget:action:generic".into()];
    let server = Server::start(world, Some((CLIENT_ID, ACCESS_TOKEN)));
    let work = temp_dir("e2e");
    let l2t = run_decision(&server, &work);
    assert!(!l2t.contains_key("lint-audit"), "lint-audit runs on pull requests only");
    let before = server.world().created.len();

    let out = action(&server, &work, "add-new-jobs", None, json!({"tasks": ["lint-audit"]}));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "stdout: {}", text(&out.stdout));
    let created = new_tasks(&server, before);
    assert_eq!(created.len(), 1, "only the new task is created: {created:?}");
    let (id, def) = &created[0];
    assert_eq!(def["metadata"]["name"], "lint-audit");
    let image = &l2t["docker-image-build"];
    assert_eq!(def["dependencies"], json!([ACTION, image, DECISION]), "depends on the existing image by taskId");
    assert_eq!(def["payload"]["image"]["taskId"], json!(image));
    assert_eq!(def["taskGroupId"], DECISION);
    assert_eq!(def["schedulerId"], "widget-level-3");
    assert_eq!(def["extra"]["parent"], ACTION);
    // The action's artifacts, as taskgraph's.
    let art = work.join("action-add-new-jobs");
    let action_l2t: Value =
        serde_json::from_str(&std::fs::read_to_string(art.join("label-to-taskid.json")).unwrap()).unwrap();
    assert_eq!(
        action_l2t,
        json!({"docker-image-base": l2t["docker-image-base"], "docker-image-build": image, "lint-audit": id})
    );
    assert_eq!(std::fs::read_to_string(art.join("to-run.json")).unwrap(), "[\n  \"lint-audit\"\n]");
    let graph: Value = serde_json::from_str(&std::fs::read_to_string(art.join("task-graph.json")).unwrap()).unwrap();
    assert_eq!(graph.as_object().unwrap().keys().collect::<Vec<_>>(), [id]);

    // retrigger with force, twice: two new copies of the test task, each on the existing build.
    let test_id = l2t["test-unit-linux64-1"].clone();
    let before = server.world().created.len();
    let out = action(&server, &work, "retrigger", Some(&test_id), json!({"force": true, "times": 2}));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created = new_tasks(&server, before);
    assert_eq!(created.len(), 2);
    for (_, def) in &created {
        assert_eq!(def["metadata"]["name"], "test-unit-linux64-1");
        let deps = def["dependencies"].as_array().unwrap();
        assert!(deps.contains(&json!(l2t["build-linux64-opt"])), "{deps:?}");
    }

    // rerun: a failed task is rerun, a completed one is left alone.
    server.world().tasks.get_mut(&l2t["test-unit-linux64-2"]).unwrap().state = "failed".into();
    server.world().tasks.get_mut(&l2t["test-unit-linux64-3"]).unwrap().state = "completed".into();
    let out = action(&server, &work, "rerun", Some(&l2t["test-unit-linux64-2"]), json!({}));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = action(&server, &work, "rerun", Some(&l2t["test-unit-linux64-3"]), json!({}));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("No need to rerun test-unit-linux64-3: state 'completed'"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(server.world().rerun, [l2t["test-unit-linux64-2"].clone()]);

    // cancel, then cancel-all: every incomplete task of the group but the action task itself.
    let out = action(&server, &work, "cancel", Some(&l2t["lint-clippy"]), Value::Null);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(server.world().cancelled, [l2t["lint-clippy"].clone()]);
    let pending: usize = {
        let w = server.world();
        w.tasks
            .iter()
            .filter(|(id, e)| e.group == DECISION && *id != ACTION && matches!(e.state.as_str(), "pending" | "running"))
            .count()
    };
    let out = action(&server, &work, "cancel-all", None, Value::Null);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let w = server.world();
    assert_eq!(w.cancelled.len(), 1 + pending);
    assert!(!w.cancelled.iter().any(|c| c == ACTION || c == DECISION));
    assert!(w.errors.is_empty(), "server saw: {:?}", w.errors);
}

#[test]
fn refusals_create_nothing() {
    let mut world = World::default();
    world.tasks.insert(DECISION.into(), existing_task("Decision Task", DECISION, "completed"));
    world.tasks.insert(ACTION.into(), existing_task("Action", DECISION, "running"));
    world.scopes = vec!["assume:repo:github.com/example/widget:action:generic".into()];
    let server = Server::start(world, Some((CLIENT_ID, ACCESS_TOKEN)));
    let work = temp_dir("e2e-refusals");
    let l2t = run_decision(&server, &work);
    let before = server.world().created.len();

    // A non-generic action without its scope: taskgraph's sanity check.
    let out = action(&server, &work, "retrigger-decision", Some(DECISION), Value::Null);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            "Expected task scope assume:repo:github.com/example/widget:action:retrigger-decision or \
             assume:repo:github.com/example/widget:pr-action:retrigger-decision for this action"
        ),
        "{}",
        text(&out.stderr)
    );
    // Unknown label, schema violation, not retriggerable.
    let out = action(&server, &work, "add-new-jobs", None, json!({"tasks": ["lint-audit", "nope"]}));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("nope was not found in the task-graph"), "{}", text(&out.stderr));
    let out = action(&server, &work, "add-new-jobs", None, json!({"tasks": ["lint-audit"], "times": 0}));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("input.times: 0 is less than the minimum of 1"), "{}", text(&out.stderr));
    let out = action(&server, &work, "retrigger", Some(&l2t["lint-clippy"]), json!({}));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("Not retriggering task lint-clippy"), "{}", text(&out.stderr));
    // A decision without its label-to-taskid.json.
    server.world().tasks.get_mut(DECISION).unwrap().artifacts.remove("public/label-to-taskid.json");
    let out = action(&server, &work, "add-new-jobs", None, json!({"tasks": ["lint-audit"]}));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(&format!("decision task {DECISION} has no artifact public/label-to-taskid.json")),
        "{}",
        text(&out.stderr)
    );
    let w = server.world();
    assert_eq!(w.created.len(), before, "nothing was created");
    assert!(w.errors.is_empty(), "server saw: {:?}", w.errors);
}
