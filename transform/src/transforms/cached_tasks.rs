//! taskgraph.transforms.cached_tasks: tasks carrying a `cache` description (type, name,
//! digest-data) are made cacheable: their digest combines their own digest data with the
//! digests of the cached tasks they depend on (and their chain-of-trust setting), and
//! [`add_optimization`] turns it into index routes, an `index-search` optimization and the
//! `cached_task` attribute.
//!
//! Schema of the input (not validated by taskgraph here; checked as far as this step reads it):
//! - `label` (str): the task's label.
//! - `cache` (optional mapping): `type` (str), `name` (str), `digest-data` (list of str);
//!   removed from the task.
//! - `dependencies` (optional mapping of name -> label): every dependency of a cached task must
//!   itself be cached (in this kind or a kind dependency).
//! - `worker.chain-of-trust` (optional): when truthy, its `str()` joins the digest data.
//! - `attributes` (mapping): receives `cached_task`.
//!
//! Tasks are processed parents first ([`order_tasks`]), so a task's in-kind dependencies are
//! already digested when it is reached.

use crate::util::cached_tasks::{add_optimization, format_task_digest, python_truthy};
use crate::util::task_dict::task_name;
use crate::{task_error, TaskDict, TransformConfig};
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::VecDeque;
use tg_core::py::set::python_set_order;
use tg_core::py::value::{python_repr, python_str};

/// The transform sequence: `cache_task`.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    cache_task(config, tasks)
}

/// taskgraph's `order_tasks`: the kind's tasks, each after the tasks of the same kind it depends
/// on (dependencies whose label starts with `<kind>-`).
///
/// taskgraph walks a graph built from sets, so its order among independent tasks follows
/// Python's set order; here it is deterministic: input order, a task moving behind the
/// in-kind tasks it depends on (Kahn's algorithm with a FIFO queue seeded in input order).
/// Like taskgraph, a later task with the label of an earlier one replaces it.
pub fn order_tasks(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    let kind_prefix = format!("{}-", config.kind);
    let mut pending: IndexMap<String, TaskDict> = IndexMap::new();
    for task in tasks {
        let label = match task.get("label") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(task_error(config, &task, "label: KeyError: 'label' (order_tasks needs labelled tasks)")),
        };
        pending.insert(label, task);
    }
    let labels: Vec<String> = pending.keys().cloned().collect();
    let index_of = |label: &str| pending.get_index_of(label);

    // parents[i]: in-kind tasks that task i depends on (distinct); children: the reverse.
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); labels.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); labels.len()];
    for (i, task) in pending.values().enumerate() {
        let Some(Value::Object(deps)) = task.get("dependencies") else { continue };
        for dep in deps.values() {
            let Value::String(dep) = dep else {
                return Err(task_error(config, task, format!("dependencies: expected label strings, got {dep}")));
            };
            if !dep.starts_with(&kind_prefix) {
                continue;
            }
            let j = index_of(dep).ok_or_else(|| {
                task_error(
                    config,
                    task,
                    format!(
                        "dependency {dep} names this kind but no task of it (KeyError: '{dep}')",
                        dep = tg_core::quote::capped(dep)
                    ),
                )
            })?;
            // i and j are both indices of `pending`, which sized both lists.
            let (Some(mine), Some(theirs)) = (parents.get_mut(i), children.get_mut(j)) else { continue };
            if !mine.contains(&j) {
                mine.push(j);
                theirs.push(i);
            }
        }
    }
    for c in &mut children {
        c.sort_unstable();
    }

    let mut indegree: Vec<usize> = parents.iter().map(Vec::len).collect();
    let mut queue: VecDeque<usize> = indegree.iter().enumerate().filter(|(_, &d)| d == 0).map(|(i, _)| i).collect();
    let mut order = Vec::with_capacity(labels.len());
    while let Some(i) = queue.pop_front() {
        order.push(i);
        for &c in children.get(i).map(Vec::as_slice).unwrap_or_default() {
            let Some(d) = indegree.get_mut(c) else { continue };
            *d -= 1;
            if *d == 0 {
                queue.push_back(c);
            }
        }
    }
    if order.len() != labels.len() {
        // Named as Python prints the set (its order under PYTHONHASHSEED=0).
        let nodes = python_set_order(&labels);
        let loopy: Vec<&String> =
            nodes.iter().filter(|l| index_of(l).and_then(|i| indegree.get(i)).is_some_and(|&d| d > 0)).collect();
        let loopy = python_set_order(&loopy);
        let shown: Vec<String> = loopy.iter().map(|l| python_repr(&Value::String(l.clone()))).collect();
        return Err(tg_core::bad_input(format!(
            "kind {}: Dependency loop detected involving the following nodes: {{{}}}",
            config.kind,
            shown.join(", ")
        )));
    }
    let mut slots: Vec<Option<TaskDict>> = pending.into_values().map(Some).collect();
    Ok(order.into_iter().filter_map(|i| slots.get_mut(i).and_then(Option::take)).collect())
}

/// The `cache` description of a task: (type, name, digest-data).
fn cache_description(
    config: &TransformConfig<'_>,
    task: &TaskDict,
    cache: &Value,
) -> anyhow::Result<(String, String, Vec<String>)> {
    let field = |key: &str| cache.get(key).ok_or_else(|| task_error(config, task, format!("cache: KeyError: '{key}'")));
    let text = |key: &str| -> anyhow::Result<String> {
        match field(key)? {
            Value::String(s) => Ok(s.clone()),
            other => Err(task_error(config, task, format!("cache.{key}: expected a string, got {other}"))),
        }
    };
    let data = match field("digest-data")? {
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => Err(task_error(
                    config,
                    task,
                    format!("cache.digest-data: sequence item: expected str instance, got {other}"),
                )),
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
        other => Err(task_error(config, task, format!("cache.digest-data: expected a list, got {other}")))?,
    };
    Ok((text("type")?, text("name")?, data))
}

/// taskgraph's `cache_task`.
fn cache_task(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    let mut digests: IndexMap<String, String> = IndexMap::new();
    for task in config.kind_dependencies_tasks.values() {
        if let Some(cached) = task.attributes.get("cached_task") {
            if let Some(d) = format_task_digest(cached) {
                digests.insert(task.label.clone(), d);
            }
        }
    }

    let mut out = Vec::with_capacity(tasks.len());
    for mut task in order_tasks(config, tasks)? {
        let Some(cache) = task.shift_remove("cache").filter(|c| !c.is_null()) else {
            out.push(task);
            continue;
        };
        let (cache_type, cache_name, mut digest_data) = cache_description(config, &task, &cache)?;

        let mut dependency_digests = Vec::new();
        if let Some(Value::Object(deps)) = task.get("dependencies") {
            for dep in deps.values() {
                let dep = python_str(dep);
                match digests.get(&dep) {
                    Some(d) => dependency_digests.push(d.clone()),
                    None => {
                        let label = task.get("label").map(python_str).unwrap_or_default();
                        return Err(task_error(
                            config,
                            &task,
                            format!("Cached task {label} has uncached parent task: {dep}"),
                        ));
                    }
                }
            }
        }
        dependency_digests.sort();
        digest_data.extend(dependency_digests);

        // Chain of trust affects the artifacts, so it enters the digest.
        if let Some(cot) = task.get("worker").and_then(|w| w.get("chain-of-trust")) {
            if python_truthy(cot) {
                digest_data.push(python_str(cot));
            }
        }

        add_optimization(config, &mut task, &cache_type, &cache_name, None, Some(&digest_data))
            .map_err(|e| task_error(config, &task, e))?;
        let label = task.get("label").map(python_str).unwrap_or_else(|| task_name(&task).to_string());
        if let Some(d) = task.get("attributes").and_then(|a| a.get("cached_task")).and_then(format_task_digest) {
            digests.insert(label, d);
        }
        out.push(task);
    }
    Ok(out)
}
