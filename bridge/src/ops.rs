//! The worker's typed operations: what each stage asks Python to do.
//!
//! | op | used by | does |
//! |---|---|---|
//! | `kind` | tg-transform | builds taskgraph's `TransformConfig` for a kind (same name, path, kind config — with the loader's additions —, parameters, graph config, kind-dependency tasks as `Task` objects) |
//! | `transforms` | tg-transform | runs a segment of transforms (each eagerly, in order) on the kind's task dicts |
//! | `loader` | tg-load, tg-transform | runs a custom loader; returns its items and the kind's `transforms` after the call |
//! | `target` | tg-resolve | runs a target-task method or filter on a `TaskGraph` of the current target set |
//! | `strategies` | tg-optimize | describes project optimization strategies: composites of taskgraph's own ones as definitions (built natively), anything else as project code |
//! | `optimize` | tg-optimize | one phase's batch of `should_remove_task` / `should_replace_task` calls of project strategies |
//! | `morph` | tg-morph | the project's morphs (after taskgraph's own, in registration order) on the morphed graph |
//! | `decision_parameters` | (on request) | runs `taskgraph.decision-parameters` on the parameters |
//! | `decision_hook` | tg-params, tg-decision | the same hook on the raw decision parameters (no defaults) |
//! | `check_parameters` | tg-params, tg-decision | the strict check, with the project's schema extensions |

use crate::worker::Worker;
use serde_json::{json, Map, Value};
use std::path::Path;
use tg_core::error::bad_input;
use tg_core::quote::{capped, capped_message};
use tg_core::task::Task;

/// A task dict (taskgraph's transform input/output).
pub type TaskDict = Map<String, Value>;

/// What a custom loader produced.
#[derive(Debug, Clone)]
pub struct LoaderOutput {
    /// The items, in the loader's order.
    pub items: Vec<TaskDict>,
    /// `config["transforms"]` after the loader ran (a loader may extend it, as the default
    /// loader does).
    pub transforms: Vec<String>,
}

/// The output of a transform segment.
#[derive(Debug, Clone)]
pub struct SegmentOutput {
    /// The tasks after the last step.
    pub tasks: Vec<TaskDict>,
    /// With tracing: the tasks after each step, one list per step.
    pub steps: Option<Vec<Vec<TaskDict>>>,
}

/// Which target-selection function to run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TargetFunction {
    /// A `@register_target_task` method (the `target_tasks_method` parameter).
    Method,
    /// A `@filter_task` filter (the `filters` parameter).
    Filter,
}

/// How the worker describes a project-registered optimization strategy.
#[derive(Debug, Clone, PartialEq)]
pub enum StrategyInfo {
    /// A composite of taskgraph's own strategies, in the strategies-file form
    /// (`{"any": [...]}`, `{"all": [...]}`, `{"alias": X}`, `{"not": X}`, leaves by name).
    Definition(Value),
    /// Project code: its calls run in the worker.
    Python { description: String },
}

/// An optimization phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// `should_remove_task(task, params, arg)`.
    Remove,
    /// `should_replace_task(task, params, deadline, arg)`.
    Replace,
}

/// One strategy call of a batch.
#[derive(Debug, Clone)]
pub struct StrategyCall {
    /// The registered name.
    pub name: String,
    /// Position of the task in the batch's task list.
    pub task: usize,
    pub arg: Value,
    /// The latest deadline of the task's dependents (replacement only).
    pub deadline: Option<String>,
}

/// A strategy's answer: removal `Yes`/`No`; replacement `No` (keep), `Yes` (remove) or a taskId.
#[derive(Debug, Clone, PartialEq)]
pub enum StrategyAnswer {
    No,
    Yes,
    TaskId(String),
}

/// What the project's morphs made.
#[derive(Debug, Clone)]
pub struct MorphOutput {
    pub tasks: Vec<Task>,
    pub label_to_task_id: std::collections::BTreeMap<String, String>,
    /// The morphs that ran, in order.
    pub morphs: Vec<String>,
}

impl Worker {
    /// Set up the kind's `TransformConfig` in the worker.
    pub fn set_kind(
        &mut self,
        kind: &str,
        path: &Path,
        config: &Map<String, Value>,
        dependencies: &[&Task],
    ) -> anyhow::Result<()> {
        let mut body = Map::new();
        body.insert("kind".into(), json!(kind));
        body.insert("path".into(), json!(path.to_string_lossy()));
        body.insert("config".into(), Value::Object(config.clone()));
        body.insert("dependencies".into(), serde_json::to_value(dependencies)?);
        self.call("kind", body).map(|_| ())
    }

    /// Run the transforms `names` (in order) over `tasks` in the kind set up by
    /// [`set_kind`](Self::set_kind).
    pub fn run_transforms(
        &mut self,
        kind: &str,
        names: &[String],
        tasks: Vec<TaskDict>,
        trace: bool,
    ) -> anyhow::Result<SegmentOutput> {
        let mut body = Map::new();
        body.insert("kind".into(), json!(kind));
        body.insert("names".into(), json!(names));
        body.insert("tasks".into(), Value::Array(tasks.into_iter().map(Value::Object).collect()));
        body.insert("trace".into(), json!(trace));
        let mut result = self.call("transforms", body)?;
        let quoted: Vec<String> = names.iter().map(|n| capped(n).to_string()).collect();
        let what = format!("kind {}: python transforms {}", capped(kind), quoted.join(", "));
        let tasks = dict_list(result.get_mut("tasks").map(Value::take), &what)?;
        let steps = match result.get_mut("steps").map(Value::take) {
            Some(Value::Array(steps)) => {
                Some(steps.into_iter().map(|s| dict_list(Some(s), &what)).collect::<anyhow::Result<Vec<_>>>()?)
            }
            _ => None,
        };
        Ok(SegmentOutput { tasks, steps })
    }

    /// Run the custom loader `loader` of `kind`. `dependencies` are the tasks of its
    /// kind-dependencies (empty where the stage does not have them, as in tg-load). Without
    /// `items`, the loader is only called (which is when taskgraph reads the kind's transforms)
    /// and the items it would yield are not consumed.
    pub fn run_loader(
        &mut self,
        kind: &str,
        path: &Path,
        config: &Map<String, Value>,
        loader: &str,
        dependencies: &[&Task],
        items: bool,
    ) -> anyhow::Result<LoaderOutput> {
        let mut body = Map::new();
        body.insert("items".into(), json!(items));
        body.insert("kind".into(), json!(kind));
        body.insert("path".into(), json!(path.to_string_lossy()));
        body.insert("config".into(), Value::Object(config.clone()));
        body.insert("loader".into(), json!(loader));
        body.insert("dependencies".into(), serde_json::to_value(dependencies)?);
        let mut result = self.call("loader", body)?;
        let what = format!("kind {}: loader {}", capped(kind), capped(loader));
        let items = dict_list(result.get_mut("items").map(Value::take), &what)?;
        let transforms = result
            .get("transforms")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        Ok(LoaderOutput { items, transforms })
    }

    /// Run a project target-task method or filter on `tasks` (the current target set);
    /// returns the labels it selects.
    pub fn target(&mut self, function: TargetFunction, name: &str, tasks: &[&Task]) -> anyhow::Result<Vec<String>> {
        let mut body = Map::new();
        body.insert("what".into(), json!(if function == TargetFunction::Filter { "filter" } else { "method" }));
        body.insert("name".into(), json!(name));
        body.insert("tasks".into(), serde_json::to_value(tasks)?);
        let result = self.call("target", body)?;
        match result.get("labels") {
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        bad_input(format!(
                            "target function {}: returned a non-string label {}",
                            capped(name),
                            capped(&v.to_string())
                        ))
                    })
                })
                .collect(),
            _ => Err(bad_input(format!("target function {}: python returned no labels", capped(name)))),
        }
    }

    /// Describe the strategies registered as `names`.
    pub fn strategies(&mut self, names: &[String]) -> anyhow::Result<Vec<(String, StrategyInfo)>> {
        let mut body = Map::new();
        body.insert("names".into(), json!(names));
        let result = self.call("strategies", body)?;
        let described = result.get("strategies").and_then(Value::as_object);
        names
            .iter()
            .map(|name| {
                let entry = described
                    .and_then(|d| d.get(name))
                    .ok_or_else(|| bad_input(format!("strategy {}: python did not describe it", capped(name))))?;
                let info = match (entry.get("definition"), entry.get("description")) {
                    (Some(definition), _) => StrategyInfo::Definition(definition.clone()),
                    (None, Some(Value::String(d))) => StrategyInfo::Python { description: d.clone() },
                    _ => {
                        return Err(bad_input(format!(
                            "strategy {}: python described it as {}",
                            capped(name),
                            capped(&entry.to_string())
                        )))
                    }
                };
                Ok((name.clone(), info))
            })
            .collect()
    }

    /// One optimization phase's calls of project strategies, in one round trip. `tasks` are
    /// the tasks the calls name by position.
    pub fn strategy_calls(
        &mut self,
        phase: Phase,
        tasks: &[&Task],
        calls: &[StrategyCall],
    ) -> anyhow::Result<Vec<StrategyAnswer>> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let mut body = Map::new();
        body.insert("phase".into(), json!(if phase == Phase::Remove { "remove" } else { "replace" }));
        body.insert("tasks".into(), serde_json::to_value(tasks)?);
        let calls_json: Vec<Value> = calls
            .iter()
            .map(|c| json!({"name": c.name, "task": c.task, "arg": c.arg, "deadline": c.deadline}))
            .collect();
        body.insert("calls".into(), Value::Array(calls_json));
        let result = self.call("optimize", body)?;
        let Some(Value::Array(results)) = result.get("results") else {
            return Err(bad_input("optimization strategies: python returned no results"));
        };
        if results.len() != calls.len() {
            return Err(bad_input(format!(
                "optimization strategies: python answered {} of {} calls",
                results.len(),
                calls.len()
            )));
        }
        results
            .iter()
            .zip(calls)
            .map(|(r, c)| match r {
                Value::Bool(false) => Ok(StrategyAnswer::No),
                Value::Bool(true) => Ok(StrategyAnswer::Yes),
                Value::String(id) if phase == Phase::Replace => Ok(StrategyAnswer::TaskId(id.clone())),
                other => Err(bad_input(format!(
                    "task {}: optimization strategy {}: python answered {}",
                    capped(tasks.get(c.task).map_or("?", |t| t.label.as_str())),
                    capped(&c.name),
                    capped(&other.to_string())
                ))),
            })
            .collect()
    }

    /// Run the project's morphs on the morphed graph; returns the tasks after the last morph
    /// (graph order), label -> taskId, and the morphs' names.
    pub fn morph(
        &mut self,
        tasks: &[Task],
        label_to_task_id: &std::collections::BTreeMap<String, String>,
    ) -> anyhow::Result<MorphOutput> {
        let mut body = Map::new();
        body.insert("tasks".into(), serde_json::to_value(tasks)?);
        body.insert("label_to_taskid".into(), serde_json::to_value(label_to_task_id)?);
        let mut result = self.call("morph", body)?;
        let tasks: Vec<Task> = match result.get_mut("tasks").map(Value::take) {
            Some(v) => serde_json::from_value(v).map_err(|e| {
                bad_input(format!(
                    "project morphs: a task python returned is not a task: {}",
                    capped_message(&e.to_string())
                ))
            })?,
            None => return Err(bad_input("project morphs: python returned no tasks")),
        };
        let label_to_task_id = match result.get_mut("label_to_taskid").map(Value::take) {
            Some(v) => serde_json::from_value(v).map_err(|e| {
                bad_input(format!("project morphs: label_to_taskid: {}", capped_message(&e.to_string())))
            })?,
            None => return Err(bad_input("project morphs: python returned no label_to_taskid")),
        };
        let morphs = result
            .get("morphs")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default();
        Ok(MorphOutput { tasks, label_to_task_id, morphs })
    }

    /// Apply `taskgraph.decision-parameters` (as `taskgraph decision` does) to `parameters`.
    pub fn decision_parameters(&mut self, parameters: &Map<String, Value>) -> anyhow::Result<Map<String, Value>> {
        self.parameters_op("decision_parameters", parameters)
    }

    /// Call `op` with `{"parameters": parameters}`; the `parameters` it answers.
    fn parameters_op(&mut self, op: &str, parameters: &Map<String, Value>) -> anyhow::Result<Map<String, Value>> {
        let mut body = Map::new();
        body.insert("parameters".into(), Value::Object(parameters.clone()));
        let result = self.call(op, body)?;
        let params = result.get("parameters").and_then(Value::as_object).cloned();
        params.ok_or_else(|| bad_input("decision-parameters: python returned no parameters"))
    }

    /// `taskgraph decision`'s call of the `decision-parameters` hook: on the raw parameters,
    /// without defaults (unlike [`Self::decision_parameters`], which fills them as stages do).
    pub fn decision_hook(&mut self, parameters: &Map<String, Value>) -> anyhow::Result<Map<String, Value>> {
        self.parameters_op("decision_hook", parameters)
    }

    /// taskgraph's strict `Parameters(**values).check()`, which knows the schema extensions the
    /// project's register hook made (a failure is bad input with Python's message).
    pub fn check_parameters(&mut self, parameters: &Map<String, Value>) -> anyhow::Result<()> {
        let mut body = Map::new();
        body.insert("parameters".into(), Value::Object(parameters.clone()));
        self.call("check_parameters", body).map(|_| ())
    }
}

/// A JSON list of objects, or an error naming what produced it.
fn dict_list(value: Option<Value>, what: &str) -> anyhow::Result<Vec<TaskDict>> {
    let Some(Value::Array(items)) = value else {
        return Err(bad_input(format!("{what}: python returned no task list")));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Object(m) => Ok(m),
            other => Err(bad_input(format!("{what}: item {i} is not a mapping: {}", capped(&other.to_string())))),
        })
        .collect()
}
