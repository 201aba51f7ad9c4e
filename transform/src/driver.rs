//! The stage itself: read items, run each kind's transform sequence in kind-dependency order,
//! turn the final dicts into [`Task`] records, check labels are unique, write them.

use crate::registry::{self, DEFAULT_LOADER_TRANSFORMS};
use crate::{TaskDict, TransformConfig, TransformFn};
use indexmap::IndexMap;
use serde_json::Value;
use tg_core::cli::{Log, StageContext};
use tg_core::item::Item;
use tg_core::kinds::Kind;
use tg_core::task::Task;
use tg_core::bad_input;

/// Loaders whose items tg-load can produce (and whose transform lists we know how to extend).
const BUILTIN_LOADERS: &[&str] = &["taskgraph.loader.default:loader", "taskgraph.loader.transform:loader"];

/// Transform every item; returns tasks in kind order, then item order.
pub fn transform_items(ctx: &StageContext, items: Vec<Item>, log: Log) -> anyhow::Result<Vec<Task>> {
    let mut by_kind: IndexMap<String, Vec<TaskDict>> = IndexMap::new();
    for item in items {
        by_kind.entry(item.kind).or_default().push(item.item);
    }
    let present: Vec<String> = by_kind.keys().cloned().collect();
    let kinds = if present.is_empty() { Vec::new() } else { tg_core::kinds::load_kinds(&ctx.graph_config, &present)? };

    let mut tasks_by_kind: IndexMap<String, Vec<Task>> = IndexMap::new();
    let mut seen_labels: IndexMap<String, String> = IndexMap::new();
    for kind in &kinds {
        let inputs = by_kind.shift_remove(&kind.name).unwrap_or_default();
        let deps = kind_dependencies_tasks(kind, &tasks_by_kind);
        let config = TransformConfig {
            kind: &kind.name,
            path: &kind.path,
            config: &kind.config,
            params: &ctx.parameters,
            kind_dependencies_tasks: &deps,
            graph_config: &ctx.graph_config,
            log,
        };
        let mut dicts = inputs;
        for step in transform_sequence(kind)? {
            dicts = step(&config, dicts)?;
        }
        let tasks = dicts.into_iter().map(|d| to_task(&kind.name, d)).collect::<anyhow::Result<Vec<_>>>()?;
        for task in &tasks {
            if let Some(other) = seen_labels.insert(task.label.clone(), kind.name.clone()) {
                return Err(bad_input(format!(
                    "kind {}, task {}: duplicate label (also made by kind {other})",
                    kind.name, task.label
                )));
            }
        }
        log.debug(format!("generated {} tasks for kind {}", tasks.len(), kind.name));
        tasks_by_kind.insert(kind.name.clone(), tasks);
    }
    Ok(tasks_by_kind.into_values().flatten().collect())
}

/// The tasks of `kind`'s kind-dependencies, label -> task, in the order kinds were loaded.
fn kind_dependencies_tasks(kind: &Kind, done: &IndexMap<String, Vec<Task>>) -> IndexMap<String, Task> {
    let deps = kind.dependencies();
    done.iter()
        .filter(|(name, _)| deps.contains(name))
        .flat_map(|(_, tasks)| tasks.iter().map(|t| (t.label.clone(), t.clone())))
        .collect()
}

/// The kind's transform steps: its own list, plus the default loader's additions.
fn transform_sequence(kind: &Kind) -> anyhow::Result<Vec<TransformFn>> {
    let loader = kind.loader();
    if !BUILTIN_LOADERS.contains(&loader) {
        return Err(bad_input(format!(
            "kind {}: loader {loader} is not built in (load the other kinds with -k)",
            kind.name
        )));
    }
    let mut names = kind.declared_transforms();
    if loader == "taskgraph.loader.default:loader" {
        for t in DEFAULT_LOADER_TRANSFORMS {
            if names.iter().any(|n| n == t) {
                return Err(bad_input(format!(
                    "kind {}: transform {t} is already present in the loader's default transforms; it must not be defined in the kind",
                    kind.name
                )));
            }
            names.push(t.to_string());
        }
    }
    names
        .iter()
        .map(|name| {
            registry::lookup(name).ok_or_else(|| {
                bad_input(format!(
                    "kind {}: unknown transform {name}; built-in transforms: {}",
                    kind.name,
                    registry::known_names().join(", ")
                ))
            })
        })
        .collect()
}

/// taskgraph's `Task(kind, label=…, …)` from a final task dict.
fn to_task(kind: &str, mut d: TaskDict) -> anyhow::Result<Task> {
    let name = crate::util::task_dict::task_name(&d).to_string();
    let field_err = |field: &str, want: &str| bad_input(format!("kind {kind}, task {name}: {field}: expected {want}"));
    let label = match d.remove("label") {
        Some(Value::String(s)) => s,
        _ => return Err(field_err("label", "a string")),
    };
    let description = match d.remove("description") {
        Some(Value::String(s)) => s,
        _ => return Err(field_err("description", "a string")),
    };
    let mut attributes = match d.remove("attributes") {
        Some(Value::Object(m)) => m,
        _ => return Err(field_err("attributes", "a mapping")),
    };
    // taskgraph's Task.__post_init__: attributes["kind"] = kind
    attributes.insert("kind".into(), Value::String(kind.to_string()));
    let task = d.remove("task").ok_or_else(|| field_err("task", "a task definition"))?;
    let dependencies = match d.remove("dependencies") {
        None | Some(Value::Null) => IndexMap::new(),
        Some(v) => serde_json::from_value(v).map_err(|_| field_err("dependencies", "a mapping of strings"))?,
    };
    let string_list = |v: Option<Value>, field: &str| -> anyhow::Result<Vec<String>> {
        match v {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(v) => serde_json::from_value(v).map_err(|_| field_err(field, "a list of strings")),
        }
    };
    let soft_dependencies = string_list(d.remove("soft-dependencies"), "soft-dependencies")?;
    let if_dependencies = string_list(d.remove("if-dependencies"), "if-dependencies")?;
    let optimization = d.remove("optimization").filter(|v| !v.is_null());
    Ok(Task {
        kind: kind.to_string(),
        label,
        description,
        attributes,
        dependencies,
        soft_dependencies,
        if_dependencies,
        optimization,
        task,
        task_id: None,
    })
}
