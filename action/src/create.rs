//! Creating tasks for an action, stage by stage as the decision pipeline does (taskgraph's
//! `create_tasks` of `taskgraph/actions/util.py`):
//!
//! 1. **resolve**: the requested labels and everything they depend on in the decision's full
//!    task graph (`tg_resolve::closure::transitive_closure`);
//! 2. each task's `task.extra.parent` becomes the action task's id (`TASK_ID`, or `""`), and
//!    when the action task is not the decision task itself, its id is added to
//!    `task.dependencies`;
//! 3. **optimize** (`tg_optimize::optimize`): the requested tasks are never optimized away,
//!    every other task that already exists (the decision's `label-to-taskid.json`, plus
//!    earlier actions') is replaced by its taskId, new taskIds for the rest; strategies the
//!    project registers (`register_strategy` in its register hook) run in the Python worker
//!    (`tg_optimize::project`), as in tg-optimize;
//! 4. artifacts `task-graph-<suffix>.json`, `label-to-taskid-<suffix>.json`,
//!    `to-run-<suffix>.json`;
//! 5. **submit** (`tg_submit`): every task in the decision's task group, scheduler
//!    `<trust-domain>-level-<level>`, depending on the decision task when it depends on nothing
//!    created here, relative datestamps resolved; created on the queue dependencies first, or,
//!    in test mode, printed as `{"taskId": ..., "task": ...}` lines (the createTask requests,
//!    as `tg-submit`'s dry run writes them).
//!
//! No morphs run, as in taskgraph's actions.

use crate::artifacts::ArtifactsDir;
use crate::decision::{label_map_value, Decision};
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::OnceLock;
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::error::{bad_input, remote};
use tg_core::graph::TaskGraph;
use tg_core::params::Parameters;
use tg_core::quote::capped;
use tg_core::task::Task;
use tg_core::time::Instant;
use tg_optimize::index::IndexSource;
use tg_optimize::references::ArtifactUrls;
use tg_optimize::strategy::Registry;
use tg_optimize::taskids::TaskIdGenerator;
use tg_submit::definition::{copies, duplicate_task_id, scheduler_id, task_definitions, Submission};
use tg_submit::graph::SubmitGraph;
use tg_submit::queue::{Queue, TaskclusterQueue};
use tg_submit::scheduler::{submit, Plan};

/// Where created tasks go.
pub enum Sink<'a> {
    /// Test mode: one `{"taskId": ..., "task": ...}` line per createTask request.
    Print(&'a mut dyn Write),
    /// The queue, with at most `concurrency` requests in flight.
    Queue { queue: TaskclusterQueue, concurrency: usize },
}

/// Everything task creation needs, for the whole action.
pub struct Creator<'a> {
    pub graph_config: &'a GraphConfig,
    pub parameters: &'a Parameters,
    pub decision: &'a Decision,
    /// The action task's own taskId (`TASK_ID`).
    pub own_task_id: Option<String>,
    pub artifacts: &'a ArtifactsDir,
    pub ids: TaskIdGenerator,
    /// The clock reading every relative datestamp resolves against.
    pub now: Instant,
    pub registry: Registry,
    pub index: Box<dyn IndexSource + 'a>,
    pub urls: ArtifactUrls,
    pub sink: Sink<'a>,
    pub log: Log,
    /// createTask requests made so far.
    pub created: usize,
}

impl Creator<'_> {
    /// Create `to_run` and whatever of their dependencies does not exist yet (taskgraph's
    /// `create_tasks`); returns the run's `label -> taskId` (new and reused tasks).
    pub fn create_tasks(
        &mut self,
        to_run: &BTreeSet<String>,
        suffix: &str,
    ) -> anyhow::Result<BTreeMap<String, String>> {
        let suffix = if suffix.is_empty() { String::new() } else { format!("-{suffix}") };
        let target = self.target_graph(to_run)?;
        // Strategies the tasks name that are neither built in nor in --strategies: project code
        // (`register_strategy` in the register hook), asked in the Python worker.
        tg_optimize::project::add_project_strategies(
            &mut self.registry,
            &target,
            &self.graph_config.root_dir,
            self.parameters,
            self.log,
        )?;
        let to_run_list: Vec<String> = to_run.iter().cloned().collect();
        let options = tg_optimize::Options {
            parameters: self.optimize_parameters(&to_run_list),
            target_tasks: Some(to_run_list.clone()),
            registry: self.registry.clone(),
            decision_task_id: self.decision.task_id.clone(),
            urls: self.urls.clone(),
            now: self.now.0,
            log: self.log,
        };
        let (tasks, outcome) = tg_optimize::optimize(&target, &options, self.index.as_mut(), &mut self.ids)?;
        let mut graph_json = Map::new();
        for task in &tasks {
            graph_json.insert(task.task_id.clone().unwrap_or_default(), serde_json::to_value(task)?);
        }
        self.artifacts.write_json(&format!("task-graph{suffix}.json"), &Value::Object(graph_json))?;
        self.artifacts
            .write_json(&format!("label-to-taskid{suffix}.json"), &label_map_value(&outcome.label_to_task_id))?;
        self.artifacts.write_json(&format!("to-run{suffix}.json"), &json!(to_run_list))?;
        self.submit_graph(tasks)?;
        Ok(outcome.label_to_task_id)
    }

    /// The closure of `to_run` in the full graph, with the action's changes to each task.
    fn target_graph(&self, to_run: &BTreeSet<String>) -> anyhow::Result<TaskGraph> {
        let full = &self.decision.full_graph;
        let unknown: Vec<String> =
            to_run.iter().filter(|l| full.position(l).is_none()).map(|l| capped(l).to_string()).collect();
        if !unknown.is_empty() {
            return Err(bad_input(format!("Unknown nodes in transitive closure: {}", unknown.join(", "))));
        }
        let requested: Vec<usize> = to_run.iter().filter_map(|l| full.position(l)).collect();
        let member = tg_resolve::closure::transitive_closure(full, &requested);
        let parent = self.own_task_id.clone().unwrap_or_default();
        let extra_dependency = self.own_task_id.clone().filter(|own| *own != self.decision.task_id);
        let mut tasks = Vec::new();
        for (task, _) in full.tasks.iter().zip(&member).filter(|&(_, &member)| member) {
            let mut task = task.clone();
            set_parent(&mut task, &parent)?;
            if let Some(own) = &extra_dependency {
                add_dependency(&mut task, own)?;
            }
            tasks.push(task);
        }
        TaskGraph::checked(tasks)
    }

    /// The decision's parameters with what taskgraph's action passes to `optimize_task_graph`:
    /// the requested tasks are not optimized, existing tasks replace their labels, no
    /// always-target tasks join the request.
    fn optimize_parameters(&self, to_run: &[String]) -> Parameters {
        let mut values = self.parameters.values.clone();
        values.insert("do_not_optimize".into(), json!(to_run));
        values.insert("existing_tasks".into(), label_map_value(&self.decision.label_to_taskid));
        values.insert("enable_always_target".into(), json!(false));
        values.insert("optimize_target_tasks".into(), json!(true));
        Parameters::from_map(values)
    }

    fn scheduler_id(&self) -> String {
        let level = self.parameters.get("level").cloned().unwrap_or(Value::String("3".into()));
        scheduler_id(self.graph_config.trust_domain(), &level)
    }

    /// Create the optimized tasks (taskgraph's `create.create_tasks`).
    fn submit_graph(&mut self, tasks: Vec<Task>) -> anyhow::Result<()> {
        let positions = tasks.iter().map(|t| format!("action graph, task {}", t.label)).collect();
        let graph = SubmitGraph::new(tasks, positions)?;
        let submission = Submission {
            decision_task_id: self.decision.task_id.clone(),
            scheduler_id: self.scheduler_id(),
            now: self.now,
        };
        let definitions = task_definitions(&graph, &submission)?;
        let copies = (0..graph.len()).map(|i| copies(&graph, i)).collect::<anyhow::Result<Vec<u32>>>()?;
        match &mut self.sink {
            Sink::Print(out) => {
                for i in graph.creation_order() {
                    // Positions of `graph`, which `copies`, `task_ids` and `definitions` follow.
                    let (Some(&copies), Some(task_id), Some(definition)) =
                        (copies.get(i), graph.task_ids.get(i), definitions.get(i))
                    else {
                        continue;
                    };
                    for copy in 0..copies {
                        let id = duplicate_task_id(task_id, copy);
                        print_request(&mut **out, &id, definition)?;
                        self.created += 1;
                    }
                }
                Ok(())
            }
            Sink::Queue { queue, concurrency } => {
                let plan = Plan {
                    graph: &graph,
                    definitions: &definitions,
                    copies: &copies,
                    concurrency: *concurrency,
                    progress_every: std::time::Duration::from_secs(2),
                    progress: tg_submit::progress::style_for_stderr(&self.log),
                };
                let outcome = submit(&plan, &*queue, None, &self.log)?;
                self.created += outcome.created;
                if outcome.is_success() {
                    return Ok(());
                }
                let failures: Vec<String> =
                    outcome.failed.iter().map(|f| format!("'{}' ({}): {}", f.label, f.task_id, f.message)).collect();
                Err(remote(format!(
                    "{} of {} tasks could not be created: {}",
                    outcome.failed.len() + outcome.skipped.len() + outcome.not_attempted,
                    graph.len(),
                    failures.join("; ")
                )))
            }
        }
    }

    /// Create one task from a definition, under a new taskId (taskgraph's
    /// `create_task_from_def`): the schedulerId is set, relative datestamps resolved.
    pub fn create_task_from_def(&mut self, mut definition: Value) -> anyhow::Result<String> {
        let task_id = self.ids.next_id()?;
        let scheduler = self.scheduler_id();
        let Some(map) = definition.as_object_mut() else {
            return Err(bad_input("task definition: expected a mapping"));
        };
        map.insert("schedulerId".into(), Value::String(scheduler));
        let label = map.get("metadata").and_then(|m| m.get("name")).and_then(Value::as_str).unwrap_or("?").to_string();
        let definition = tg_core::time::resolve_timestamps(&definition, self.now)
            .map_err(|m| bad_input(format!("task {}: task.{m}", capped(&label))))?;
        match &mut self.sink {
            Sink::Print(out) => print_request(&mut **out, &task_id, &definition)?,
            Sink::Queue { queue, .. } => {
                self.log.info(format!("Creating task with taskId {task_id} for {label}"));
                queue.create_task(&task_id, &definition).map_err(|e| {
                    remote(format!("could not create '{}' ({task_id}): {}", capped(&label), e.message()))
                })?;
            }
        }
        self.created += 1;
        Ok(task_id)
    }
}

/// One createTask request as a JSON line.
fn print_request(out: &mut dyn Write, task_id: &str, definition: &Value) -> anyhow::Result<()> {
    let mut line = serde_json::to_vec(&json!({"taskId": task_id, "task": definition}))?;
    line.push(b'\n');
    out.write_all(&line)?;
    Ok(())
}

/// `task.extra.parent = parent` (taskgraph's `update_parent`).
fn set_parent(task: &mut Task, parent: &str) -> anyhow::Result<()> {
    let label = capped(&task.label).to_string();
    let Some(def) = task.task.as_object_mut() else {
        return Err(bad_input(format!("task {label}: task: expected a mapping")));
    };
    let extra = def.entry("extra").or_insert_with(|| json!({}));
    let Some(extra) = extra.as_object_mut() else {
        return Err(bad_input(format!("task {label}: task.extra: expected a mapping")));
    };
    extra.insert("parent".into(), Value::String(parent.to_string()));
    Ok(())
}

/// Append `task_id` to `task.dependencies` (taskgraph's `update_dependencies`).
fn add_dependency(task: &mut Task, task_id: &str) -> anyhow::Result<()> {
    let label = capped(&task.label).to_string();
    let Some(def) = task.task.as_object_mut() else {
        return Err(bad_input(format!("task {label}: task: expected a mapping")));
    };
    match def.entry("dependencies").or_insert_with(|| json!([])) {
        Value::Array(list) => {
            list.push(Value::String(task_id.to_string()));
            Ok(())
        }
        _ => Err(bad_input(format!("task {label}: task.dependencies: expected a list"))),
    }
}

/// A literal pattern, compiled once; its compile error (which the tests rule out) is an error.
fn timestamp_pattern() -> anyhow::Result<&'static Regex> {
    static P: OnceLock<Result<Regex, regex::Error>> = OnceLock::new();
    P.get_or_init(|| {
        Regex::new(
            r"(?i)^\d\d\d\d-[0-1]\d-[0-3]\d[t\s](?:[0-2]\d:[0-5]\d:[0-5]\d|23:59:60)(?:\.\d+)?(?:z|[+-]\d\d:\d\d)$",
        )
    })
    .as_ref()
    .map_err(|e| anyhow::anyhow!("the timestamp pattern: {e}"))
}

/// Every timestamp of a definition from the queue as `{"relative-datestamp": "<n> seconds"}`
/// from its `created` (taskgraph's `relativize_datestamps`).
pub fn relativize_datestamps(definition: &Value) -> anyhow::Result<Value> {
    let created = definition
        .get("created")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_input("task definition: created: missing"))?;
    let base = Instant::parse(created).map_err(|e| bad_input(format!("task definition: created: {e}")))?;
    relativize(definition, base)
}

fn relativize(value: &Value, base: Instant) -> anyhow::Result<Value> {
    Ok(match value {
        Value::String(s) if timestamp_pattern()?.is_match(s) => {
            let at = Instant::parse(s).map_err(|e| bad_input(format!("task definition: {e}")))?;
            // Python's int(timedelta.total_seconds()): truncated towards zero.
            let seconds = (at.0 - base.0) / 1_000_000;
            json!({"relative-datestamp": format!("{seconds} seconds")})
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| relativize(v, base)).collect::<anyhow::Result<_>>()?),
        Value::Object(map) => Value::Object(
            map.iter().map(|(k, v)| Ok((k.clone(), relativize(v, base)?))).collect::<anyhow::Result<Map<_, _>>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relativizes_from_created() {
        let def = json!({
            "created": "2026-01-01T00:00:00.000Z",
            "deadline": "2026-01-02T00:00:00.000Z",
            "payload": {"artifacts": {"public": {"expires": "2025-12-31T23:59:59.500Z"}}, "note": "2026-01-01"},
        });
        assert_eq!(
            relativize_datestamps(&def).unwrap(),
            json!({
                "created": {"relative-datestamp": "0 seconds"},
                "deadline": {"relative-datestamp": "86400 seconds"},
                "payload": {"artifacts": {"public": {"expires": {"relative-datestamp": "0 seconds"}}}, "note": "2026-01-01"},
            })
        );
        assert!(relativize_datestamps(&json!({})).is_err());
    }

    #[test]
    fn parent_and_dependency_updates() {
        let mut t: Task =
            serde_json::from_value(json!({"kind": "k", "label": "l", "task": {"dependencies": ["A"]}})).unwrap();
        set_parent(&mut t, "P").unwrap();
        add_dependency(&mut t, "P").unwrap();
        assert_eq!(t.task, json!({"dependencies": ["A", "P"], "extra": {"parent": "P"}}));
        let mut bad: Task = serde_json::from_value(json!({"kind": "k", "label": "l", "task": {"extra": 1}})).unwrap();
        assert_eq!(set_parent(&mut bad, "").unwrap_err().to_string(), "task l: task.extra: expected a mapping");
    }
}
