//! Where `index-search` looks: the Taskcluster index and queue, a local index file, or nothing.
//!
//! The batched calls are what taskgraph's `find_task_id_batched` and `status_task_batched` make:
//! `index.findTasksAtIndex` (`POST /tasks/indexes`, body `{"indexes": [...]}`) and
//! `queue.statuses` (`POST /tasks/status`, body `{"taskIds": [...]}`), each followed through
//! its `continuationToken` pages. An index strategy nested in a composite strategy looks paths
//! up one by one (`index.findTask`, `queue.status`) as taskgraph's unbatched branch does; there
//! a rejected call (a 404, say) means "try the next path", while an unreachable service fails.
//!
//! # The index file (`tg-optimize --index FILE`)
//!
//! A JSON object from index path to what the index and the queue know about it:
//!
//! ```json
//! {
//!   "proj.cache.level-3.docker-images.v2.base.hash.abc": {
//!     "taskId": "Ee3pRbHfQ9KkFjnqi6aYdg",
//!     "status": {"state": "completed", "expires": "2030-01-01T00:00:00.000Z"}
//!   },
//!   "proj.cache.level-3.toolchains.v3.zlib.hash.def": {"taskId": "QbX2p7lqRv2n0x1m3e5k9g"}
//! }
//! ```
//!
//! - A path that is not a key is not indexed. `{}` is an empty index.
//! - `taskId` (required, a non-empty string) is the indexed task.
//! - `status` (optional) is the queue's task status structure, as `queue.status` returns it
//!   under `status`; at least `state` and `expires` matter. Absent or `null`: the queue does
//!   not know the task (as when `queue.statuses` leaves it out). When present, `expires` must
//!   be a timestamp like `2030-01-01T00:00:00.000Z`.
//! - Two paths naming the same taskId must not give it different statuses.
//! - No other keys are allowed (a typo is an error, not an ignored field).

use crate::time::parse_json_time;
use anyhow::Context;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use tg_core::cli::Log;
use tg_core::quote::capped;
use tg_tcclient::{percent_encode, CallError, Client};

/// Something that answers index and queue look-ups.
pub trait IndexSource {
    /// Index path -> taskId, for those of `paths` that are indexed.
    fn find_tasks_at_index(&mut self, paths: &[String]) -> anyhow::Result<BTreeMap<String, String>>;
    /// TaskId -> status structure, for those of `task_ids` the queue knows.
    fn statuses(&mut self, task_ids: &[String]) -> anyhow::Result<BTreeMap<String, Value>>;
    /// One path's taskId; `None` when the look-up is rejected (not found).
    fn find_task(&mut self, path: &str) -> anyhow::Result<Option<String>>;
    /// One task's status (`{}` when the answer has none); `None` when the look-up is rejected.
    fn status(&mut self, task_id: &str) -> anyhow::Result<Option<Value>>;
    /// An error for malformed data from this source: bad input for a file, remote for a service.
    fn malformed(&self, message: String) -> anyhow::Error;
}

/// An index with nothing in it. When `note` is set, it is printed (once) at the first look-up.
pub struct EmptyIndex {
    note: Option<String>,
    log: Log,
}

impl EmptyIndex {
    /// An empty index that says nothing (`--index` with `{}` behaves the same).
    pub fn silent(log: Log) -> Self {
        EmptyIndex { note: None, log }
    }

    /// An empty index that explains, at the first look-up, why it is empty.
    pub fn with_note(log: Log, note: impl Into<String>) -> Self {
        EmptyIndex { note: Some(note.into()), log }
    }

    fn say_once(&mut self) {
        if let Some(note) = self.note.take() {
            self.log.info(note);
        }
    }
}

impl IndexSource for EmptyIndex {
    fn find_tasks_at_index(&mut self, _: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
        self.say_once();
        Ok(BTreeMap::new())
    }
    fn statuses(&mut self, _: &[String]) -> anyhow::Result<BTreeMap<String, Value>> {
        Ok(BTreeMap::new())
    }
    fn find_task(&mut self, _: &str) -> anyhow::Result<Option<String>> {
        self.say_once();
        Ok(None)
    }
    fn status(&mut self, _: &str) -> anyhow::Result<Option<Value>> {
        Ok(None)
    }
    fn malformed(&self, message: String) -> anyhow::Error {
        tg_core::bad_input(message)
    }
}

/// An index read from a file (see the module documentation for the format).
#[derive(Debug, Default)]
pub struct FileIndex {
    source: String,
    task_ids: BTreeMap<String, String>,
    statuses: BTreeMap<String, Value>,
}

/// A problem in an index file: the entry (index path) it is in, and what is wrong.
#[derive(Debug, PartialEq)]
pub struct IndexFileError {
    pub index_path: Option<String>,
    pub message: String,
}

impl FileIndex {
    /// Parse an index file's text; `source` names it in messages.
    pub fn parse(text: &str, source: &str) -> Result<FileIndex, IndexFileError> {
        let whole = |message: String| IndexFileError { index_path: None, message };
        let value: Value = serde_json::from_str(text).map_err(|e| whole(format!("not valid JSON: {e}")))?;
        let Value::Object(entries) = value else {
            return Err(whole("expected a JSON object from index path to {\"taskId\", \"status\"}".into()));
        };
        let mut index = FileIndex { source: source.to_string(), ..Default::default() };
        for (path, entry) in &entries {
            index
                .add_entry(path, entry)
                .map_err(|message| IndexFileError { index_path: Some(path.clone()), message })?;
        }
        Ok(index)
    }

    fn add_entry(&mut self, path: &str, entry: &Value) -> Result<(), String> {
        let Value::Object(fields) = entry else {
            return Err("expected an object with \"taskId\" (and optionally \"status\")".into());
        };
        if let Some(unknown) = fields.keys().find(|k| *k != "taskId" && *k != "status") {
            return Err(format!("unknown key {unknown:?} (allowed: \"taskId\", \"status\")"));
        }
        let task_id = match fields.get("taskId") {
            Some(Value::String(id)) if !id.is_empty() => id.clone(),
            Some(_) => return Err("taskId: expected a non-empty string".into()),
            None => return Err("taskId: required key missing".into()),
        };
        match fields.get("status") {
            None | Some(Value::Null) => {}
            Some(Value::Object(status)) => {
                check_status(status)?;
                let status = Value::Object(status.clone());
                if let Some(previous) = self.statuses.get(&task_id) {
                    if *previous != status {
                        return Err(format!("status of task {task_id} differs from another entry's"));
                    }
                }
                self.statuses.insert(task_id.clone(), status);
            }
            Some(_) => return Err("status: expected an object (the queue's task status) or null".into()),
        }
        self.task_ids.insert(path.to_string(), task_id);
        Ok(())
    }
}

/// A status's `state` must be a string and its `expires` a timestamp, when present.
fn check_status(status: &Map<String, Value>) -> Result<(), String> {
    match status.get("state") {
        None | Some(Value::String(_)) => {}
        Some(_) => return Err("status.state: expected a string".into()),
    }
    match status.get("expires") {
        None => Ok(()),
        Some(Value::String(s)) if parse_json_time(s).is_some() => Ok(()),
        Some(other) => Err(format!(
            "status.expires: expected a timestamp like 2030-01-01T00:00:00.000Z, got {}",
            capped(&other.to_string())
        )),
    }
}

impl IndexSource for FileIndex {
    fn find_tasks_at_index(&mut self, paths: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
        Ok(paths.iter().filter_map(|p| self.task_ids.get(p).map(|id| (p.clone(), id.clone()))).collect())
    }
    fn statuses(&mut self, task_ids: &[String]) -> anyhow::Result<BTreeMap<String, Value>> {
        Ok(task_ids.iter().filter_map(|t| self.statuses.get(t).map(|s| (t.clone(), s.clone()))).collect())
    }
    fn find_task(&mut self, path: &str) -> anyhow::Result<Option<String>> {
        Ok(self.task_ids.get(path).cloned())
    }
    fn status(&mut self, task_id: &str) -> anyhow::Result<Option<Value>> {
        // An indexed task the queue does not know answers 404 there: "not found".
        Ok(self.statuses.get(task_id).cloned())
    }
    fn malformed(&self, message: String) -> anyhow::Error {
        tg_core::bad_input(format!("{}: {message}", self.source))
    }
}

/// The Taskcluster index and queue, through the shared client (retries, Hawk, exit 3).
pub struct TaskclusterIndex {
    client: Client,
}

impl TaskclusterIndex {
    pub fn new(client: Client) -> Self {
        TaskclusterIndex { client }
    }

    /// Call a paginated POST endpoint until it stops returning a continuation token, handing
    /// each page to `page`.
    fn paginate(
        &self,
        service: &str,
        route: &str,
        body: &Value,
        mut page: impl FnMut(&Value) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let mut token: Option<String> = None;
        loop {
            let path = match &token {
                Some(t) => format!("{route}?continuationToken={}", percent_encode(t)),
                None => route.to_string(),
            };
            let answer = self.client.post_json(service, &path, body)?;
            if !answer.is_object() {
                return Err(self.malformed(format!("{service} {route}: the answer is not a JSON object")));
            }
            page(&answer)?;
            match answer.get("continuationToken") {
                Some(Value::String(next)) if !next.is_empty() => {
                    if token.as_deref() == Some(next.as_str()) {
                        return Err(self.malformed(format!(
                            "{service} {route}: the same continuationToken came back twice; giving up"
                        )));
                    }
                    token = Some(next.clone());
                }
                _ => return Ok(()),
            }
        }
    }
}

impl IndexSource for TaskclusterIndex {
    fn find_tasks_at_index(&mut self, paths: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
        let mut found = BTreeMap::new();
        let body = json!({ "indexes": paths });
        self.paginate("index", "tasks/indexes", &body, |answer| {
            let Some(tasks) = answer.get("tasks").and_then(Value::as_array) else {
                return Err(self.malformed("index.findTasksAtIndex: the answer has no \"tasks\" list".into()));
            };
            for task in tasks {
                if let (Some(Value::String(ns)), Some(Value::String(id))) = (task.get("namespace"), task.get("taskId"))
                {
                    found.insert(ns.clone(), id.clone());
                }
            }
            Ok(())
        })
        .context("index.findTasksAtIndex")?;
        Ok(found)
    }

    fn statuses(&mut self, task_ids: &[String]) -> anyhow::Result<BTreeMap<String, Value>> {
        let mut found = BTreeMap::new();
        let body = json!({ "taskIds": task_ids });
        self.paginate("queue", "tasks/status", &body, |answer| {
            let entries = answer.get("statuses").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            for entry in entries {
                if let (Some(Value::String(id)), Some(status)) = (entry.get("taskId"), entry.get("status")) {
                    found.insert(id.clone(), status.clone());
                }
            }
            Ok(())
        })
        .context("queue.statuses")?;
        Ok(found)
    }

    fn find_task(&mut self, path: &str) -> anyhow::Result<Option<String>> {
        match self.client.get_json("index", &format!("task/{}", percent_encode(path))) {
            Ok(answer) => match answer.get("taskId") {
                Some(Value::String(id)) => Ok(Some(id.clone())),
                _ => Ok(None),
            },
            Err(CallError::Rejected { .. }) => Ok(None),
            Err(e) => Err(anyhow::Error::from(e).context("index.findTask")),
        }
    }

    fn status(&mut self, task_id: &str) -> anyhow::Result<Option<Value>> {
        match self.client.get_json("queue", &format!("task/{}/status", percent_encode(task_id))) {
            Ok(answer) => Ok(Some(answer.get("status").cloned().unwrap_or_else(|| json!({})))),
            Err(CallError::Rejected { .. }) => Ok(None),
            Err(e) => Err(anyhow::Error::from(e).context("queue.status")),
        }
    }

    fn malformed(&self, message: String) -> anyhow::Error {
        tg_core::remote(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape() {
        let text = r#"{
            "a.b": {"taskId": "T1", "status": {"state": "completed", "expires": "2030-01-01T00:00:00.000Z"}},
            "a.c": {"taskId": "T2"},
            "a.d": {"taskId": "T1", "status": null}
        }"#;
        let mut idx = FileIndex::parse(text, "idx.json").unwrap();
        let paths = vec!["a.b".to_string(), "a.c".to_string(), "zz".to_string()];
        let found = idx.find_tasks_at_index(&paths).unwrap();
        assert_eq!(found.len(), 2);
        let st = idx.statuses(&["T1".into(), "T2".into()]).unwrap();
        assert_eq!(st.keys().collect::<Vec<_>>(), ["T1"]);
    }

    #[test]
    fn names_the_bad_entry() {
        let cases = [
            ("[]", None, "expected a JSON object"),
            ("{\"p\": 3}", Some("p"), "expected an object"),
            ("{\"p\": {}}", Some("p"), "taskId: required key missing"),
            ("{\"p\": {\"taskId\": \"\"}}", Some("p"), "taskId: expected a non-empty string"),
            ("{\"p\": {\"taskid\": \"x\"}}", Some("p"), "unknown key \"taskid\""),
            ("{\"p\": {\"taskId\": \"x\", \"status\": 1}}", Some("p"), "status: expected an object"),
            ("{\"p\": {\"taskId\": \"x\", \"status\": {\"expires\": \"tomorrow\"}}}", Some("p"), "status.expires"),
            (
                "{\"p\": {\"taskId\": \"x\", \"status\": {\"state\": \"failed\"}}, \"q\": {\"taskId\": \"x\", \"status\": {\"state\": \"completed\"}}}",
                Some("q"),
                "differs",
            ),
            ("{\"p\": ", None, "not valid JSON"),
        ];
        for (text, path, fragment) in cases {
            let e = FileIndex::parse(text, "f").unwrap_err();
            assert_eq!(e.index_path.as_deref(), path, "{text}");
            assert!(e.message.contains(fragment), "{text}: {}", e.message);
        }
    }
}
