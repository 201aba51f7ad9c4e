//! taskgraph.transforms.code_review: code-review tasks softly depend on every task of their
//! kind dependencies whose `code-review` attribute is `true`.
//!
//! Schema: none (tasks pass through unvalidated). Step:
//! * `add_dependencies`: append to `soft-dependencies` (created empty when absent) the labels of
//!   the kind-dependency tasks with `attributes.code-review == true`, in kind-dependency order.

use crate::{task_error, TaskDict, TransformConfig};
use serde_json::Value;

/// The module's transform sequence.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    let labels = code_review_labels(config);
    tasks.into_iter().map(|task| add_dependencies(config, task, &labels)).collect()
}

/// Labels of the kind-dependency tasks marked `code-review: true` (exactly `True`, not truthy).
fn code_review_labels(config: &TransformConfig<'_>) -> Vec<Value> {
    config
        .kind_dependencies_tasks
        .values()
        .filter(|t| t.attributes.get("code-review") == Some(&Value::Bool(true)))
        .map(|t| Value::String(t.label.clone()))
        .collect()
}

/// `task["soft-dependencies"] += labels`.
fn add_dependencies(config: &TransformConfig<'_>, mut task: TaskDict, labels: &[Value]) -> anyhow::Result<TaskDict> {
    if let Some(other) = task.get("soft-dependencies").filter(|v| !v.is_array()) {
        let found = tg_core::py::value::type_name(other);
        return Err(task_error(config, &task, format!("soft-dependencies: expected a list, got {found}")));
    }
    if let Value::Array(list) = task.entry("soft-dependencies").or_insert_with(|| Value::Array(Vec::new())) {
        list.extend(labels.iter().cloned());
    }
    Ok(task)
}
