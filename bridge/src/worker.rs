//! The long-lived Python worker: one process per stage run, JSON lines over its stdin/stdout.
//!
//! [`Worker::start`] spawns `python -c <tg_bridge_worker.py> PROGRAM LEVEL` in the current
//! directory (taskgraph runs from the repository root; `-r` and parameter paths are relative
//! to it), with stderr inherited (the project's logging and prints reach our stderr) and
//! `PYTHONHASHSEED=0` unless set (set iteration order in project code then matches the
//! references). The worker answers a hello line first (taskgraph importable and 24.5.1, else
//! exit 2 with the install command), then `init`: load config.yml, `GraphConfig.register()`
//! (root on `sys.path`, the project's `taskgraph.register` hook), load the parameters as
//! `taskgraph full -p FILE` does, and report what register() added to taskgraph's registries.
//!
//! Every later call is one request line and one response line. An exception in project code
//! comes back with its traceback, kind, task and step: exit 1. A worker that dies (EOF, broken
//! pipe, bad line) is exit 1 too; callers write nothing before all calls succeeded.

use crate::python::{self, Interpreter, INSTALL_COMMAND, TASKGRAPH_VERSION};
use serde_json::{json, Map, Value};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use tg_core::cli::Log;
use tg_core::error::{bad_input, usage};
use tg_core::quote::{capped, capped_message};

/// The worker script, embedded in every binary that uses the bridge.
pub const WORKER_SCRIPT: &str = include_str!("../python/tg_bridge_worker.py");

/// How to start a worker.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Our binary's name (prefix of the worker's log lines).
    pub program: &'static str,
    /// The taskgraph root (`-r`), as given.
    pub root: PathBuf,
    /// The parameters spec (`-p`), as given; `None` for taskgraph's defaults.
    pub parameters: Option<PathBuf>,
    /// Parameter values that override the file's (e.g. values another stage already resolved).
    pub overrides: Option<Map<String, Value>>,
    /// Our logger; its level sets the worker's logging level.
    pub log: Log,
}

/// What `taskgraph.register` added to (or replaced in) taskgraph's registries, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registrations {
    /// `run.using` values with a project `run_task_using` function.
    pub run_using: Vec<String>,
    /// Worker implementations with a project payload builder.
    pub payload_builders: Vec<String>,
    /// Index types with a project index builder.
    pub index_builders: Vec<String>,
    /// Project target task methods.
    pub target_methods: Vec<String>,
    /// Project target task filters.
    pub filters: Vec<String>,
    /// Project optimization strategies.
    pub strategies: Vec<String>,
    /// Project morphs.
    pub morphs: Vec<String>,
}

/// What `init` reports.
#[derive(Debug, Clone)]
pub struct InitInfo {
    /// The parameters as Python taskgraph resolved them (project defaults included).
    pub parameters: Map<String, Value>,
    /// What the register hook registered.
    pub project: Registrations,
    /// The interpreter's version.
    pub python: String,
}

/// A running worker.
pub struct Worker {
    child: Child,
    stdin: Option<BufWriter<ChildStdin>>,
    stdout: BufReader<ChildStdout>,
    interpreter: Interpreter,
    /// What `init` reported.
    pub info: InitInfo,
    log: Log,
}

/// Context an error response names.
#[derive(Debug, Default)]
struct ErrorContext {
    kind: Option<String>,
    task: Option<String>,
    step: Option<String>,
}

impl Worker {
    /// Spawn the worker and run `init`.
    pub fn start(opts: &WorkerOptions) -> anyhow::Result<Worker> {
        let repo_root = repo_root_of(&opts.root);
        let interpreter = python::choose(&repo_root);
        Self::start_with(opts, interpreter)
    }

    /// [`start`](Self::start) with a chosen interpreter.
    pub fn start_with(opts: &WorkerOptions, interpreter: Interpreter) -> anyhow::Result<Worker> {
        let mut command = Command::new(&interpreter.program);
        command
            .arg("-c")
            .arg(WORKER_SCRIPT)
            .arg(opts.program)
            .arg(python::logging_level(opts.log.level))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .env("PYTHONDONTWRITEBYTECODE", "1");
        if std::env::var_os("PYTHONHASHSEED").is_none() {
            command.env("PYTHONHASHSEED", "0");
        }
        let mut child = command.spawn().map_err(|e| {
            usage(format!(
                "cannot run Python interpreter {} (from {}): {e}; the Python bridge needs Python with taskgraph {TASKGRAPH_VERSION}: `{INSTALL_COMMAND}` (TG_PYTHON chooses the interpreter)",
                interpreter.program.display(),
                interpreter.origin
            ))
        })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(usage("cannot open pipes to the Python worker"));
        };
        let placeholder = InitInfo { parameters: Map::new(), project: Registrations::default(), python: String::new() };
        let mut worker = Worker {
            child,
            stdin: Some(BufWriter::new(stdin)),
            stdout: BufReader::new(stdout),
            interpreter,
            info: placeholder,
            log: opts.log,
        };
        worker.read_hello()?;
        let mut body = Map::new();
        body.insert("root".into(), json!(opts.root.to_string_lossy()));
        body.insert("repo_root".into(), json!(repo_root_of(&opts.root).to_string_lossy()));
        body.insert("parameters".into(), opts.parameters.as_ref().map_or(Value::Null, |p| json!(p.to_string_lossy())));
        body.insert("overrides".into(), opts.overrides.clone().map_or(Value::Null, Value::Object));
        let result = worker.call("init", body)?;
        worker.info = parse_init(&result)?;
        worker.log.debug(format!(
            "python worker ready ({} {}, taskgraph {TASKGRAPH_VERSION}); project registrations: {:?}",
            worker.interpreter.program.display(),
            worker.info.python,
            worker.info.project
        ));
        Ok(worker)
    }

    /// The first line: taskgraph present and the right version, or a usage error (exit 2).
    fn read_hello(&mut self) -> anyhow::Result<()> {
        let line = self.read_line("start-up")?;
        let hello = serde_json::from_str::<Value>(&line)
            .ok()
            .and_then(|v| v.get("hello").cloned())
            .ok_or_else(|| bad_input(format!("python worker: unexpected first line: {}", clip(&line, 200))))?;
        let who = format!("{} (from {})", self.interpreter.program.display(), self.interpreter.origin);
        match hello.get("fatal").and_then(Value::as_str) {
            None => Ok(()),
            Some("version") => Err(usage(format!(
                "{who} has taskgraph {} but the bridge needs {TASKGRAPH_VERSION}: `{INSTALL_COMMAND}` (TG_PYTHON chooses the interpreter)",
                hello.get("version").and_then(Value::as_str).unwrap_or("?")
            ))),
            Some(_) => Err(usage(format!(
                "{who} cannot import taskgraph ({}): install it with `{INSTALL_COMMAND}` (TG_PYTHON chooses the interpreter)",
                hello.get("error").and_then(Value::as_str).unwrap_or("ImportError")
            ))),
        }
    }

    /// One request, one response: the `result`, or an error naming kind, task and step with
    /// the Python traceback (exit 1).
    pub fn call(&mut self, op: &str, mut body: Map<String, Value>) -> anyhow::Result<Value> {
        body.insert("op".into(), json!(op));
        let line = serde_json::to_string(&body)?;
        self.write_line(op, &line)?;
        let reply = self.read_line(op)?;
        let mut reply: Map<String, Value> = match serde_json::from_str(&reply) {
            Ok(Value::Object(m)) => m,
            _ => return Err(self.died(op, &format!("sent a line that is not a JSON object: {}", clip(&reply, 200)))),
        };
        if reply.get("ok") == Some(&Value::Bool(true)) {
            return Ok(reply.remove("result").unwrap_or(Value::Null));
        }
        Err(python_error(op, &reply))
    }

    fn write_line(&mut self, op: &str, line: &str) -> anyhow::Result<()> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(self.died(op, "its input is closed"));
        };
        let result = stdin.write_all(line.as_bytes()).and_then(|_| stdin.write_all(b"\n")).and_then(|_| stdin.flush());
        result.map_err(|e| self.died(op, &format!("cannot write to it: {e}")))
    }

    fn read_line(&mut self, op: &str) -> anyhow::Result<String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err(self.died(op, "it closed its output")),
            Ok(_) => Ok(line),
            Err(e) => Err(self.died(op, &format!("cannot read from it: {e}"))),
        }
    }

    /// The worker went away: say so, with its exit status if it has one (exit 1).
    fn died(&mut self, op: &str, what: &str) -> anyhow::Error {
        self.stdin = None;
        let status = match self.child.wait() {
            Ok(s) => format!("; {s}"),
            Err(_) => String::new(),
        };
        bad_input(format!("python worker died during {op}: {what}{status} (see its stderr above); nothing was written"))
    }

    /// The resolved parameters as Python computed them.
    pub fn parameters(&self) -> &Map<String, Value> {
        &self.info.parameters
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Closing stdin ends the worker's read loop; kill it if it does not stop soon.
        self.stdin = None;
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The repository root for a taskgraph root, as the stages find it (tg-core's
/// `GraphConfig::vcs_root`: the nearest ancestor with `.git`/`.hg`, else the root's parent).
pub fn repo_root_of(root: &Path) -> PathBuf {
    tg_core::config::GraphConfig { config: Map::new(), root_dir: root.to_path_buf() }.vcs_root()
}

fn parse_init(result: &Value) -> anyhow::Result<InitInfo> {
    let parameters = result
        .get("parameters")
        .and_then(Value::as_object)
        .cloned()
        .ok_or_else(|| bad_input("python worker: init returned no parameters"))?;
    let names = |key: &str| -> Vec<String> {
        result
            .get("project")
            .and_then(|p| p.get(key))
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    Ok(InitInfo {
        parameters,
        project: Registrations {
            run_using: names("run_using"),
            payload_builders: names("payload_builders"),
            index_builders: names("index_builders"),
            target_methods: names("target_methods"),
            filters: names("filters"),
            strategies: names("strategies"),
            morphs: names("morphs"),
        },
        python: result.get("python").and_then(Value::as_str).unwrap_or_default().to_string(),
    })
}

/// An error response as an exit-1 error: `kind K, task T: transform S: Error: msg` and the
/// Python traceback on the following lines.
fn python_error(op: &str, reply: &Map<String, Value>) -> anyhow::Error {
    let field = |k: &str| reply.get(k).and_then(Value::as_str).map(str::to_string);
    let ctx = ErrorContext { kind: field("kind"), task: field("task"), step: field("step") };
    let mut message = match (&ctx.kind, &ctx.task) {
        (Some(kind), Some(task)) => format!("kind {}, task {}: ", capped(kind), capped(task)),
        (Some(kind), None) => format!("kind {}: ", capped(kind)),
        (None, Some(task)) => format!("task {}: ", capped(task)),
        (None, None) => String::new(),
    };
    match &ctx.step {
        Some(step) => message.push_str(&format!("{}: ", capped(step))),
        None => message.push_str(&format!("python {op}: ")),
    }
    message.push_str(&capped_lines(&field("error").unwrap_or_else(|| "unknown error".into())));
    if let Some(tb) = field("traceback").filter(|t| !t.trim().is_empty()) {
        message.push('\n');
        message.push_str(&capped_lines(tb.trim_end()));
    }
    bad_input(message)
}

/// Python's message or traceback with each line capped ([`capped_message`]): every frame
/// stays, but a line that quotes a huge value does not make a huge error.
fn capped_lines(text: &str) -> String {
    text.split('\n').map(capped_message).collect::<Vec<_>>().join("\n")
}

/// At most `n` characters of `s`.
pub fn clip(s: &str, n: usize) -> String {
    let s = s.trim_end();
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_error_caps_huge_labels_and_lines_but_keeps_every_line() {
        let huge = "x".repeat(1_000_000);
        let reply = json!({
            "ok": false,
            "kind": "k",
            "task": huge,
            "step": "transform m:f",
            "error": format!("Exception: bad value {huge}"),
            "traceback": format!("Traceback (most recent call last):\n  File \"m.py\", line 3, in f\nException: bad value {huge}\n"),
        });
        let message = python_error("transforms", reply.as_object().unwrap()).to_string();
        assert!(message.len() < 4_000, "{} bytes", message.len());
        assert!(
            message.starts_with(&format!(
                "kind k, task {}… (1000000 bytes): transform m:f: Exception: bad value ",
                "x".repeat(200)
            )),
            "{message}"
        );
        assert!(
            message
                .contains("\nTraceback (most recent call last):\n  File \"m.py\", line 3, in f\nException: bad value "),
            "{message}"
        );
    }

    #[test]
    fn python_error_within_limits_is_unchanged() {
        let reply = json!({"ok": false, "kind": "k", "task": "t", "error": "ValueError: no", "traceback": "Traceback:\n  here\nValueError: no\n"});
        let message = python_error("transforms", reply.as_object().unwrap()).to_string();
        assert_eq!(message, "kind k, task t: python transforms: ValueError: no\nTraceback:\n  here\nValueError: no");
    }
}
