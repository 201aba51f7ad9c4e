//! The built-in actions of taskgraph 24.5.1 (`taskgraph/actions/*.py`): what each one is called
//! in a user interface, where it applies (`context`), the input it accepts (`schema`), the hook
//! permission it needs, and the callback (`cb_name`) that runs it.
//!
//! Several actions may share a `name` (the three "Retrigger" entries); `cb_name` is unique and is
//! what `ACTION_CALLBACK` names. The list is in taskgraph's menu `order`.

use serde_json::{json, Value};

/// One registered action.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// Identifier user interfaces find the action by (not unique).
    pub name: &'static str,
    /// The callback's unique name (`ACTION_CALLBACK`).
    pub cb_name: &'static str,
    pub title: &'static str,
    /// Treeherder symbol of the action task.
    pub symbol: &'static str,
    /// Markdown shown to users.
    pub description: &'static str,
    /// Position in menus (ascending).
    pub order: i64,
    /// Tag-sets of the tasks the action applies to; `[]` means the whole task group.
    pub context: Value,
    /// JSON schema of the input, when the action takes one.
    pub schema: Option<Value>,
    /// Hook permission (`generic` unless the action needs more scopes).
    pub permission: &'static str,
}

/// The `times` property shared by several schemas.
fn times_property() -> Value {
    json!({
        "type": "integer",
        "default": 1,
        "minimum": 1,
        "maximum": 100,
        "title": "Times",
        "description": "How many times to run each task.",
    })
}

fn downstream_property() -> Value {
    json!({
        "type": "boolean",
        "description": "If true, downstream tasks from this one will be cloned as well. \
                        The dependencies will be updated to work with the new task at the root.",
        "default": false,
    })
}

/// Every built-in action, sorted by `order`.
pub fn builtin_actions() -> Vec<Action> {
    let mut actions = vec![
        Action {
            name: "add-new-jobs",
            cb_name: "add-new-jobs",
            title: "Add new jobs",
            symbol: "add-new",
            description: "Add new jobs using task labels.",
            order: 100,
            context: json!([]),
            schema: Some(json!({
                "type": "object",
                "properties": {
                    "tasks": {"type": "array", "description": "An array of task labels", "items": {"type": "string"}},
                    "times": times_property(),
                },
            })),
            permission: "generic",
        },
        Action {
            name: "cancel",
            cb_name: "cancel",
            title: "Cancel Task",
            symbol: "cx",
            description: "Cancel the given task",
            order: 350,
            context: json!([{}]),
            schema: None,
            permission: "generic",
        },
        Action {
            name: "cancel-all",
            cb_name: "cancel-all",
            title: "Cancel All",
            symbol: "cAll",
            description: "Cancel all running and pending tasks created by the decision task this action task is associated with.",
            order: 400,
            context: json!([]),
            schema: None,
            permission: "generic",
        },
        Action {
            name: "rebuild-cached-tasks",
            cb_name: "rebuild-cached-tasks",
            title: "Rebuild Cached Tasks",
            symbol: "rebuild-cached",
            description: "Rebuild cached tasks.",
            order: 1000,
            context: json!([]),
            schema: None,
            permission: "rebuild-cached-tasks",
        },
        Action {
            name: "retrigger",
            cb_name: "retrigger-decision",
            title: "Retrigger",
            symbol: "rt",
            description: "Create a clone of the task (retriggering decision, action, and cron tasks requires\nspecial scopes).",
            order: 11,
            context: json!([{"kind": "decision-task"}, {"kind": "action-callback"}, {"kind": "cron-task"}]),
            schema: None,
            permission: "retrigger-decision",
        },
        Action {
            name: "retrigger",
            cb_name: "retrigger",
            title: "Retrigger",
            symbol: "rt",
            description: "Create a clone of the task.",
            order: 19,
            context: json!([{"retrigger": "true"}]),
            schema: Some(json!({
                "type": "object",
                "properties": {"downstream": downstream_property(), "times": times_property()},
            })),
            permission: "generic",
        },
        Action {
            name: "retrigger",
            cb_name: "retrigger-disabled",
            title: "Retrigger (disabled)",
            symbol: "rt",
            description: "Create a clone of the task.\n\nThis type of task should typically be re-run instead of re-triggered.",
            order: 20,
            context: json!([{}]),
            schema: Some(json!({
                "type": "object",
                "properties": {
                    "downstream": downstream_property(),
                    "times": times_property(),
                    "force": {
                        "type": "boolean",
                        "default": false,
                        "description": "This task should not be re-triggered. This can be overridden by passing `true` here.",
                    },
                },
            })),
            permission: "generic",
        },
        Action {
            name: "rerun",
            cb_name: "rerun",
            title: "Rerun",
            symbol: "rr",
            description: "Rerun a task.\n\nThis only works on failed or exception tasks in the original taskgraph, and is CoT friendly.",
            order: 300,
            context: json!([{}]),
            schema: Some(json!({"type": "object", "properties": {}})),
            permission: "generic",
        },
        Action {
            name: "retrigger-multiple",
            cb_name: "retrigger-multiple",
            title: "Retrigger",
            symbol: "rt",
            description: "Create a clone of the task.",
            order: 10000,
            context: json!([]),
            schema: Some(json!({
                "type": "object",
                "properties": {
                    "requests": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "tasks": {"type": "array", "description": "An array of task labels", "items": {"type": "string"}},
                                "times": {
                                    "type": "integer",
                                    "minimum": 1,
                                    "maximum": 100,
                                    "title": "Times",
                                    "description": "How many times to run each task.",
                                },
                            },
                            "additionalProperties": false,
                        },
                    },
                    "additionalProperties": false,
                },
            })),
            permission: "generic",
        },
    ];
    actions.sort_by_key(|a| a.order);
    actions
}

/// The action whose callback is `cb_name`.
pub fn find(cb_name: &str) -> Option<Action> {
    builtin_actions().into_iter().find(|a| a.cb_name == cb_name)
}

/// Every callback name, sorted.
pub fn callback_names() -> Vec<&'static str> {
    let mut names: Vec<&str> = builtin_actions().iter().map(|a| a.cb_name).collect();
    names.sort_unstable();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_names_are_unique_and_orders_distinct() {
        let actions = builtin_actions();
        let mut names = callback_names();
        names.dedup();
        assert_eq!(names.len(), actions.len());
        assert!(actions.windows(2).all(|w| w[0].order < w[1].order));
        assert_eq!(find("retrigger-decision").map(|a| a.permission), Some("retrigger-decision"));
        assert!(find("nope").is_none());
    }
}
