//! Worker-type aliases (taskgraph/util/workertypes.py): an alias such as `b-linux` names an
//! entry of config.yml's `workers.aliases` (whose keys may be regexes), which gives the worker
//! implementation, its OS, and the provisioner/worker-type pair (each optionally keyed by
//! `level`, then filled as `str.format` with `{alias}`, `{level}` and `{trust-domain}`).
//! Two built-in aliases need no config: `always-optimized` and `succeed`.

use crate::config::GraphConfig;
use crate::py::format::format;
use crate::py::keyed_by::{evaluate_keyed_by, evaluate_keyed_by_alternatives, KeyedByOptions};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Mutex;

/// A built-in worker type: (alias = implementation, provisioner, worker-type).
const BUILTIN_TYPES: &[(&str, &str, &str)] =
    &[("always-optimized", "invalid", "always-optimized"), ("succeed", "built-in", "succeed")];

fn builtin(alias: &str) -> Option<(&'static str, &'static str, &'static str)> {
    BUILTIN_TYPES.iter().find(|(name, _, _)| *name == alias).copied()
}

/// The alias entry matching `alias` (exact key, else regex keys, else `default`).
fn alias_config(
    graph_config: &GraphConfig,
    by_key: &str,
    attr: &str,
    alias: &str,
    item: &str,
) -> Result<Map<String, Value>, String> {
    // `{by_key: aliases}` evaluated in place: the aliases table is borrowed, not copied per task.
    let empty = Value::Object(Map::new());
    let aliases = graph_config.get("workers").and_then(|w| w.get("aliases")).unwrap_or(&empty);
    let alias_value = Value::String(alias.to_string());
    let lookup = |k: &str| (k == attr).then(|| alias_value.clone());
    match evaluate_keyed_by_alternatives(by_key, aliases, item, &lookup, KeyedByOptions::default())? {
        Value::Object(m) => Ok(m),
        other => Err(format!("worker alias {alias}: expected a mapping, got {other}")),
    }
}

/// taskgraph's `worker_type_implementation`: the implementation and (host) OS of a worker type.
pub fn worker_type_implementation(
    graph_config: &GraphConfig,
    worker_type: &str,
) -> Result<(String, Option<String>), String> {
    if let Some((name, _, _)) = builtin(worker_type) {
        return Ok((name.to_string(), None));
    }
    let config = alias_config(graph_config, "by-worker-type", "worker-type", worker_type, "worker-types.yml")?;
    let implementation = match config.get("implementation") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(format!("worker alias {worker_type}: implementation: expected a string, got {other}"))
        }
        None => return Err(format!("worker alias {worker_type}: KeyError: 'implementation'")),
    };
    let os = match config.get("os") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("worker alias {worker_type}: os: expected a string, got {other}")),
    };
    Ok((implementation, os))
}

/// taskgraph's `get_worker_type`: (provisionerId, workerType) of `alias` at `level`.
pub fn get_worker_type(graph_config: &GraphConfig, alias: &str, level: &str) -> Result<(String, String), String> {
    if let Some((_, provisioner, worker_type)) = builtin(alias) {
        return Ok((provisioner.to_string(), worker_type.to_string()));
    }
    let config = alias_config(graph_config, "by-alias", "alias", alias, "graph_config.workers.aliases")?;
    let mut fields = Map::new();
    fields.insert("alias".into(), Value::String(alias.to_string()));
    fields.insert("level".into(), Value::String(level.to_string()));
    fields.insert("trust-domain".into(), graph_config.get("trust-domain").cloned().unwrap_or(Value::Null));
    let level_value = Value::String(level.to_string());
    let field = |key: &str| -> Result<String, String> {
        let raw = config.get(key).ok_or_else(|| format!("worker alias {alias}: KeyError: '{key}'"))?;
        let lookup = |k: &str| (k == "level").then(|| level_value.clone());
        match evaluate_keyed_by(raw, alias, &lookup, KeyedByOptions::default())? {
            Value::String(template) => {
                format(&template, &fields).map_err(|e| format!("worker alias {alias}: {key}: {e}"))
            }
            other => Err(format!("worker alias {alias}: {key}: expected a string, got {other}")),
        }
    };
    Ok((field("provisioner")?, field("worker-type")?))
}

/// Worker-type lookups of one kind, remembered: its tasks use a few worker types, and each
/// lookup evaluates the aliases table. Shared by the threads of a step.
#[derive(Default)]
pub struct Memo {
    implementations: Mutex<HashMap<String, Implementation>>,
    worker_types: Mutex<HashMap<(String, String), WorkerType>>,
}

/// A [`worker_type_implementation`] result: (implementation, OS) or the error.
type Implementation = Result<(String, Option<String>), String>;

/// A [`get_worker_type`] result: (provisioner, worker type) or the error.
type WorkerType = Result<(String, String), String>;

impl Memo {
    /// [`worker_type_implementation`], remembered.
    pub fn implementation(&self, graph_config: &GraphConfig, worker_type: &str) -> Implementation {
        if let Some(found) = self.implementations.lock().ok().and_then(|m| m.get(worker_type).cloned()) {
            return found;
        }
        let found = worker_type_implementation(graph_config, worker_type);
        if let Ok(mut memo) = self.implementations.lock() {
            memo.insert(worker_type.to_string(), found.clone());
        }
        found
    }

    /// [`get_worker_type`], remembered.
    pub fn worker_type(&self, graph_config: &GraphConfig, alias: &str, level: &str) -> WorkerType {
        let key = (alias.to_string(), level.to_string());
        if let Some(found) = self.worker_types.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return found;
        }
        let found = get_worker_type(graph_config, alias, level);
        if let Ok(mut memo) = self.worker_types.lock() {
            memo.insert(key, found.clone());
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn config(yaml: &str) -> GraphConfig {
        let v = crate::yaml::from_str(yaml, "config.yml").unwrap();
        GraphConfig { config: v.as_object().unwrap().clone(), root_dir: PathBuf::from("/nonexistent") }
    }

    const CONFIG: &str = "trust-domain: td\nworkers:\n  aliases:\n    b-linux:\n      provisioner: '{trust-domain}-{level}'\n      implementation: docker-worker\n      os: linux\n      worker-type: '{alias}-gcp'\n    t-.*:\n      provisioner: {by-level: {'3': prod, default: dev}}\n      implementation: generic-worker\n      os: windows\n      worker-type: 'w-{level}'\n    nos:\n      provisioner: p\n      implementation: generic-worker\n      worker-type: w\n";

    #[test]
    fn table() {
        // Expected values from taskgraph.util.workertypes (24.5.1) on the same config.
        let gc = config(CONFIG);
        assert_eq!(worker_type_implementation(&gc, "b-linux").unwrap(), ("docker-worker".into(), Some("linux".into())));
        assert_eq!(
            worker_type_implementation(&gc, "t-win").unwrap(),
            ("generic-worker".into(), Some("windows".into()))
        );
        assert_eq!(worker_type_implementation(&gc, "nos").unwrap(), ("generic-worker".into(), None));
        assert_eq!(worker_type_implementation(&gc, "succeed").unwrap(), ("succeed".into(), None));
        assert_eq!(get_worker_type(&gc, "b-linux", "3").unwrap(), ("td-3".into(), "b-linux-gcp".into()));
        assert_eq!(get_worker_type(&gc, "t-win", "3").unwrap(), ("prod".into(), "w-3".into()));
        assert_eq!(get_worker_type(&gc, "t-win", "1").unwrap(), ("dev".into(), "w-1".into()));
        assert_eq!(
            get_worker_type(&gc, "always-optimized", "1").unwrap(),
            ("invalid".into(), "always-optimized".into())
        );
        assert_eq!(get_worker_type(&gc, "succeed", "1").unwrap(), ("built-in".into(), "succeed".into()));
        assert_eq!(
            get_worker_type(&gc, "nope", "1").unwrap_err(),
            "No alias matching 'nope' nor 'default' found while determining item graph_config.workers.aliases"
        );
    }
}
