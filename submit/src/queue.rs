//! Where createTask requests go: the Taskcluster queue, or (the embedded default, when no
//! Taskcluster is configured) a local directory that receives the exact requests.
//!
//! The dry-run directory holds `createTask.jsonl`: one `{"taskId": ..., "task": ...}` line per
//! request, in submission order. Each line is written with one `write` call, so a killed run
//! leaves whole lines (a torn tail is dropped when the file is reopened to resume).

use serde_json::Value;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tg_core::error::usage;
use tg_tcclient::{CallError, Client};

/// Why one createTask failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateError {
    /// The queue refused the task (4xx): this task and its dependents are not created.
    Rejected(String),
    /// The queue could not be reached, or kept failing, after retries: stop submitting.
    Unavailable(String),
}

impl CreateError {
    pub fn message(&self) -> &str {
        match self {
            CreateError::Rejected(m) | CreateError::Unavailable(m) => m,
        }
    }
}

/// A destination for createTask requests, shared by the worker threads.
pub trait Queue: Sync {
    /// Create `task_id` with `definition`. Ok only when the destination accepted it.
    fn create_task(&self, task_id: &str, definition: &Value) -> Result<(), CreateError>;
    /// Make accepted requests durable (called before they are logged as created).
    fn sync(&self) -> anyhow::Result<()> {
        Ok(())
    }
    /// What the state log records as the target (`https://...` or `dry-run:<dir>`).
    fn target(&self) -> String;
    /// True for the local dry-run directory.
    fn is_dry_run(&self) -> bool;
}

/// The Taskcluster queue's `createTask` (`PUT /api/queue/v1/task/<taskId>`).
pub struct TaskclusterQueue {
    client: Client,
}

impl TaskclusterQueue {
    pub fn new(client: Client) -> TaskclusterQueue {
        TaskclusterQueue { client }
    }
}

impl Queue for TaskclusterQueue {
    fn create_task(&self, task_id: &str, definition: &Value) -> Result<(), CreateError> {
        match self.client.put_json("queue", &format!("task/{task_id}"), definition) {
            Ok(_) => Ok(()),
            Err(err) => Err(classify(&err)),
        }
    }

    fn target(&self) -> String {
        self.client.config().endpoint.base_url().to_string()
    }

    fn is_dry_run(&self) -> bool {
        false
    }
}

/// 4xx stops one task; anything else (transport failures, 5xx after retries) stops the run.
fn classify(err: &CallError) -> CreateError {
    match err.status() {
        Some(status) if status < 500 => CreateError::Rejected(err.to_string()),
        _ => CreateError::Unavailable(err.to_string()),
    }
}

/// Name of the requests file in the dry-run directory.
pub const REQUESTS_NAME: &str = "createTask.jsonl";

/// The local stand-in: appends each request to `DIR/createTask.jsonl`.
pub struct DryRunQueue {
    file: Mutex<File>,
    dir: PathBuf,
}

impl DryRunQueue {
    /// Open `dir/createTask.jsonl`: emptied for a new submission, kept (minus a torn tail) to
    /// resume one.
    pub fn open(dir: &Path, resume: bool) -> anyhow::Result<DryRunQueue> {
        tg_core::files::create_dir_all(dir).map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(REQUESTS_NAME);
        let err = |e: std::io::Error| usage(format!("cannot write {}: {e}", path.display()));
        let mut file = tg_core::files::options_with_mode(tg_core::files::PUBLIC_FILE_MODE)
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(err)?;
        if resume {
            let mut text = Vec::new();
            file.read_to_end(&mut text).map_err(err)?;
            let complete = text.iter().rposition(|&b| b == b'\n').map_or(0, |n| n + 1);
            file.set_len(complete as u64).map_err(err)?;
        } else {
            file.set_len(0).map_err(err)?;
        }
        file.seek(SeekFrom::End(0)).map_err(err)?;
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        Ok(DryRunQueue { file: Mutex::new(file), dir })
    }

    pub fn requests_path(&self) -> PathBuf {
        self.dir.join(REQUESTS_NAME)
    }
}

impl Queue for DryRunQueue {
    fn create_task(&self, task_id: &str, definition: &Value) -> Result<(), CreateError> {
        let mut line = serde_json::to_vec(&serde_json::json!({"taskId": task_id, "task": definition}))
            .map_err(|e| CreateError::Unavailable(e.to_string()))?;
        line.push(b'\n');
        let mut file = self.file.lock().map_err(|_| CreateError::Unavailable("dry-run writer poisoned".into()))?;
        file.write_all(&line)
            .map_err(|e| CreateError::Unavailable(format!("cannot write {}: {e}", self.requests_path().display())))
    }

    fn sync(&self) -> anyhow::Result<()> {
        let file = self.file.lock().map_err(|_| usage("dry-run writer poisoned"))?;
        file.sync_data().map_err(|e| usage(format!("cannot sync {}: {e}", self.requests_path().display())))
    }

    fn target(&self) -> String {
        format!("dry-run:{}", self.dir.display())
    }

    fn is_dry_run(&self) -> bool {
        true
    }
}
