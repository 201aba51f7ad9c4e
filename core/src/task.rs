//! The task record: exactly the fields and nesting of taskgraph's `Task.to_json()`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One task as it travels from `tg-transform` onwards, field for field what
/// `taskgraph full --json` prints for it (`task_id` appears once assigned).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// The kind that made the task.
    pub kind: String,
    /// Unique label in the graph.
    pub label: String,
    /// Free-form description (taskgraph's `Task.description`).
    #[serde(default)]
    pub description: String,
    /// Attributes used for target selection and by dependent kinds.
    #[serde(default)]
    pub attributes: Map<String, Value>,
    /// Dependency name -> label.
    #[serde(default)]
    pub dependencies: IndexMap<String, String>,
    /// Labels depended on only when present in the graph.
    #[serde(default)]
    pub soft_dependencies: Vec<String>,
    /// Labels that keep this task only if one of them runs.
    #[serde(default)]
    pub if_dependencies: Vec<String>,
    /// `{strategy: argument}` or null.
    #[serde(default)]
    pub optimization: Option<Value>,
    /// The Taskcluster task definition.
    pub task: Value,
    /// Assigned by tg-optimize.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
}

impl Task {
    /// Labels of every in-graph dependency, in declaration order.
    pub fn dependency_labels(&self) -> impl Iterator<Item = &str> {
        self.dependencies.values().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_to_json_shape() {
        let line = r#"{"kind":"build","label":"build-linux","description":"d","attributes":{"a":1},"dependencies":{"docker-image":"docker-image-x"},"soft_dependencies":[],"if_dependencies":[],"optimization":null,"task":{"x":1}}"#;
        let t: Task = serde_json::from_str(line).unwrap();
        assert_eq!(serde_json::to_string(&t).unwrap(), line);
        assert_eq!(t.dependency_labels().collect::<Vec<_>>(), ["docker-image-x"]);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let line = r#"{"kind":"b","label":"l","task":{},"extra":1}"#;
        assert!(serde_json::from_str::<Task>(line).is_err());
    }
}
