//! The graph configuration: `ROOT/config.yml`, validated as taskgraph's `GraphConfigSchema`.
//!
//! Required: `trust-domain`, `task-priority`, `workers.aliases` (each with provisioner,
//! implementation, os, worker-type), `taskgraph.repositories` (at least one, each with a name).
//! Unknown top-level keys are allowed, as in taskgraph. The config stays a JSON mapping so that
//! transforms can read any key; typed accessors cover the common ones.

use crate::error::{bad_input, usage};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// The directory name taskgraph assumes for its root inside a repository.
pub const TASKGRAPH_ROOT: &str = "taskcluster";

/// `config.yml` plus the root directory it came from.
#[derive(Debug, Clone)]
pub struct GraphConfig {
    /// The whole config.yml mapping.
    pub config: Map<String, Value>,
    /// The taskgraph root (the directory holding config.yml).
    pub root_dir: PathBuf,
}

impl GraphConfig {
    /// Read and validate `root/config.yml`.
    pub fn load(root: &Path) -> anyhow::Result<GraphConfig> {
        let path = root.join("config.yml");
        if !path.is_file() {
            return Err(usage(format!("couldn't find taskgraph configuration: {}", path.display())));
        }
        let unread = GraphConfig { config: Map::new(), root_dir: root.to_path_buf() };
        crate::confine::confine(&unread, &path, "graph configuration")?;
        let value = crate::yaml::load_file(&path)?;
        let source = path.display().to_string();
        let Value::Object(config) = value else {
            return Err(bad_input(format!("{source}: invalid graph configuration: expected a mapping")));
        };
        validate(&config).map_err(|msg| bad_input(format!("{source}: invalid graph configuration: {msg}")))?;
        Ok(GraphConfig { config, root_dir: root.to_path_buf() })
    }

    /// A top-level key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.config.get(key)
    }

    /// `trust-domain`.
    pub fn trust_domain(&self) -> &str {
        self.config.get("trust-domain").and_then(Value::as_str).unwrap_or_default()
    }

    /// A key of the `taskgraph` section (`taskgraph.<key>`).
    pub fn taskgraph_key(&self, key: &str) -> Option<&Value> {
        self.config.get("taskgraph").and_then(|t| t.get(key))
    }

    /// `ROOT/kinds`.
    pub fn kinds_dir(&self) -> PathBuf {
        self.root_dir.join("kinds")
    }

    /// `ROOT/docker`.
    pub fn docker_dir(&self) -> PathBuf {
        self.root_dir.join("docker")
    }

    /// The taskgraph root relative to the VCS root (`taskcluster` in the standard layout).
    pub fn root_repo_rel(&self) -> String {
        let root = std::fs::canonicalize(&self.root_dir).unwrap_or_else(|_| self.root_dir.clone());
        let vcs = std::fs::canonicalize(self.vcs_root()).unwrap_or_else(|_| self.vcs_root());
        root.strip_prefix(&vcs)
            .ok()
            .and_then(|r| r.to_str())
            .map(str::to_string)
            .unwrap_or_else(|| TASKGRAPH_ROOT.to_string())
    }

    /// taskgraph names some files by repository-relative paths with its root hard-coded as
    /// `taskcluster/` (docker contexts, `# %include`s, toolchain scripts). With the root
    /// elsewhere (`-r kinds`), such a path means the same file under ROOT: this maps a
    /// taskgraph path to the path on disk, relative to the VCS root.
    pub fn repo_path_on_disk(&self, rel: &str) -> String {
        let root_rel = self.root_repo_rel();
        if root_rel == TASKGRAPH_ROOT || root_rel.is_empty() {
            return rel.to_string();
        }
        match rel.strip_prefix(TASKGRAPH_ROOT) {
            Some("") => root_rel,
            Some(rest) if rest.starts_with('/') => format!("{root_rel}{rest}"),
            _ => rel.to_string(),
        }
    }

    /// The reverse of [`repo_path_on_disk`](Self::repo_path_on_disk) for a listing of files
    /// relative to the VCS root: files under ROOT are named `taskcluster/...`; files under a
    /// real `taskcluster/` directory that ROOT shadows are dropped (`None`).
    pub fn repo_path_for_taskgraph(&self, disk_rel: &str) -> Option<String> {
        let root_rel = self.root_repo_rel();
        if root_rel == TASKGRAPH_ROOT || root_rel.is_empty() {
            return Some(disk_rel.to_string());
        }
        if let Some(rest) = disk_rel.strip_prefix(root_rel.as_str()).filter(|r| r.starts_with('/')) {
            return Some(format!("{TASKGRAPH_ROOT}{rest}"));
        }
        if disk_rel.starts_with("taskcluster/") {
            return None;
        }
        Some(disk_rel.to_string())
    }

    /// The repository root: the parent of a root named `taskcluster` (taskgraph's fallback
    /// when no VCS is found), else the root's git top level, else the root's parent.
    pub fn vcs_root(&self) -> PathBuf {
        let abs = std::fs::canonicalize(&self.root_dir).unwrap_or_else(|_| self.root_dir.clone());
        let mut dir = Some(abs.as_path());
        while let Some(d) = dir {
            if d.join(".git").exists() || d.join(".hg").exists() {
                return d.to_path_buf();
            }
            dir = d.parent();
        }
        abs.parent().map(Path::to_path_buf).unwrap_or(abs)
    }
}

fn expect_str(map: &Map<String, Value>, key: &str, at: &str) -> Result<(), String> {
    match map.get(key) {
        Some(Value::String(_)) => Ok(()),
        Some(other) => Err(format!("{at}{key}: expected a string, got {}", type_name(other))),
        None => Err(format!("{at}{key}: required key missing")),
    }
}

fn expect_map<'a>(map: &'a Map<String, Value>, key: &str, at: &str) -> Result<&'a Map<String, Value>, String> {
    match map.get(key) {
        Some(Value::Object(m)) => Ok(m),
        Some(other) => Err(format!("{at}{key}: expected a mapping, got {}", type_name(other))),
        None => Err(format!("{at}{key}: required key missing")),
    }
}

/// A JSON value's type, in the words of error messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a float",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn validate(config: &Map<String, Value>) -> Result<(), String> {
    expect_str(config, "trust-domain", "")?;
    if !config.contains_key("task-priority") {
        return Err("task-priority: required key missing".into());
    }
    let workers = expect_map(config, "workers", "")?;
    let aliases = expect_map(workers, "aliases", "workers.")?;
    for (name, alias) in aliases {
        let name = crate::quote::capped(name);
        let at = format!("workers.aliases.{name}.");
        let Value::Object(alias) = alias else {
            return Err(format!("workers.aliases.{name}: expected a mapping"));
        };
        for key in ["implementation", "os"] {
            expect_str(alias, key, &at)?;
        }
        for key in ["provisioner", "worker-type"] {
            match alias.get(key) {
                Some(Value::String(_)) | Some(Value::Object(_)) => {}
                Some(other) => return Err(format!("{at}{key}: expected a string, got {}", type_name(other))),
                None => return Err(format!("{at}{key}: required key missing")),
            }
        }
    }
    let taskgraph = expect_map(config, "taskgraph", "")?;
    let repos = expect_map(taskgraph, "repositories", "taskgraph.")?;
    if repos.is_empty() {
        return Err("taskgraph.repositories: must have at least one entry".into());
    }
    for (key, repo) in repos {
        let key = crate::quote::capped(key);
        let Value::Object(repo) = repo else {
            return Err(format!("taskgraph.repositories.{key}: expected a mapping"));
        };
        expect_str(repo, "name", &format!("taskgraph.repositories.{key}."))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Result<(), String> {
        let v = crate::yaml::from_str(yaml, "config.yml").unwrap();
        validate(v.as_object().unwrap())
    }

    const GOOD: &str = "trust-domain: t\ntask-priority: low\nworkers:\n  aliases:\n    b:\n      provisioner: p\n      implementation: docker-worker\n      os: linux\n      worker-type: w\ntaskgraph:\n  repositories:\n    r:\n      name: R\nextra: 1\n";

    #[test]
    fn taskgraph_paths_map_to_a_root_outside_taskcluster() {
        let repo = std::env::temp_dir().join(format!("tg-config-map-{}", std::process::id()));
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("kinds")).unwrap();
        let gc = GraphConfig { config: Map::new(), root_dir: repo.join("kinds") };
        assert_eq!(gc.root_repo_rel(), "kinds");
        assert_eq!(gc.repo_path_on_disk("taskcluster/docker/base"), "kinds/docker/base");
        assert_eq!(gc.repo_path_on_disk("README.md"), "README.md");
        assert_eq!(gc.repo_path_for_taskgraph("kinds/scripts/a.sh").as_deref(), Some("taskcluster/scripts/a.sh"));
        assert_eq!(gc.repo_path_for_taskgraph("taskcluster/x"), None);
        let std_layout = GraphConfig { config: Map::new(), root_dir: repo.join("taskcluster") };
        std::fs::create_dir_all(repo.join("taskcluster")).unwrap();
        assert_eq!(std_layout.repo_path_on_disk("taskcluster/docker/base"), "taskcluster/docker/base");
        let _ = std::fs::remove_dir_all(&repo);
    }

    #[test]
    fn accepts_a_minimal_config_with_unknown_keys() {
        assert_eq!(check(GOOD), Ok(()));
    }

    #[test]
    fn names_the_bad_field() {
        assert_eq!(
            check(&GOOD.replace("trust-domain: t", "trust-domain: [1]")).unwrap_err(),
            "trust-domain: expected a string, got a list"
        );
        assert_eq!(
            check(&GOOD.replace("      os: linux\n", "")).unwrap_err(),
            "workers.aliases.b.os: required key missing"
        );
        assert_eq!(
            check(&GOOD.replace("      name: R\n", "      name: 3\n")).unwrap_err(),
            "taskgraph.repositories.r.name: expected a string, got an integer"
        );
    }
}
