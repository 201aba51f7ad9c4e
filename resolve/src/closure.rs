//! The target task graph: the target tasks, the `always_target` tasks allowed by the
//! `enable_always_target` parameter, and everything they depend on (taskgraph's
//! `target_task_graph` phase: `full_task_graph.graph.transitive_closure(requested)`).
//!
//! Only `dependencies` are followed. `soft_dependencies` and `if_dependencies` stay on each task
//! exactly as they were (taskgraph 24.5.1 leaves them untouched here): a soft dependency pulls
//! nothing in and becomes an edge later only if its task is still present (tg-optimize), and an
//! if-dependency is always also a plain dependency, so it is already in the closure.

use crate::ResolveTask;
use serde_json::Value;
use tg_core::error::bad_input;
use tg_core::graph::{GraphNode, TaskGraph};
use tg_core::params::Parameters;
use tg_core::quote::capped;
#[cfg(test)]
use tg_core::task::Task;

/// Positions of the tasks with a true `always_target` attribute that `enable_always_target`
/// admits: `true` every kind, a list only the listed kinds, `false` or `[]` none.
pub fn always_target_tasks<T: ResolveTask>(tasks: &[T], parameters: &Parameters) -> anyhow::Result<Vec<usize>> {
    let kinds: Option<Vec<&str>> = match parameters.get("enable_always_target") {
        None | Some(Value::Bool(false)) | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Bool(true)) => None,
        Some(Value::Array(list)) if list.is_empty() => return Ok(Vec::new()),
        Some(Value::Array(list)) => Some(list.iter().filter_map(Value::as_str).collect()),
        Some(other) => {
            return Err(bad_input(format!(
                "parameter enable_always_target: expected a boolean or a list of kinds, got {}",
                capped(&other.to_string())
            )))
        }
    };
    Ok(tasks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.always_target())
        .filter(|(_, t)| kinds.as_ref().is_none_or(|k| k.contains(&t.kind())))
        .map(|(i, _)| i)
        .collect())
}

/// Membership of the transitive closure of `requested` over dependencies, by position.
pub fn transitive_closure<T: GraphNode>(graph: &TaskGraph<T>, requested: &[usize]) -> Vec<bool> {
    let deps = graph.dependency_positions();
    let mut member = vec![false; graph.len()];
    let mut queue: Vec<usize> = Vec::with_capacity(requested.len());
    for &i in requested {
        if mark(&mut member, i) {
            queue.push(i);
        }
    }
    while let Some(i) = queue.pop() {
        for &d in deps.get(i).map_or(&[][..], Vec::as_slice) {
            if mark(&mut member, d) {
                queue.push(d);
            }
        }
    }
    member
}

/// Marks position `i` as a member; true when it was not one before (a position outside the graph is ignored).
fn mark(member: &mut [bool], i: usize) -> bool {
    match member.get_mut(i) {
        Some(m) if !*m => {
            *m = true;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn task(label: &str, kind: &str, deps: &[&str], always: bool) -> Task {
        let mut t: Task = serde_json::from_value(json!({"kind": kind, "label": label, "task": {}})).unwrap();
        t.dependencies = deps.iter().map(|d| (d.to_string(), d.to_string())).collect();
        if always {
            t.attributes.insert("always_target".into(), json!(true));
        }
        t.soft_dependencies = vec!["z".into()];
        t
    }

    fn params(v: Value) -> Parameters {
        Parameters::from_map(json!({"enable_always_target": v}).as_object().unwrap().clone())
    }

    #[test]
    fn always_target_follows_the_parameter() {
        let tasks =
            vec![task("a", "lint", &[], true), task("b", "docker-image", &[], true), task("c", "lint", &[], false)];
        assert_eq!(always_target_tasks(&tasks, &params(json!(true))).unwrap(), [0, 1]);
        assert_eq!(always_target_tasks(&tasks, &params(json!(false))).unwrap(), Vec::<usize>::new());
        assert_eq!(always_target_tasks(&tasks, &params(json!(["docker-image"]))).unwrap(), [1]);
        assert_eq!(always_target_tasks(&tasks, &params(json!([]))).unwrap(), Vec::<usize>::new());
        assert!(always_target_tasks(&tasks, &params(json!("yes"))).is_err());
    }

    #[test]
    fn closure_follows_dependencies_only() {
        let g = TaskGraph::checked(vec![
            task("img", "docker-image", &[], false),
            task("build", "build", &["img"], false),
            task("test", "test", &["build"], false),
            task("z", "lint", &[], false),
        ])
        .unwrap();
        assert_eq!(transitive_closure(&g, &[2]), [true, true, true, false]);
        assert_eq!(transitive_closure(&g, &[]), [false; 4]);
    }

    /// A requested position outside the graph is ignored, not a panic.
    #[test]
    fn positions_outside_the_graph_are_ignored() {
        let g = TaskGraph::checked(vec![task("img", "docker-image", &[], false)]).unwrap();
        assert_eq!(transitive_closure(&g, &[7, 0]), [true]);
    }
}
