//! taskgraph.util.dependencies: the `group-by` functions of `from-deps`, and the look-ups of a
//! task's dependencies among the kind-dependency tasks.
//!
//! Group-by functions (taskgraph 24.5.1 ships three):
//! * `single`: one group per dependency;
//! * `all`: one group holding every dependency (even when there are none);
//! * `attribute` (argument: an attribute name): one group per distinct truthy value of that
//!   attribute, in order of first appearance; tasks without a truthy value are left out.

use crate::TransformConfig;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use tg_core::py::value::{dict_key, truthy};
use tg_core::task::Task;

/// The names `from-deps.group-by` accepts.
pub const GROUP_BY_FUNCTIONS: &[&str] = &["single", "all", "attribute"];

/// `group-by` as written: a function name, or `{name: argument}`.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupBy<'a> {
    Name(&'a str),
    WithArg(&'a str, &'a Value),
}

/// Apply a group-by function to `tasks`; errors read like taskgraph's failures.
pub fn group<'t>(group_by: &GroupBy<'_>, tasks: &[&'t Task]) -> Result<Vec<Vec<&'t Task>>, String> {
    match group_by {
        GroupBy::Name("single") => Ok(tasks.iter().map(|t| vec![*t]).collect()),
        GroupBy::Name("all") => Ok(vec![tasks.to_vec()]),
        GroupBy::Name("attribute") => Err("group_by_attribute() missing 1 required positional argument: 'attr'".into()),
        GroupBy::WithArg("attribute", arg) => match arg {
            Value::String(attr) => group_by_attribute(tasks, attr),
            other => Err(format!(
                "Invalid group-by attribute argument: Expected `str`, got `{}`",
                tg_core::py::value::type_name(other)
            )),
        },
        GroupBy::WithArg(name @ ("single" | "all"), _) => {
            Err(format!("group_by_{name}() takes 2 positional arguments but 3 were given"))
        }
        GroupBy::Name(other) | GroupBy::WithArg(other, _) => {
            Err(format!("unknown group-by function '{other}' (known: {})", GROUP_BY_FUNCTIONS.join(", ")))
        }
    }
}

/// `group_by_attribute`: group by the value of `attr`, skipping falsy values.
fn group_by_attribute<'t>(tasks: &[&'t Task], attr: &str) -> Result<Vec<Vec<&'t Task>>, String> {
    let mut groups: IndexMap<String, Vec<&'t Task>> = IndexMap::new();
    for task in tasks {
        let Some(val) = task.attributes.get(attr).filter(|v| truthy(v)) else { continue };
        let key = dict_key(val).ok_or_else(|| {
            format!("task {}: attribute {attr}: unhashable type: '{}'", task.label, tg_core::py::value::type_name(val))
        })?;
        groups.entry(key).or_default().push(*task);
    }
    Ok(groups.into_values().collect())
}

/// taskgraph's `get_dependencies(config, task)`: the kind-dependency tasks whose label is one
/// of the values of `task["dependencies"]`, in kind-dependency order.
pub fn get_dependencies<'c>(config: &'c TransformConfig<'_>, task: &Map<String, Value>) -> Vec<&'c Task> {
    let Some(Value::Object(deps)) = task.get("dependencies") else { return Vec::new() };
    config
        .kind_dependencies_tasks
        .iter()
        .filter(|(label, _)| deps.values().any(|v| v.as_str() == Some(label.as_str())))
        .map(|(_, t)| t)
        .collect()
}

/// taskgraph's `get_primary_dependency(config, task)`: the task named by the
/// `primary-dependency-label` attribute, when there is one among the kind dependencies.
pub fn get_primary_dependency<'c>(config: &'c TransformConfig<'_>, task: &Map<String, Value>) -> Option<&'c Task> {
    let label = task.get("attributes")?.get("primary-dependency-label")?.as_str()?;
    config.kind_dependencies_tasks.get(label)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(label: &str, attrs: Value) -> Task {
        Task {
            kind: "k".into(),
            label: label.into(),
            description: String::new(),
            attributes: attrs.as_object().unwrap().clone(),
            dependencies: IndexMap::new(),
            soft_dependencies: vec![],
            if_dependencies: vec![],
            optimization: None,
            task: json!({}),
            task_id: None,
        }
    }

    #[test]
    fn group_by_attribute_table() {
        // taskgraph.util.dependencies.group_by_attribute: falsy skipped, 1 == True, first-seen order.
        let ts = [
            task("a", json!({"p": "x"})),
            task("b", json!({"p": 1})),
            task("c", json!({"p": ""})),
            task("d", json!({"p": "x"})),
            task("e", json!({"p": true})),
            task("f", json!({})),
        ];
        let refs: Vec<&Task> = ts.iter().collect();
        let groups = group(&GroupBy::WithArg("attribute", &json!("p")), &refs).unwrap();
        let labels: Vec<Vec<&str>> = groups.iter().map(|g| g.iter().map(|t| t.label.as_str()).collect()).collect();
        assert_eq!(labels, vec![vec!["a", "d"], vec!["b", "e"]]);
        assert_eq!(group(&GroupBy::Name("all"), &[]).unwrap().len(), 1);
        assert!(group(&GroupBy::Name("nope"), &refs).is_err());
    }
}
