//! `actions.json`, the decision task's artifact that tells user interfaces (Treeherder, the
//! Taskcluster UI) which actions exist and how to trigger them: taskgraph's
//! `render_actions_json` (`taskgraph/actions/registry.py`).
//!
//! Every action becomes a `hook` entry: `hookGroupId` is `project-<trust-domain>`, `hookId`
//! is `in-tree-action-<level>-<permission>/<hash>` (`in-tree-pr-action-...` for pull requests),
//! where `<hash>` is the first 10 hex digits of the sha256 of the repository's
//! `.taskcluster.yml`, and `hookPayload` carries the decision's repository and push and the
//! action's identity, plus JSON-e `$eval`s for the user's input, taskId and taskGroupId.
//! Actions whose `cb_name` is listed in `taskgraph.disabled-actions` of config.yml are left
//! out; an unknown name there is an error.

use crate::registry::{builtin_actions, Action};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tg_core::config::GraphConfig;
use tg_core::error::{bad_input, usage};
use tg_core::params::Parameters;

/// The owner taskgraph puts in every action's push.
const PUSH_OWNER: &str = "mozilla-taskcluster-maintenance@mozilla.com";

/// Where taskgraph looks for `.taskcluster.yml`: the repository (VCS) root.
pub fn default_taskcluster_yml(graph_config: &GraphConfig) -> PathBuf {
    graph_config.vcs_root().join(".taskcluster.yml")
}

/// The first 10 hex digits of the sha256 of the file's bytes (taskgraph's
/// `hash_taskcluster_yml`).
pub fn hash_taskcluster_yml(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| {
        usage(format!(
            "cannot read {}: {e} (actions.json needs the repository's .taskcluster.yml; pass --taskcluster-yml FILE)",
            path.display()
        ))
    })?;
    Ok(hex::encode(Sha256::digest(&bytes))[..10].to_string())
}

/// The callbacks listed in `taskgraph.disabled-actions`, checked against the known ones.
pub fn disabled_actions(graph_config: &GraphConfig) -> anyhow::Result<Vec<String>> {
    let names: Vec<String> = match graph_config.taskgraph_key("disabled-actions") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().map(str::to_string).ok_or_else(|| {
                    bad_input(format!("config.yml: taskgraph.disabled-actions: expected a list of strings, got {v}"))
                })
            })
            .collect::<anyhow::Result<_>>()?,
        Some(other) => {
            return Err(bad_input(format!("config.yml: taskgraph.disabled-actions: expected a list, got {other}")))
        }
    };
    let known: Vec<&str> = crate::registry::callback_names();
    let mut unknown: Vec<&String> = names.iter().filter(|n| !known.contains(&n.as_str())).collect();
    unknown.sort();
    unknown.dedup();
    if !unknown.is_empty() {
        return Err(bad_input(format!(
            "Unknown action(s) in `taskgraph.disabled-actions`: {}. Known actions: {}",
            python_list(unknown.iter().map(|s| s.as_str())),
            python_list(known.iter().copied())
        )));
    }
    Ok(names)
}

/// `['a', 'b']`, as Python prints a sorted list of strings.
fn python_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let inner: Vec<String> = items.map(|s| format!("'{s}'")).collect();
    format!("[{}]", inner.join(", "))
}

/// The whole `actions.json` object.
pub fn render_actions_json(
    parameters: &Parameters,
    graph_config: &GraphConfig,
    decision_task_id: &str,
    tcyml_hash: &str,
) -> anyhow::Result<Value> {
    let disabled = disabled_actions(graph_config)?;
    let mut actions = Vec::new();
    for action in builtin_actions() {
        if disabled.iter().any(|d| d == action.cb_name) {
            continue;
        }
        actions.push(render_action(&action, parameters, graph_config, decision_task_id, tcyml_hash)?);
    }
    Ok(json!({"version": 1, "variables": {}, "actions": actions}))
}

/// A parameter the hook payload needs, as it is (strings stay strings).
fn required(parameters: &Parameters, key: &str) -> anyhow::Result<Value> {
    parameters.get(key).cloned().ok_or_else(|| bad_input(format!("parameters: {key}: required to render actions.json")))
}

/// An optional parameter when Python finds it true.
fn truthy(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| tg_core::py::truthy(v))
}

/// One action's entry (taskgraph's `action_builder`).
fn render_action(
    action: &Action,
    parameters: &Parameters,
    graph_config: &GraphConfig,
    decision_task_id: &str,
    tcyml_hash: &str,
) -> anyhow::Result<Value> {
    if action.permission.contains('/') {
        return Err(bad_input("`/` is not allowed in action names; use `-`"));
    }
    let level = required(parameters, "level")?;
    let repository = json!({
        "url": required(parameters, "head_repository")?,
        "project": required(parameters, "project")?,
        "level": level,
        "base_url": required(parameters, "base_repository")?,
    });
    let mut push = Map::new();
    push.insert("owner".into(), json!(PUSH_OWNER));
    push.insert("pushlog_id".into(), required(parameters, "pushlog_id")?);
    push.insert("revision".into(), required(parameters, "head_rev")?);
    push.insert("base_revision".into(), required(parameters, "base_rev")?);
    let branch = truthy(parameters.get("head_ref"));
    if let Some(b) = branch {
        push.insert("branch".into(), b.clone());
    }
    if let Some(base) = truthy(parameters.get("base_ref")) {
        if Some(base) != branch {
            push.insert("base_branch".into(), base.clone());
        }
    }
    let level_text = match &level {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let tasks_for = parameters.get("tasks_for").and_then(Value::as_str).unwrap_or_default();
    let hook_id = if tasks_for.starts_with("github-pull-request") {
        format!("in-tree-pr-action-{level_text}-{}/{tcyml_hash}", action.permission)
    } else {
        format!("in-tree-action-{level_text}-{}/{tcyml_hash}", action.permission)
    };
    let mut rv = Map::new();
    rv.insert("name".into(), json!(action.name));
    rv.insert("title".into(), json!(action.title));
    rv.insert("description".into(), json!(action.description));
    rv.insert("context".into(), action.context.clone());
    if let Some(schema) = &action.schema {
        rv.insert("schema".into(), schema.clone());
    }
    rv.insert("kind".into(), json!("hook"));
    rv.insert("hookGroupId".into(), json!(format!("project-{}", graph_config.trust_domain())));
    rv.insert("hookId".into(), json!(hook_id));
    rv.insert(
        "hookPayload".into(),
        json!({
            "decision": {
                "action": {
                    "name": action.name,
                    "title": action.title,
                    "description": action.description,
                    "taskGroupId": decision_task_id,
                    "cb_name": action.cb_name,
                    "symbol": action.symbol,
                },
                "repository": repository,
                "push": Value::Object(push),
            },
            "user": {
                "input": {"$eval": "input"},
                "taskId": {"$eval": "taskId"},
                "taskGroupId": {"$eval": "taskGroupId"},
            },
        }),
    );
    rv.insert("extra".into(), json!({"actionPerm": action.permission}));
    Ok(Value::Object(rv))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_lists_quote_strings() {
        assert_eq!(python_list(["a", "b"].into_iter()), "['a', 'b']");
        assert_eq!(python_list(std::iter::empty()), "[]");
    }
}
