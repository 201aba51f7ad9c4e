//! Cross-check with ../shared/tools/tc-fake: a Node stand-in for the queue that verifies Hawk
//! with the `hawk` npm package (what Taskcluster's auth service uses), scopes with
//! taskcluster-lib-scopes, and a subset of the create-task schema. Every real-world morphed
//! graph is submitted to it and must be created with no error.
//!
//! Skips loudly when ../shared, node or npm is missing, or when tc-fake cannot start (its first
//! start runs `npm install`, which needs the npm registry); under CI each of those is a failure.
//!
//! tc-fake is started by `testkit::tc_fake` (from a writable copy of its directory, as
//! ../shared may be read-only).

use crate::common::*;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;
use testkit::tc_fake::TcFake;
use tg_tcclient::{Client, Config, Endpoint};

fn client(env: &[(String, String)]) -> Client {
    let var = |name: &str| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    Client::new(Config::new(Endpoint::from_vars(var).unwrap().unwrap())).unwrap()
}

/// The decision task the graph's tasks depend on, as a decision task would exist already.
fn create_decision_task(client: &Client, task_id: &str, scheduler_id: &str) {
    let now = tg_core::time::Instant::now();
    let at = |secs: i64| tg_core::time::Instant(now.0 + secs * 1_000_000).to_json_time();
    let def = json!({
        "provisionerId": "decision", "workerType": "linux", "schedulerId": scheduler_id,
        "taskGroupId": task_id, "created": at(0), "deadline": at(3600), "expires": at(86400),
        "payload": {}, "metadata": {"name": "decision", "description": "d", "owner": "dev@example.com", "source": "https://example.com"},
    });
    client.put_json("queue", &format!("task/{task_id}"), &def).unwrap();
}

#[test]
fn every_real_world_graph_is_created_on_tc_fake_without_error() {
    let Some(shared) = shared_dir() else { return };
    let Some(fake) = TcFake::start("submit") else { return };
    let env = fake.env.clone();
    let client = client(&env);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(shared.join("realworld"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("reference/morphed-task-graph.json").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no real-world morphed graphs in {}", shared.join("realworld").display());
    let mut total = 0;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let root = case.join("config/taskcluster");
        let config = tg_core::config::GraphConfig::load(&root).unwrap();
        let scheduler = format!("{}-level-3", config.trust_domain());
        let decision = slug(&format!("decision of {name}"));
        create_decision_task(&client, &decision, &scheduler);

        let graph: serde_json::Map<String, Value> =
            serde_json::from_str(&std::fs::read_to_string(case.join("reference/morphed-task-graph.json")).unwrap())
                .unwrap();
        let input: String = graph
            .iter()
            .map(|(id, t)| {
                let mut t = t.clone();
                t["task_id"] = json!(id);
                t.to_string() + "\n"
            })
            .collect();
        let dir = temp_dir(&format!("tc-fake-{name}"));
        let input_file = dir.join("morphed.jsonl");
        std::fs::write(&input_file, &input).unwrap();
        let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("tg-submit"));
        cmd.arg("-r").arg(&root).arg("-p").arg(case.join("parameters.yml"));
        cmd.arg("--state").arg(dir.join("state")).arg(&input_file);
        cmd.env_remove("TASKCLUSTER_PROXY_URL").env("TASK_ID", &decision);
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        for id in graph.keys() {
            let task = client.get_json("queue", &format!("task/{id}")).unwrap_or_else(|e| panic!("{name}: {id}: {e}"));
            assert_eq!(task["taskGroupId"], json!(decision), "{name}: {id}");
            assert_eq!(task["schedulerId"], json!(scheduler), "{name}: {id}");
        }
        total += graph.len();
        eprintln!("tc-fake: {name}: {} tasks created, 0 errors", graph.len());
    }
    let requests: Value = reqwest_get(&env, "/__fake/requests");
    let creates: Vec<&Value> = requests.as_array().unwrap().iter().filter(|r| r["method"] == "PUT").collect();
    assert!(creates.iter().all(|r| r["hawk"] == json!(true)), "every createTask was signed");
    assert_eq!(
        creates.len(),
        total + cases.len(),
        "one createTask per task (plus the decision tasks), no retries needed"
    );
    eprintln!("tc-fake: {total} tasks of {} real-world graphs created with 0 errors", cases.len());
}

/// tc-fake's own (unauthenticated) inspection endpoints.
fn reqwest_get(env: &[(String, String)], path: &str) -> Value {
    let root = &env.iter().find(|(k, _)| k == "TASKCLUSTER_ROOT_URL").unwrap().1;
    reqwest::blocking::get(format!("{root}{path}")).unwrap().json().unwrap()
}
