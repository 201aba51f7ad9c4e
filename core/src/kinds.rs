//! Kinds: discovery under `ROOT/kinds`, their `kind.yml`, and the order in which they load.
//!
//! A kind is a subdirectory of `ROOT/kinds` holding a `kind.yml`. Kinds load in post-order of
//! their `kind-dependencies` (a kind after every kind it depends on); ties are broken by name so
//! the order is deterministic. `-k KIND` keeps the named kinds, `docker-image` (taskgraph's
//! implicit dependency) and their transitive kind-dependencies. A `kind.yml` (or kind
//! directory) that resolves outside the repository, through `..` in a kind-dependency or a
//! symlink, is an error ([`crate::confine`]).

use crate::config::GraphConfig;
use crate::error::{bad_input, usage};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// One kind: its name, directory and parsed `kind.yml`.
#[derive(Debug, Clone)]
pub struct Kind {
    pub name: String,
    pub path: PathBuf,
    pub config: Map<String, Value>,
}

impl Kind {
    /// `kind-dependencies` of this kind.
    pub fn dependencies(&self) -> Vec<String> {
        self.config
            .get("kind-dependencies")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// The loader reference, defaulting as taskgraph does.
    pub fn loader(&self) -> &str {
        self.config.get("loader").and_then(Value::as_str).unwrap_or("taskgraph.loader.default:loader")
    }

    /// The kind's transform references as written in kind.yml (without the loader's additions).
    pub fn declared_transforms(&self) -> Vec<String> {
        self.config
            .get("transforms")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    }
}

/// Read one kind's `kind.yml`; `None` if the directory has none.
pub fn load_kind(config: &GraphConfig, name: &str) -> anyhow::Result<Option<Kind>> {
    let path = config.kinds_dir().join(name);
    let file = path.join("kind.yml");
    if !file.is_file() {
        return Ok(None);
    }
    crate::confine::confine(config, &file, format_args!("kind {}", crate::quote::capped(name)))?;
    let value = crate::yaml::load_file(&file)?;
    let Value::Object(map) = value else {
        return Err(bad_input(format!("{}: kind {name}: expected a mapping", file.display())));
    };
    check_kind_config(&map).map_err(|m| bad_input(format!("{}: kind {name}: {m}", file.display())))?;
    Ok(Some(Kind { name: name.to_string(), path, config: map }))
}

fn check_kind_config(map: &Map<String, Value>) -> Result<(), String> {
    for key in ["kind-dependencies", "transforms", "tasks-from"] {
        if let Some(v) = map.get(key) {
            if !v.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                return Err(format!("{key}: expected a list of strings"));
            }
        }
    }
    for key in ["tasks", "task-defaults"] {
        if let Some(v) = map.get(key) {
            if !v.is_object() && !v.is_null() {
                return Err(format!("{key}: expected a mapping"));
            }
        }
    }
    if let Some(v) = map.get("loader") {
        if !v.is_string() {
            return Err("loader: expected a string".into());
        }
    }
    Ok(())
}

/// Every kind under `ROOT/kinds` (or only `targets` and their dependencies), in load order.
pub fn load_kinds(config: &GraphConfig, targets: &[String]) -> anyhow::Result<Vec<Kind>> {
    let kinds = if targets.is_empty() { load_all(config)? } else { load_targets(config, targets)? };
    order_kinds(kinds)
}

fn load_all(config: &GraphConfig) -> anyhow::Result<BTreeMap<String, Kind>> {
    let dir = config.kinds_dir();
    let entries = std::fs::read_dir(&dir).map_err(|e| usage(format!("cannot read {}: {e}", dir.display())))?;
    let mut kinds = BTreeMap::new();
    for entry in entries {
        let entry = entry.map_err(|e| usage(format!("cannot read {}: {e}", dir.display())))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(kind) = load_kind(config, &name)? {
            kinds.insert(name, kind);
        }
    }
    Ok(kinds)
}

fn load_targets(config: &GraphConfig, targets: &[String]) -> anyhow::Result<BTreeMap<String, Kind>> {
    let mut kinds = BTreeMap::new();
    let mut queue: Vec<String> = targets.to_vec();
    let docker = "docker-image".to_string();
    if config.kinds_dir().join(&docker).join("kind.yml").is_file() {
        queue.push(docker);
    }
    while let Some(name) = queue.pop() {
        if kinds.contains_key(&name) {
            continue;
        }
        let kind = load_kind(config, &name)?.ok_or_else(|| {
            bad_input(format!(
                "kind {name} not found: no {}",
                config.kinds_dir().join(&name).join("kind.yml").display()
            ))
        })?;
        queue.extend(kind.dependencies());
        kinds.insert(name, kind);
    }
    Ok(kinds)
}

/// Post-order: every kind after the kinds it depends on; errors for unknown kinds and cycles.
pub fn order_kinds(kinds: BTreeMap<String, Kind>) -> anyhow::Result<Vec<Kind>> {
    for kind in kinds.values() {
        for dep in kind.dependencies() {
            if !kinds.contains_key(&dep) {
                let available: Vec<&str> = kinds.keys().map(String::as_str).collect();
                return Err(bad_input(format!(
                    "kind {}: unknown kind dependency \"{}\" (available kinds: {})",
                    kind.name,
                    crate::quote::capped(&dep),
                    available.join(", ")
                )));
            }
        }
    }
    let mut remaining: BTreeMap<String, BTreeSet<String>> =
        kinds.values().map(|k| (k.name.clone(), k.dependencies().into_iter().collect())).collect();
    let mut kinds = kinds;
    let mut ordered = Vec::with_capacity(kinds.len());
    loop {
        let ready: Vec<String> = remaining.iter().filter(|(_, deps)| deps.is_empty()).map(|(n, _)| n.clone()).collect();
        if ready.is_empty() {
            break;
        }
        for name in &ready {
            remaining.remove(name);
            for deps in remaining.values_mut() {
                deps.remove(name);
            }
            if let Some(kind) = kinds.remove(name) {
                ordered.push(kind);
            }
        }
    }
    if !remaining.is_empty() {
        let cycle: Vec<&str> = remaining.keys().map(String::as_str).collect();
        return Err(bad_input(format!("kind dependency cycle involving: {}", cycle.join(", "))));
    }
    Ok(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn kind(name: &str, deps: &[&str]) -> (String, Kind) {
        let config = json!({"kind-dependencies": deps}).as_object().unwrap().clone();
        (name.to_string(), Kind { name: name.into(), path: PathBuf::from(name), config })
    }

    #[test]
    fn orders_dependencies_first() {
        let kinds = BTreeMap::from([
            kind("test", &["build"]),
            kind("build", &["docker-image"]),
            kind("docker-image", &[]),
            kind("lint", &[]),
        ]);
        let names: Vec<String> = order_kinds(kinds).unwrap().into_iter().map(|k| k.name).collect();
        assert_eq!(names, ["docker-image", "lint", "build", "test"]);
    }

    #[test]
    fn unknown_dependency_and_cycle_are_named() {
        let e = order_kinds(BTreeMap::from([kind("a", &["nope"])])).unwrap_err().to_string();
        assert!(e.contains("kind a: unknown kind dependency \"nope\""), "{e}");
        let e = order_kinds(BTreeMap::from([kind("a", &["b"]), kind("b", &["a"]), kind("c", &[])]))
            .unwrap_err()
            .to_string();
        assert_eq!(e, "kind dependency cycle involving: a, b");
    }
}
