//! The action task's artifacts, in taskgraph's formats and names (`write_artifact`,
//! `combine_task_graph_files` of `taskgraph/actions/util.py`):
//!
//! - each `create_tasks` run writes `task-graph<-suffix>.json` (the optimized graph keyed by
//!   taskId), `label-to-taskid<-suffix>.json` and `to-run<-suffix>.json` (the requested labels,
//!   sorted here; taskgraph writes a set in hash order);
//! - after several runs, the per-run files are combined into `task-graph.json`,
//!   `label-to-taskid.json` (later runs win) and `to-run.json` (the union); after exactly one,
//!   its files are renamed instead.
//!
//! JSON is written as taskgraph writes it: keys sorted, two-space indent, no final newline.
//! Files are written to a temporary name and renamed.

use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use tg_core::error::{bad_input, usage};

/// The directory artifacts go to (taskgraph's `./artifacts`).
#[derive(Debug, Clone)]
pub struct ArtifactsDir {
    pub dir: PathBuf,
}

impl ArtifactsDir {
    pub fn new(dir: impl Into<PathBuf>) -> ArtifactsDir {
        ArtifactsDir { dir: dir.into() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Write `value` as `name`.
    pub fn write_json(&self, name: &str, value: &Value) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.dir).map_err(|e| usage(format!("cannot create {}: {e}", self.dir.display())))?;
        let bytes = tg_submit::artifacts::to_taskgraph_json(value)?;
        write_atomically(&self.path(name), &bytes)
    }

    /// Read the artifact `name` back.
    pub fn read_json(&self, name: &str) -> anyhow::Result<Value> {
        let path = self.path(name);
        let text = std::fs::read(&path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
        serde_json::from_slice(&text).map_err(|e| bad_input(format!("{}: {e}", path.display())))
    }

    fn rename(&self, from: &str, to: &str) -> anyhow::Result<()> {
        std::fs::rename(self.path(from), self.path(to))
            .map_err(|e| usage(format!("cannot rename {} to {to}: {e}", self.path(from).display())))
    }

    /// taskgraph's `combine_task_graph_files`.
    pub fn combine_task_graph_files(&self, suffixes: &[String]) -> anyhow::Result<()> {
        const NAMES: [&str; 3] = ["task-graph", "label-to-taskid", "to-run"];
        if let [only] = suffixes {
            for name in NAMES {
                self.rename(&format!("{name}-{only}.json"), &format!("{name}.json"))?;
            }
            return Ok(());
        }
        let mut task_graph = Map::new();
        let mut label_to_taskid = Map::new();
        let mut to_run = BTreeSet::new();
        for suffix in suffixes {
            task_graph.extend(self.read_object(&format!("task-graph-{suffix}.json"))?);
            label_to_taskid.extend(self.read_object(&format!("label-to-taskid-{suffix}.json"))?);
            match self.read_json(&format!("to-run-{suffix}.json"))? {
                Value::Array(labels) => {
                    to_run.extend(labels.into_iter().filter_map(|l| l.as_str().map(str::to_string)))
                }
                _ => return Err(bad_input(format!("to-run-{suffix}.json: expected a list"))),
            }
        }
        self.write_json("task-graph.json", &Value::Object(task_graph))?;
        self.write_json("label-to-taskid.json", &Value::Object(label_to_taskid))?;
        self.write_json("to-run.json", &Value::Array(to_run.into_iter().map(Value::String).collect()))
    }

    fn read_object(&self, name: &str) -> anyhow::Result<Map<String, Value>> {
        match self.read_json(name)? {
            Value::Object(map) => Ok(map),
            _ => Err(bad_input(format!("{name}: expected a JSON object"))),
        }
    }
}

/// Write `bytes` to a temporary file beside `path`, then rename it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let err = |e: std::io::Error| usage(format!("cannot write {}: {e}", path.display()));
    let mut file = std::fs::File::create(&tmp).map_err(err)?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dir(name: &str) -> ArtifactsDir {
        let d = std::env::temp_dir().join(format!("tg-action-artifacts-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        ArtifactsDir::new(d)
    }

    #[test]
    fn combines_several_runs_and_renames_one() {
        let a = dir("combine");
        for (s, id) in [("0", "A"), ("1", "B")] {
            a.write_json(&format!("task-graph-{s}.json"), &json!({id: {"label": "x"}})).unwrap();
            a.write_json(&format!("label-to-taskid-{s}.json"), &json!({"x": id})).unwrap();
            a.write_json(&format!("to-run-{s}.json"), &json!(["x", s])).unwrap();
        }
        a.combine_task_graph_files(&["0".into(), "1".into()]).unwrap();
        assert_eq!(a.read_json("task-graph.json").unwrap(), json!({"A": {"label": "x"}, "B": {"label": "x"}}));
        assert_eq!(a.read_json("label-to-taskid.json").unwrap(), json!({"x": "B"}));
        assert_eq!(a.read_json("to-run.json").unwrap(), json!(["0", "1", "x"]));
        a.combine_task_graph_files(&["0".into()]).unwrap();
        assert_eq!(a.read_json("label-to-taskid.json").unwrap(), json!({"x": "A"}));
        assert!(!a.dir.join("label-to-taskid-0.json").exists());
        let _ = std::fs::remove_dir_all(&a.dir);
    }
}
