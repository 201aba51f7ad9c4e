//! `cargo xtask tidy`: the crate boundaries, read from `cargo metadata` and enforced.
//!
//! The rules (README "Invariants"), over normal (non-dev) dependencies between workspace crates:
//! - a stage crate (tg-load, tg-transform, tg-resolve, tg-optimize, tg-morph, tg-submit) depends
//!   on no other stage crate: what two stages share moves down into tg-core (or tg-bridge,
//!   tg-tcclient);
//! - only the crates that talk to Taskcluster link the client: tg-tcclient is a dependency of
//!   tg-optimize, tg-submit, tg-action and tg-decision alone, and nothing else links reqwest;
//! - tg-core, tg-bridge and tg-tcclient depend on no stage or orchestrator crate;
//! - the orchestrators (tg-action, tg-decision) may use every stage's library.

use anyhow::{bail, Context, Result};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The stages: no edge between two of them.
const STAGES: &[&str] = &["tg-load", "tg-transform", "tg-resolve", "tg-optimize", "tg-morph", "tg-submit"];
/// Crates that run stages in-process.
const ORCHESTRATORS: &[&str] = &["tg-action", "tg-decision"];
/// Shared libraries below the stages.
const FOUNDATIONS: &[&str] = &["tg-core", "tg-bridge", "tg-tcclient"];
/// The only crates that may link the Taskcluster client.
const TASKCLUSTER_USERS: &[&str] = &["tg-optimize", "tg-submit", "tg-action", "tg-decision"];

/// One dependency that breaks a rule.
#[derive(Debug, PartialEq, Eq)]
pub struct Violation {
    pub from: String,
    pub to: String,
    pub rule: &'static str,
}

/// Run `cargo metadata` in `root` and fail with every forbidden edge.
pub fn tidy(root: &Path) -> Result<()> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(root)
        .output()
        .context("cannot run cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let metadata: Value = serde_json::from_slice(&out.stdout).context("cargo metadata: not JSON")?;
    let violations = violations(&metadata);
    for v in &violations {
        eprintln!("tidy: {} -> {}: {}", v.from, v.to, v.rule);
    }
    if !violations.is_empty() {
        bail!("{} forbidden dependency edge(s)", violations.len());
    }
    eprintln!("tidy: crate boundaries hold");
    Ok(())
}

/// Every forbidden normal dependency edge of the metadata's resolve graph.
pub fn violations(metadata: &Value) -> Vec<Violation> {
    let names = package_names(metadata);
    let mut found = Vec::new();
    let nodes = metadata.pointer("/resolve/nodes").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    for node in nodes {
        let Some(from) = node.get("id").and_then(Value::as_str).and_then(|id| names.get(id)) else { continue };
        for dep in node.get("deps").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let kinds = dep.get("dep_kinds").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let normal = kinds.iter().any(|k| k.get("kind").is_none_or(Value::is_null));
            let Some(to) = dep.get("pkg").and_then(Value::as_str).and_then(|id| names.get(id)) else { continue };
            if let Some(rule) = normal.then(|| rule_broken(from, to)).flatten() {
                found.push(Violation { from: from.clone(), to: to.clone(), rule });
            }
        }
    }
    found
}

/// The rule an edge `from -> to` breaks, if any.
fn rule_broken(from: &str, to: &str) -> Option<&'static str> {
    let is = |set: &[&str], name: &str| set.contains(&name);
    if is(STAGES, from) && is(STAGES, to) {
        return Some("a stage crate must not depend on another stage crate (move the shared code down)");
    }
    if is(FOUNDATIONS, from) && (is(STAGES, to) || is(ORCHESTRATORS, to)) {
        return Some("a foundation crate must not depend on a stage or orchestrator crate");
    }
    if to == "tg-tcclient" && !is(TASKCLUSTER_USERS, from) {
        return Some("only optimize, submit, action and decision link the Taskcluster client");
    }
    if to == "reqwest" && from != "tg-tcclient" && from.starts_with("tg-") {
        return Some("HTTP goes through tg-tcclient alone");
    }
    None
}

/// Package id -> name, for every package of the metadata.
fn package_names(metadata: &Value) -> BTreeMap<String, String> {
    let packages = metadata.get("packages").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    packages
        .iter()
        .filter_map(|p| Some((p.get("id")?.as_str()?.to_string(), p.get("name")?.as_str()?.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A metadata document with the given normal (`None`) or dev (`Some("dev")`) edges.
    fn metadata(edges: &[(&str, &str, Option<&str>)]) -> Value {
        let mut names: Vec<&str> = edges.iter().flat_map(|(a, b, _)| [*a, *b]).collect();
        names.sort();
        names.dedup();
        let packages: Vec<Value> = names.iter().map(|n| json!({"id": format!("id-{n}"), "name": n})).collect();
        let nodes: Vec<Value> = names
            .iter()
            .map(|n| {
                let deps: Vec<Value> = edges
                    .iter()
                    .filter(|(a, _, _)| a == n)
                    .map(|(_, b, kind)| json!({"pkg": format!("id-{b}"), "dep_kinds": [{"kind": kind}]}))
                    .collect();
                json!({"id": format!("id-{n}"), "deps": deps})
            })
            .collect();
        json!({"packages": packages, "resolve": {"nodes": nodes}})
    }

    #[test]
    fn a_stage_depending_on_a_stage_fails() {
        let found = violations(&metadata(&[("tg-morph", "tg-optimize", None), ("tg-morph", "tg-core", None)]));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].from.as_str(), found[0].to.as_str()), ("tg-morph", "tg-optimize"));
    }

    #[test]
    fn the_client_and_http_stay_with_the_taskcluster_users() {
        let found = violations(&metadata(&[
            ("tg-transform", "tg-tcclient", None),
            ("tg-core", "reqwest", None),
            ("tg-submit", "tg-tcclient", None),
            ("tg-tcclient", "reqwest", None),
            ("tg-core", "tg-transform", None),
        ]));
        let edges: Vec<(&str, &str)> = found.iter().map(|v| (v.from.as_str(), v.to.as_str())).collect();
        assert_eq!(edges, [("tg-core", "reqwest"), ("tg-core", "tg-transform"), ("tg-transform", "tg-tcclient")]);
    }

    #[test]
    fn dev_edges_and_orchestrators_are_allowed() {
        let found = violations(&metadata(&[
            ("tg-morph", "tg-optimize", Some("dev")),
            ("tg-action", "tg-optimize", None),
            ("tg-decision", "tg-transform", None),
        ]));
        assert!(found.is_empty(), "{found:?}");
    }

    /// The real workspace keeps its boundaries.
    #[test]
    fn the_workspace_holds_its_boundaries() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        tidy(root).unwrap();
    }
}
