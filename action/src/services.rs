//! The Taskcluster calls action callbacks make, through `tg_tcclient`'s client (its one retry
//! policy, Hawk, exit 3 on a service that stays unreachable):
//!
//! | call | endpoint |
//! |---|---|
//! | [`Services::find_task`] | `index.findTask` (`GET /task/<path>`; 4xx: not indexed) |
//! | [`Services::list_tasks`] | `index.listTasks` (`GET /tasks/<namespace>`, paginated, sorted by `expires`) |
//! | [`Services::get_artifact`] | `queue.getLatestArtifact`, then the URL it redirects to (4xx: no such artifact) |
//! | [`Services::task_definition`] | `queue.task` |
//! | [`Services::status`] | `queue.status` |
//! | [`Services::cancel_task`] | `queue.cancelTask` (409: past its deadline) |
//! | [`Services::rerun_task`] | `queue.rerunTask` |
//! | [`Services::incomplete_tasks`] | `queue.listTaskGroup` (paginated; running, pending, unscheduled) |
//! | [`Services::current_scopes`] | `auth.currentScopes` |
//!
//! Without Taskcluster configured (no `TASKCLUSTER_PROXY_URL` / `TASKCLUSTER_ROOT_URL`) every
//! call is a usage error that says which variable to set; a task definition can then still come
//! from a decision directory's `task-graph.json` (see [`crate::decision`]).

use serde_json::Value;
use tg_core::error::{bad_input, remote, usage};
use tg_tcclient::{percent_encode, Client, Endpoint, Method};

/// What cancelling a task did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancelled {
    Yes,
    /// The queue answered 409: the task is past its deadline (not running any more).
    PastDeadline,
}

/// Taskcluster, or nothing.
pub struct Services {
    client: Option<Client>,
}

impl Services {
    /// Services of the `TASKCLUSTER_*` variables read through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<Services> {
        match Endpoint::from_vars(var)? {
            Some(endpoint) => Services::new(Client::new(tg_tcclient::Config::new(endpoint))?),
            None => Ok(Services::offline()),
        }
    }

    /// Services going through `client`.
    pub fn new(client: Client) -> anyhow::Result<Services> {
        Ok(Services { client: Some(client) })
    }

    /// No Taskcluster: every call fails with a usage error.
    pub fn offline() -> Services {
        Services { client: None }
    }

    /// True when Taskcluster is configured.
    pub fn is_live(&self) -> bool {
        self.client.is_some()
    }

    /// The client, or a usage error naming what needed it.
    pub fn client(&self, why: &str) -> anyhow::Result<&Client> {
        self.client.as_ref().ok_or_else(|| {
            usage(format!(
                "{why} needs Taskcluster: set TASKCLUSTER_PROXY_URL, or TASKCLUSTER_ROOT_URL \
                 (with TASKCLUSTER_CLIENT_ID and TASKCLUSTER_ACCESS_TOKEN)"
            ))
        })
    }

    /// `index.findTask`: the taskId indexed at `path`, `None` when the index answers 4xx.
    pub fn find_task(&self, path: &str) -> anyhow::Result<Option<String>> {
        let client = self.client(&format!("looking up index path {path}"))?;
        match client.get_json("index", &format!("task/{}", percent_encode(path))) {
            Ok(answer) => match answer.get("taskId").and_then(Value::as_str) {
                Some(id) => Ok(Some(id.to_string())),
                None => Err(remote(format!("index.findTask {path}: the answer has no taskId"))),
            },
            Err(e) if e.is_client_error() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// `index.listTasks`: the taskIds indexed directly under `namespace`, oldest `expires` first.
    pub fn list_tasks(&self, namespace: &str) -> anyhow::Result<Vec<String>> {
        let client = self.client(&format!("listing index namespace {namespace}"))?;
        let mut entries: Vec<(String, String)> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = format!("tasks/{}", percent_encode(namespace));
            if let Some(t) = &token {
                path.push_str(&format!("?continuationToken={}", percent_encode(t)));
            }
            let answer = match client.get_json("index", &path) {
                Ok(a) => a,
                Err(e) if e.is_not_found() => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            };
            for task in answer.get("tasks").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
                if let Some(id) = task.get("taskId").and_then(Value::as_str) {
                    let expires = task.get("expires").and_then(Value::as_str).unwrap_or_default();
                    entries.push((expires.to_string(), id.to_string()));
                }
            }
            match answer.get("continuationToken").and_then(Value::as_str) {
                Some(next) if !next.is_empty() && token.as_deref() != Some(next) => token = Some(next.to_string()),
                _ => break,
            }
        }
        // Timestamps of one format sort as text; the sort is stable, as Python's.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(entries.into_iter().map(|(_, id)| id).collect())
    }

    /// `queue.getLatestArtifact` and the download it redirects to: the artifact's bytes, or
    /// `None` when the queue answers 4xx (no such task or artifact).
    pub fn get_artifact(&self, task_id: &str, name: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let client = self.client(&format!("downloading {name} of task {task_id}"))?;
        match client.latest_artifact(task_id, name) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.is_client_error() => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// `queue.task`: a task's definition. An unknown taskId is bad input.
    pub fn task_definition(&self, task_id: &str) -> anyhow::Result<Value> {
        let client = self.client(&format!("reading the definition of task {task_id}"))?;
        match client.get_json("queue", &format!("task/{}", percent_encode(task_id))) {
            Ok(def) => Ok(def),
            Err(e) if e.is_not_found() => Err(bad_input(format!("task {task_id}: no such task on the queue"))),
            Err(e) => Err(e.into()),
        }
    }

    /// `queue.status`: the task's status structure (`{}` when the answer has none).
    pub fn status(&self, task_id: &str) -> anyhow::Result<Value> {
        let client = self.client(&format!("reading the status of task {task_id}"))?;
        let answer = client.get_json("queue", &format!("task/{}/status", percent_encode(task_id)))?;
        Ok(answer.get("status").cloned().unwrap_or_else(|| Value::Object(Default::default())))
    }

    /// `queue.cancelTask`.
    pub fn cancel_task(&self, task_id: &str) -> anyhow::Result<Cancelled> {
        let client = self.client(&format!("cancelling task {task_id}"))?;
        match client.call(Method::Post, "queue", &format!("task/{}/cancel", percent_encode(task_id)), None) {
            Ok(_) => Ok(Cancelled::Yes),
            Err(e) if e.status() == Some(409) => Ok(Cancelled::PastDeadline),
            Err(e) => Err(e.into()),
        }
    }

    /// `queue.rerunTask`.
    pub fn rerun_task(&self, task_id: &str) -> anyhow::Result<()> {
        let client = self.client(&format!("rerunning task {task_id}"))?;
        client.call(Method::Post, "queue", &format!("task/{}/rerun", percent_encode(task_id)), None)?;
        Ok(())
    }

    /// `queue.listTaskGroup`: taskIds of the group's running, pending and unscheduled tasks.
    pub fn incomplete_tasks(&self, task_group_id: &str) -> anyhow::Result<Vec<String>> {
        let client = self.client(&format!("listing task group {task_group_id}"))?;
        let mut ids = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut path = format!("task-group/{}/list", percent_encode(task_group_id));
            if let Some(t) = &token {
                path.push_str(&format!("?continuationToken={}", percent_encode(t)));
            }
            let answer = client.get_json("queue", &path)?;
            for task in answer.get("tasks").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
                let status = &task["status"];
                if matches!(status["state"].as_str(), Some("running" | "pending" | "unscheduled")) {
                    if let Some(id) = status["taskId"].as_str() {
                        ids.push(id.to_string());
                    }
                }
            }
            match answer.get("continuationToken").and_then(Value::as_str) {
                Some(next) if !next.is_empty() && token.as_deref() != Some(next) => token = Some(next.to_string()),
                _ => break,
            }
        }
        Ok(ids)
    }

    /// `auth.currentScopes`: the scopes this task has (through the taskcluster-proxy).
    pub fn current_scopes(&self) -> anyhow::Result<Vec<String>> {
        let client = self.client("checking the action task's scopes")?;
        let answer = client.get_json("auth", "scopes/current")?;
        Ok(answer
            .get("scopes")
            .and_then(Value::as_array)
            .map(|s| s.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_calls_say_what_to_set() {
        let err = Services::offline().task_definition("abc").unwrap_err();
        assert_eq!(tg_core::error::exit_code_of(&err), 2);
        assert!(err.to_string().starts_with("reading the definition of task abc needs Taskcluster"), "{err}");
    }
}
