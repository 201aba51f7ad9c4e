//! External transforms in any language: a kind.yml `transforms` entry `exec:<command>`.
//!
//! The command runs through `sh -c` in the current directory with the kind's current task
//! dicts on stdin, one compact JSON object per line, and must write the transformed task dicts
//! to stdout the same way (any number: it may drop, split or add tasks; blank lines are
//! ignored). `exec:jq -c '.attributes.x = 1'` is a complete transform. Its environment has
//! `TG_KIND` (the kind's name), `TG_KIND_PATH` (its directory), `TG_ROOT` (the taskgraph root)
//! and `TG_PARAMETERS` (the parameters as one JSON object).
//!
//! Stderr is collected: on success it is passed on to ours; when the command exits non-zero
//! (or is killed), the stage stops with exit 1, quoting the command, its exit status and its
//! stderr. A line of output that is not a JSON object is exit 1 too, naming the line.

use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use tg_core::error::{bad_input, usage};
use tg_core::quote::capped;

/// The prefix that marks an external transform in kind.yml.
pub const PREFIX: &str = "exec:";

/// The command of an `exec:` transform entry, if `name` is one.
pub fn command_of(name: &str) -> Option<&str> {
    name.strip_prefix(PREFIX)
}

/// What the command may read from its environment.
pub struct ExecContext<'a> {
    pub kind: &'a str,
    pub kind_path: &'a Path,
    pub root: &'a Path,
    pub parameters: &'a Map<String, Value>,
}

/// Run `command` over `tasks`; returns the tasks it wrote.
pub fn run(
    command: &str,
    ctx: &ExecContext<'_>,
    tasks: Vec<Map<String, Value>>,
) -> anyhow::Result<Vec<Map<String, Value>>> {
    let mut input = Vec::new();
    for task in &tasks {
        serde_json::to_writer(&mut input, task)?;
        input.push(b'\n');
    }
    drop(tasks);
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .env("TG_KIND", ctx.kind)
        .env("TG_KIND_PATH", ctx.kind_path)
        .env("TG_ROOT", ctx.root)
        .env("TG_PARAMETERS", serde_json::to_string(ctx.parameters)?)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| usage(format!("{}: cannot run sh: {e}", who(ctx.kind, command))))?;
    let (Some(mut stdin), Some(mut stdout), Some(mut stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(usage(format!("{}: cannot open pipes", who(ctx.kind, command))));
    };
    // Feed stdin and drain stderr on their own threads so no pipe can fill up and block.
    let writer = std::thread::spawn(move || {
        // A command that stops reading early (BrokenPipe) is judged by its exit status.
        let _ = stdin.write_all(&input);
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let mut out = Vec::new();
    let read = stdout.read_to_end(&mut out);
    let _ = writer.join();
    let err_text = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    let status = child.wait().map_err(|e| usage(format!("{}: {e}", who(ctx.kind, command))))?;
    if !status.success() {
        let code = status.code().map_or_else(|| format!("{status}"), |c| format!("exit status {c}"));
        return Err(bad_input(format!(
            "{} failed ({code}); its stderr:\n{}",
            who(ctx.kind, command),
            err_text.trim_end()
        )));
    }
    read.map_err(|e| bad_input(format!("{}: cannot read its output: {e}", who(ctx.kind, command))))?;
    if !err_text.trim().is_empty() {
        for line in err_text.lines() {
            eprintln!("exec:{}: {line}", ctx.kind);
        }
    }
    parse_output(&out, command, ctx.kind)
}

/// The command's stdout as task dicts.
fn parse_output(out: &[u8], command: &str, kind: &str) -> anyhow::Result<Vec<Map<String, Value>>> {
    let text =
        std::str::from_utf8(out).map_err(|e| bad_input(format!("{}: output is not UTF-8: {e}", who(kind, command))))?;
    let mut tasks = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(m)) => tasks.push(m),
            Ok(other) => {
                return Err(bad_input(format!(
                    "{}: output line {}: expected a JSON object, got {}",
                    who(kind, command),
                    n + 1,
                    tg_core::config::type_name(&other)
                )))
            }
            Err(e) => return Err(bad_input(format!("{}: output line {}: {e}", who(kind, command), n + 1))),
        }
    }
    Ok(tasks)
}

/// `kind K: exec:COMMAND`, both capped, to start an error message.
fn who(kind: &str, command: &str) -> String {
    format!("kind {}: {PREFIX}{}", capped(kind), capped(command))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx<'a>(params: &'a Map<String, Value>) -> ExecContext<'a> {
        ExecContext { kind: "k", kind_path: Path::new("kinds/k"), root: Path::new("."), parameters: params }
    }

    fn dicts(v: Value) -> Vec<Map<String, Value>> {
        v.as_array().unwrap().iter().map(|t| t.as_object().unwrap().clone()).collect()
    }

    #[test]
    fn cat_is_identity_and_env_is_set() {
        let params = json!({"level": "3"}).as_object().unwrap().clone();
        let tasks = dicts(json!([{"name": "a"}, {"name": "b", "x": [1, 2]}]));
        assert_eq!(run("cat", &ctx(&params), tasks.clone()).unwrap(), tasks);
        let out = run(
            r#"while read -r l; do :; done; printf '{"k":"%s","p":%s}\n' "$TG_KIND" "$TG_PARAMETERS""#,
            &ctx(&params),
            tasks,
        )
        .unwrap();
        assert_eq!(Value::Object(out[0].clone()), json!({"k": "k", "p": {"level": "3"}}));
    }

    #[test]
    fn failure_quotes_stderr_and_status() {
        let params = Map::new();
        let e = run("echo boom >&2; exit 7", &ctx(&params), dicts(json!([{"name": "a"}]))).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("kind k: exec:echo boom >&2; exit 7 failed (exit status 7)"), "{msg}");
        assert!(msg.ends_with("boom"), "{msg}");
        assert_eq!(tg_core::error::exit_code_of(&e), 1);
    }

    #[test]
    fn bad_output_names_the_line() {
        let params = Map::new();
        let e = run("echo '{}'; echo '[1]'", &ctx(&params), Vec::new()).unwrap_err().to_string();
        assert!(e.contains("output line 2: expected a JSON object, got a list"), "{e}");
        let e = run("echo 'nope'", &ctx(&params), Vec::new()).unwrap_err().to_string();
        assert!(e.contains("output line 1:"), "{e}");
    }

    #[test]
    fn huge_command_is_capped_in_errors() {
        let params = Map::new();
        let command = format!("exit 3 # {}", "y".repeat(100_000));
        let e = run(&command, &ctx(&params), Vec::new()).unwrap_err().to_string();
        assert!(e.len() < 1_000, "{} bytes", e.len());
        assert!(e.contains("… (100009 bytes) failed (exit status 3)"), "{e}");
    }

    #[test]
    fn command_prefix() {
        assert_eq!(command_of("exec:jq -c ."), Some("jq -c ."));
        assert_eq!(command_of("taskgraph.transforms.task"), None);
    }
}
