//! The repositories a task may check out (taskgraph's `RepoConfig` and
//! `TransformConfig.repo_configs`, taskgraph/transforms/base.py).
//!
//! With one entry in config.yml's `taskgraph.repositories`, that is the current repository;
//! with several, the one whose `project-regex` matches (`re.match`) the `project` parameter.
//! The current repository takes its URLs and revision from the parameters; the others from
//! their `default-repository` / `default-ref` / `type` in config.yml.

use crate::TransformConfig;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use tg_core::py::re::python_match;

/// One repository to check out.
#[derive(Debug, Clone, PartialEq)]
pub struct RepoConfig {
    /// The key in `taskgraph.repositories`; prefixes run-task's `--<prefix>-checkout`.
    pub prefix: String,
    /// The repository's `name`.
    pub name: String,
    pub base_repository: String,
    pub head_repository: String,
    pub head_ref: String,
    /// `git` or `hg`.
    pub repo_type: String,
    /// Where to check it out, relative to the vcs directory ("" by default).
    pub path: String,
    pub head_rev: Option<String>,
    /// A secret holding an ssh key for private repositories.
    pub ssh_secret_name: Option<String>,
}

/// The value of a parameter as Python's `str()` would format it.
fn param(config: &TransformConfig<'_>, key: &str) -> Result<String, String> {
    config.params.get(key).map(tg_core::py::value::python_str).ok_or_else(|| format!("KeyError: parameter '{key}'"))
}

/// A string field of a repository's entry in config.yml.
fn repo_str(repo: &Map<String, Value>, prefix: &str, key: &str) -> Result<String, String> {
    match repo.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(format!("taskgraph.repositories.{prefix}.{key}: expected a string, got {other}")),
        None => Err(format!("taskgraph.repositories.{prefix}: KeyError: '{key}'")),
    }
}

fn repo_opt_str(repo: &Map<String, Value>, key: &str) -> Option<String> {
    repo.get(key).and_then(Value::as_str).map(str::to_string)
}

/// `config.repo_configs`: prefix -> repository, the current repository first.
pub fn repo_configs(config: &TransformConfig<'_>) -> Result<IndexMap<String, RepoConfig>, String> {
    let repositories = match config.graph_config.taskgraph_key("repositories") {
        Some(Value::Object(m)) => m,
        _ => return Err("graph config: taskgraph.repositories: expected a mapping".into()),
    };
    let as_map = |prefix: &str, v: &Value| match v {
        Value::Object(m) => Ok(m.clone()),
        _ => Err(format!("taskgraph.repositories.{prefix}: expected a mapping")),
    };
    let only = if repositories.len() == 1 { repositories.iter().next() } else { None };
    let (current_prefix, current) = match only {
        Some(entry) => entry,
        None => {
            let project = param(config, "project")?;
            let matching: Vec<(&String, &Value)> = repositories
                .iter()
                .filter(|(_, repo)| {
                    repo.get("project-regex").and_then(Value::as_str).is_some_and(|re| python_match(re, &project))
                })
                .collect();
            let [entry] = matching.as_slice() else {
                return Err(format!(
                    "Couldn't find repository matching project `{}`",
                    tg_core::quote::capped(&project)
                ));
            };
            *entry
        }
    };
    let current_prefix = current_prefix.clone();
    let current = as_map(&current_prefix, current)?;
    let mut out = IndexMap::new();
    out.insert(
        current_prefix.clone(),
        RepoConfig {
            prefix: current_prefix.clone(),
            name: repo_str(&current, &current_prefix, "name")?,
            base_repository: param(config, "base_repository")?,
            head_repository: param(config, "head_repository")?,
            head_ref: param(config, "head_ref")?,
            repo_type: param(config, "repository_type")?,
            path: String::new(),
            head_rev: config.params.get("head_rev").filter(|v| !v.is_null()).map(tg_core::py::value::python_str),
            ssh_secret_name: repo_opt_str(&current, "ssh-secret-name"),
        },
    );
    if repositories.len() != 1 {
        for (prefix, repo) in repositories {
            if *prefix == current_prefix {
                continue;
            }
            let repo = as_map(prefix, repo)?;
            let default_repository = repo_str(&repo, prefix, "default-repository")?;
            out.insert(
                prefix.clone(),
                RepoConfig {
                    prefix: prefix.clone(),
                    name: repo_str(&repo, prefix, "name")?,
                    base_repository: default_repository.clone(),
                    head_repository: default_repository,
                    head_ref: repo_str(&repo, prefix, "default-ref")?,
                    repo_type: repo_str(&repo, prefix, "type")?,
                    path: String::new(),
                    head_rev: None,
                    ssh_secret_name: repo_opt_str(&repo, "ssh-secret-name"),
                },
            );
        }
    }
    Ok(out)
}

impl RepoConfig {
    /// `dataclasses.replace(self, **overrides)`: the overrides use the Python field names.
    pub fn replaced(&self, overrides: &Map<String, Value>) -> Result<RepoConfig, String> {
        let mut out = self.clone();
        for (key, value) in overrides {
            let text = || match value {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!("checkout override {key}: expected a string, got {other}")),
            };
            let opt_text = || match value {
                Value::Null => Ok(None),
                _ => text().map(Some),
            };
            match key.as_str() {
                "prefix" => out.prefix = text()?,
                "name" => out.name = text()?,
                "base_repository" => out.base_repository = text()?,
                "head_repository" => out.head_repository = text()?,
                "head_ref" => out.head_ref = text()?,
                "type" => out.repo_type = text()?,
                "path" => out.path = text()?,
                "head_rev" => out.head_rev = opt_text()?,
                "ssh_secret_name" => out.ssh_secret_name = opt_text()?,
                other => return Err(format!("RepoConfig.__init__() got an unexpected keyword argument '{other}'")),
            }
        }
        Ok(out)
    }
}
