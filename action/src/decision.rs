//! The decision whose task group an action works on: its taskId, its full task graph and its
//! `label -> taskId` map (taskgraph's `fetch_graph_and_labels`).
//!
//! From the queue ([`fetch`]): the decision task is found in the index (`<trust-domain>.v2.
//! <project>.revision.<head_rev>.taskgraph.decision` for git, `...pushlog-id.<id>.decision` for
//! hg), falling back to the action's task group when the index has nothing; its
//! `public/full-task-graph.json` and `public/label-to-taskid.json` are downloaded; then the
//! `label-to-taskid.json` of every earlier action task (indexed under `...pushlog-id.<id>.actions`
//! and `...revision.<head_rev>.actions`) and cron task (`...revision.<head_rev>.cron`) is merged
//! in, oldest first, so tasks those created are reused by taskId too.
//!
//! From a directory ([`read_dir`], `--decision-dir DIR`): `DIR/full-task-graph.json` (the
//! artifact, keyed by label, or JSON lines of tasks as `tg-transform` writes them) and
//! `DIR/label-to-taskid.json`, as `tg-submit --artifacts DIR` leaves them; `DIR/task-graph.json`,
//! when present, provides task definitions when no queue is configured.
//!
//! A missing artifact is bad input (exit 1) naming the task and the artifact.

use crate::services::Services;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::error::{bad_input, usage};
use tg_core::graph::TaskGraph;
use tg_core::params::Parameters;
use tg_core::quote::{capped, capped_message};
use tg_core::task::Task;

/// The decision's taskId, full graph and label map.
pub struct Decision {
    pub task_id: String,
    pub full_graph: TaskGraph,
    /// The decision's `label-to-taskid.json`, with earlier actions' maps merged in.
    pub label_to_taskid: BTreeMap<String, String>,
    /// Task definitions by taskId (`task-graph.json` of a decision directory), for when no
    /// queue is configured.
    pub definitions: BTreeMap<String, Value>,
}

impl Decision {
    /// A task definition: from the queue when configured, else from the decision directory.
    pub fn task_definition(&self, services: &Services, task_id: &str) -> anyhow::Result<Value> {
        if !services.is_live() {
            if let Some(def) = self.definitions.get(task_id) {
                return Ok(def.clone());
            }
        }
        services.task_definition(task_id)
    }
}

/// The decision task's index path for these parameters (taskgraph's `find_decision_task`).
pub fn decision_index_path(parameters: &Parameters, graph_config: &GraphConfig) -> anyhow::Result<String> {
    let trust = graph_config.trust_domain();
    let project = parameters.str("project");
    match parameters.get("repository_type").and_then(Value::as_str).unwrap_or("hg") {
        "hg" => Ok(format!("{trust}.v2.{project}.pushlog-id.{}.decision", parameters.str("pushlog_id"))),
        "git" => Ok(format!("{trust}.v2.{project}.revision.{}.taskgraph.decision", parameters.str("head_rev"))),
        other => Err(bad_input(format!("Unknown repository_type {}!", capped(other)))),
    }
}

/// Find the decision task and fetch its artifacts from the queue.
pub fn fetch(
    services: &Services,
    parameters: &Parameters,
    graph_config: &GraphConfig,
    task_group_id: Option<&str>,
    log: Log,
) -> anyhow::Result<Decision> {
    let index_path = decision_index_path(parameters, graph_config)?;
    let task_id = match services.find_task(&index_path)? {
        Some(id) => id,
        None => match task_group_id {
            Some(group) => {
                log.info(format!("no decision task indexed at {index_path}: using the task group id {group}"));
                group.to_string()
            }
            None => {
                return Err(bad_input(format!("no decision task indexed at {index_path} and no task group id given")))
            }
        },
    };
    log.info(format!("decision task {task_id}"));
    let full_bytes = required_artifact(services, &task_id, "public/full-task-graph.json")?;
    let full_graph = parse_full_graph(&full_bytes, &format!("public/full-task-graph.json of task {task_id}"))?;
    let l2t_bytes = required_artifact(services, &task_id, "public/label-to-taskid.json")?;
    let mut label_to_taskid = parse_label_map(&l2t_bytes, &format!("public/label-to-taskid.json of task {task_id}"))?;
    merge_earlier_runs(services, parameters, graph_config, &mut label_to_taskid, log)?;
    Ok(Decision { task_id, full_graph, label_to_taskid, definitions: BTreeMap::new() })
}

/// Merge the label maps of earlier action and cron tasks of the same push, oldest first.
fn merge_earlier_runs(
    services: &Services,
    parameters: &Parameters,
    graph_config: &GraphConfig,
    label_to_taskid: &mut BTreeMap<String, String>,
    log: Log,
) -> anyhow::Result<()> {
    let trust = graph_config.trust_domain();
    let project = parameters.str("project");
    let head_rev = parameters.str("head_rev");
    let pushlog = format!("{trust}.v2.{project}.pushlog-id.{}.actions", parameters.str("pushlog_id"));
    let revision = format!("{trust}.v2.{project}.revision.{head_rev}.actions");
    let cron = format!("{trust}.v2.{project}.revision.{head_rev}.cron");
    let mut runs: Vec<(String, &str)> = Vec::new();
    for namespace in [&pushlog, &revision] {
        for id in services.list_tasks(namespace)? {
            if !runs.iter().any(|(seen, _)| *seen == id) {
                runs.push((id, "action"));
            }
        }
    }
    for id in services.list_tasks(&cron)? {
        runs.push((id, "cron"));
    }
    for (id, what) in runs {
        log.info(format!("fetching label-to-taskid.json for {what} task {id}"));
        match services.get_artifact(&id, "public/label-to-taskid.json")? {
            Some(bytes) => {
                let map = parse_label_map(&bytes, &format!("public/label-to-taskid.json of {what} task {id}"))?;
                // As taskgraph: an action's map is merged only into a non-empty map.
                if what == "cron" || (!label_to_taskid.is_empty() && !map.is_empty()) {
                    label_to_taskid.extend(map);
                }
            }
            None => log.debug(format!("no label-to-taskid.json found for {what} task {id}")),
        }
    }
    Ok(())
}

fn required_artifact(services: &Services, task_id: &str, name: &str) -> anyhow::Result<Vec<u8>> {
    services
        .get_artifact(task_id, name)?
        .ok_or_else(|| bad_input(format!("decision task {task_id} has no artifact {name}")))
}

/// Read a decision directory. `task_id` is the decision task's id.
pub fn read_dir(dir: &Path, task_id: &str) -> anyhow::Result<Decision> {
    let full_path = dir.join("full-task-graph.json");
    let full_graph = parse_full_graph(&read_required(&full_path)?, &full_path.display().to_string())?;
    let l2t_path = dir.join("label-to-taskid.json");
    let label_to_taskid = parse_label_map(&read_required(&l2t_path)?, &l2t_path.display().to_string())?;
    let graph_path = dir.join("task-graph.json");
    let mut definitions = BTreeMap::new();
    if graph_path.is_file() {
        let text =
            std::fs::read(&graph_path).map_err(|e| usage(format!("cannot read {}: {e}", graph_path.display())))?;
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&text) else {
            return Err(bad_input(format!("{}: expected a JSON object keyed by taskId", graph_path.display())));
        };
        for (id, task) in map {
            if let Some(def) = task.get("task") {
                definitions.insert(id, def.clone());
            }
        }
    }
    Ok(Decision { task_id: task_id.to_string(), full_graph, label_to_taskid, definitions })
}

fn read_required(path: &Path) -> anyhow::Result<Vec<u8>> {
    if !path.is_file() {
        return Err(bad_input(format!("missing decision artifact {}", path.display())));
    }
    std::fs::read(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))
}

/// The full task graph: a JSON object keyed by label (the artifact) or JSON lines of tasks.
pub fn parse_full_graph(bytes: &[u8], source: &str) -> anyhow::Result<TaskGraph> {
    let tasks: Vec<Task> = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) if !map.contains_key("label") => {
            let mut tasks = Vec::with_capacity(map.len());
            for (key, value) in map {
                let task: Task = serde_json::from_value(value).map_err(|e| {
                    bad_input(format!("{source}: task {}: {}", capped(&key), capped_message(&e.to_string())))
                })?;
                if task.label != key {
                    return Err(bad_input(format!(
                        "{source}: task {}: label is {:?}",
                        capped(&key),
                        capped(&task.label).to_string()
                    )));
                }
                tasks.push(task);
            }
            tasks
        }
        Ok(_) | Err(_) => {
            let text = std::str::from_utf8(bytes).map_err(|_| bad_input(format!("{source}: not UTF-8")))?;
            tg_core::jsonl::JsonLinesReader::new(text.as_bytes(), source).read_all()?
        }
    };
    TaskGraph::checked(tasks).map_err(|e| bad_input(format!("{source}: {e}")))
}

/// A JSON object of label -> taskId.
pub fn parse_label_map(bytes: &[u8], source: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| bad_input(format!("{source}: malformed JSON: {}", capped_message(&e.to_string()))))?;
    let Value::Object(map) = value else {
        return Err(bad_input(format!("{source}: expected a JSON object of label -> taskId")));
    };
    map.into_iter()
        .map(|(label, id)| match id {
            Value::String(s) => Ok((label, s)),
            other => Err(bad_input(format!(
                "{source}: {}: expected a taskId string, got {}",
                capped(&label),
                capped(&other.to_string())
            ))),
        })
        .collect()
}

/// Parameters from a `parameters.yml` artifact (YAML, as the decision wrote it).
pub fn parse_parameters(bytes: &[u8], source: &str) -> anyhow::Result<Parameters> {
    let text = std::str::from_utf8(bytes).map_err(|_| bad_input(format!("{source}: not UTF-8")))?;
    let Value::Object(map) = tg_core::yaml::from_str(text, source)? else {
        return Err(bad_input(format!("{source}: expected a mapping of parameters")));
    };
    let parameters = Parameters::from_map(map);
    parameters.check(true).map_err(|m| bad_input(format!("{source}: invalid parameters: {m}")))?;
    Ok(parameters)
}

/// The decision's parameters: `public/parameters.yml` of the task group's decision task
/// (taskgraph's `get_parameters`), or `DIR/parameters.yml`.
pub fn fetch_parameters(services: &Services, task_group_id: &str) -> anyhow::Result<Parameters> {
    let name = "public/parameters.yml";
    let bytes = required_artifact(services, task_group_id, name)?;
    parse_parameters(&bytes, &format!("{name} of task {task_group_id}"))
}

/// `DIR/parameters.yml`.
pub fn read_parameters(dir: &Path) -> anyhow::Result<Parameters> {
    let path: PathBuf = dir.join("parameters.yml");
    parse_parameters(&read_required(&path)?, &path.display().to_string())
}

/// `label -> taskId` as a JSON object, for artifacts.
pub fn label_map_value(map: &BTreeMap<String, String>) -> Value {
    Value::Object(map.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<_, _>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn huge_labels_and_values_are_capped_in_errors() {
        let label = "L".repeat(1_000_000);
        let shown = format!("{}… (1000000 bytes)", "L".repeat(tg_core::quote::MAX_QUOTED_CHARS));
        let map = json!({&label: 5}).to_string();
        let e = parse_label_map(map.as_bytes(), "label-to-taskid.json").unwrap_err().to_string();
        assert_eq!(e, format!("label-to-taskid.json: {shown}: expected a taskId string, got 5"));
        let graph = json!({&label: {"kind": "k", "label": "other", "task": {}}}).to_string();
        let e = parse_full_graph(graph.as_bytes(), "full-task-graph.json").unwrap_err().to_string();
        assert_eq!(e, format!("full-task-graph.json: task {shown}: label is \"other\""));
        let graph = json!({"a": {"kind": "k", "label": "a", "task": {}, "dependencies": "V".repeat(100_000)}});
        let e = parse_full_graph(graph.to_string().as_bytes(), "f").unwrap_err().to_string();
        assert!(e.starts_with("f: task a: invalid type: string \"VVV"), "{e}");
        assert!(e.ends_with("VVV\", expected a map"), "{e}");
        assert!(e.len() < 1000, "error of {} bytes", e.len());
    }

    #[test]
    fn full_graph_reads_both_forms() {
        let a = json!({"kind": "k", "label": "a", "task": {}});
        let b = json!({"kind": "k", "label": "b", "task": {}, "dependencies": {"x": "a"}});
        let object = json!({"a": a, "b": b}).to_string();
        assert_eq!(parse_full_graph(object.as_bytes(), "f").unwrap().len(), 2);
        let lines = format!("{a}\n{b}\n");
        assert_eq!(parse_full_graph(lines.as_bytes(), "f").unwrap().len(), 2);
        let dangling = json!({"b": b}).to_string();
        let err = parse_full_graph(dangling.as_bytes(), "f").unwrap_err().to_string();
        assert!(err.starts_with("f: task b depends on a"), "{err}");
    }

    #[test]
    fn label_maps_must_hold_strings() {
        assert_eq!(parse_label_map(br#"{"a": "X"}"#, "m").unwrap()["a"], "X");
        assert_eq!(
            parse_label_map(br#"{"a": 1}"#, "m").unwrap_err().to_string(),
            "m: a: expected a taskId string, got 1"
        );
    }
}
