//! The resume log: `STATE/submit.log`, append-only JSON lines, synced to disk.
//!
//! The first line is the header: what makes every createTask body of the submission
//! reproducible (the clock reading, the decision task id, the scheduler id) and what the
//! submission is of and to (the SHA-256 of the input, the queue or dry-run directory). Each
//! later line records one taskId the queue acknowledged: `{"created":"<taskId>"}`. A line is
//! written only after a 2xx answer, so the log never claims a task the queue did not accept;
//! a task acknowledged but not yet logged when the process died is simply sent again, with an
//! identical body, which the queue accepts.
//!
//! A run killed mid-write may leave a torn last line; opening the log drops it (truncating the
//! file to its last complete line) before appending.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fs::File;
#[cfg(test)]
use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use tg_core::error::usage;
use tg_core::quote::{capped, capped_message};

/// The first line of the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// Format version of the log.
    pub version: u32,
    /// SHA-256 (hex) of the input bytes.
    pub input_sha256: String,
    /// Where tasks are created: the queue's base URL or `dry-run:<dir>`.
    pub target: String,
    pub decision_task_id: String,
    pub scheduler_id: String,
    /// The clock reading every relative datestamp resolves against (`YYYY-MM-DDTHH:MM:SS.mmmZ`).
    pub now: String,
}

/// One acknowledged creation.
#[derive(Debug, Serialize, Deserialize)]
struct Created {
    created: String,
}

/// An open resume log.
#[derive(Debug)]
pub struct StateLog {
    file: File,
    path: PathBuf,
    pub header: Header,
    /// TaskIds the log says were created.
    pub created: HashSet<String>,
    /// True when the log existed before this run.
    pub resumed: bool,
}

/// Name of the log inside the state directory.
pub const LOG_NAME: &str = "submit.log";

impl StateLog {
    /// Open `dir/submit.log`, or create it with `fresh` as its header. An existing log must be of
    /// the same input and target (and decision task id and scheduler id) as `fresh`.
    pub fn open(dir: &Path, fresh: Header) -> anyhow::Result<StateLog> {
        tg_core::files::create_dir_all(dir)
            .map_err(|e| usage(format!("cannot create state directory {}: {e}", dir.display())))?;
        let path = dir.join(LOG_NAME);
        let io_err = |what: &str, e: std::io::Error| usage(format!("{what} {}: {e}", path.display()));
        let mut file = tg_core::files::options_with_mode(tg_core::files::PRIVATE_FILE_MODE)
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| io_err("cannot open state log", e))?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| io_err("cannot read state log", e))?;
        let complete = text.rfind('\n').map_or(0, |n| n + 1);
        if complete < text.len() {
            file.set_len(complete as u64).map_err(|e| io_err("cannot repair state log", e))?;
        }
        file.seek(SeekFrom::End(0)).map_err(|e| io_err("cannot seek state log", e))?;
        let whole_lines = text.get(..complete).unwrap_or_default();
        let mut lines = whole_lines.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let Some((_, first)) = lines.next() else {
            return StateLog::start(file, path, dir, fresh);
        };
        let header: Header = serde_json::from_str(first).map_err(|e| not_a("state header", &path, 1, &e))?;
        check_same_submission(&header, &fresh, &path)?;
        let mut created = HashSet::new();
        for (n, text) in lines {
            let record: Created = serde_json::from_str(text).map_err(|e| not_a("state record", &path, n + 1, &e))?;
            created.insert(record.created);
        }
        Ok(StateLog { file, path, header, created, resumed: true })
    }

    /// Write the header of a new log and make it durable (file and directory entry).
    fn start(mut file: File, path: PathBuf, dir: &Path, header: Header) -> anyhow::Result<StateLog> {
        let mut line = serde_json::to_vec(&header)?;
        line.push(b'\n');
        file.write_all(&line)
            .and_then(|()| file.sync_all())
            .map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(StateLog { file, path, header, created: HashSet::new(), resumed: false })
    }

    /// Append one record per taskId and sync them to disk.
    pub fn record_created<'a>(&mut self, task_ids: impl IntoIterator<Item = &'a str>) -> anyhow::Result<()> {
        let mut buf = Vec::new();
        for id in task_ids {
            serde_json::to_writer(&mut buf, &Created { created: id.to_string() })?;
            buf.push(b'\n');
            self.created.insert(id.to_string());
        }
        if buf.is_empty() {
            return Ok(());
        }
        self.file
            .write_all(&buf)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| usage(format!("cannot write {}: {e}", self.path.display())))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The header of `dir/submit.log` if the log exists and has one (nothing is created).
pub fn peek_header(dir: &Path) -> anyhow::Result<Option<Header>> {
    let path = dir.join(LOG_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(usage(format!("cannot read state log {}: {e}", path.display()))),
    };
    let Some(first) = text.split_inclusive('\n').find(|l| l.ends_with('\n') && !l.trim().is_empty()) else {
        return Ok(None);
    };
    serde_json::from_str(first).map(Some).map_err(|e| not_a("state header", &path, 1, &e))
}

/// `<path>:<line>: not a tg-submit <what>: <serde message, capped>`.
fn not_a(what: &str, path: &Path, line: usize, e: &serde_json::Error) -> anyhow::Error {
    usage(format!("{}:{line}: not a tg-submit {what}: {}", path.display(), capped_message(&e.to_string())))
}

/// A log of another input, target, decision task or scheduler cannot be resumed.
fn check_same_submission(old: &Header, new: &Header, path: &Path) -> anyhow::Result<()> {
    let differs = |what: &str, a: &str, b: &str| {
        usage(format!(
            "{} records a submission with {what} {}, this run has {}; \
             resume only with the same input and settings, or use a new --state directory",
            path.display(),
            capped(a),
            capped(b)
        ))
    };
    if old.version != new.version {
        return Err(differs("log version", &old.version.to_string(), &new.version.to_string()));
    }
    if old.input_sha256 != new.input_sha256 {
        return Err(differs("input sha256", &old.input_sha256, &new.input_sha256));
    }
    if old.target != new.target {
        return Err(differs("target", &old.target, &new.target));
    }
    if old.decision_task_id != new.decision_task_id {
        return Err(differs("decision task id", &old.decision_task_id, &new.decision_task_id));
    }
    if old.scheduler_id != new.scheduler_id {
        return Err(differs("schedulerId", &old.scheduler_id, &new.scheduler_id));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(now: &str) -> Header {
        Header {
            version: 1,
            input_sha256: "abc".into(),
            target: "dry-run:/x".into(),
            decision_task_id: "D".into(),
            scheduler_id: "s".into(),
            now: now.into(),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("tg-submit-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn resumes_with_the_first_clock_and_repairs_a_torn_tail() {
        let dir = temp_dir("resume");
        let mut log = StateLog::open(&dir, header("T1")).unwrap();
        assert!(!log.resumed);
        log.record_created(["A", "B"]).unwrap();
        drop(log);
        let mut f = OpenOptions::new().append(true).open(dir.join(LOG_NAME)).unwrap();
        f.write_all(b"{\"created\":\"C").unwrap();
        drop(f);
        let mut log = StateLog::open(&dir, header("T2")).unwrap();
        assert!(log.resumed);
        assert_eq!(log.header.now, "T1");
        let mut ids: Vec<_> = log.created.iter().cloned().collect();
        ids.sort();
        assert_eq!(ids, ["A", "B"]);
        log.record_created(["C"]).unwrap();
        drop(log);
        let text = std::fs::read_to_string(dir.join(LOG_NAME)).unwrap();
        assert!(text.ends_with("{\"created\":\"B\"}\n{\"created\":\"C\"}\n"), "{text}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_another_submission() {
        let dir = temp_dir("other");
        drop(StateLog::open(&dir, header("T1")).unwrap());
        let mut other = header("T1");
        other.input_sha256 = "def".into();
        let e = StateLog::open(&dir, other).unwrap_err();
        assert_eq!(tg_core::error::exit_code_of(&e), 2);
        assert!(e.to_string().contains("input sha256 abc, this run has def"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
