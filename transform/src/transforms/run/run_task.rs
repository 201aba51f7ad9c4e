//! `run.using: run-task` (taskgraph/transforms/run/run_task.py): the command runs under
//! taskgraph's `run-task` script, which checks out the repositories, sets up caches and
//! switches to the task's working directory first.
//!
//! docker-worker runs `/usr/local/bin/run-task` from the image; generic-worker downloads
//! `run-task` (and `fetch-content` when there are fetches) from the decision task's artifacts
//! (`<root url>/api/queue/v1/task/<TASK_ID>/artifacts/public/<script>`).

use super::common::{env_mut, support_caches, support_vcs_checkout};
use super::{worker_mut, worker_str, RunState};
use crate::util::cached_tasks::python_truthy;
use crate::util::repo_config::repo_configs;
use crate::util::taskcluster::get_root_url;
use crate::TransformConfig;
use serde_json::{json, Map, Value};
use tg_core::py::format::format as py_format;
use tg_core::py::msgspec::{Field, StructDef, Ty, OPT_BOOL, OPT_STR, TASKREF_OR_STRING};
use tg_core::py::path as pypath;
use tg_core::py::value::python_str;

/// taskgraph's `RunTaskRunSchema` (unknown keys pass).
pub const RUN_TASK_RUN: StructDef = StructDef {
    fields: &[
        // Must be `run-task`.
        Field::req("using", Ty::Literal(&["run-task"])),
        // The command: a list of arguments passed as they are, or one string (or task
        // reference) given to the `exec-with` shell.
        Field::req("command", Ty::Union(&[Ty::List(&TASKREF_OR_STRING), TASKREF_OR_STRING])),
        // Check out the repository (default true), or a mapping prefix -> RepoConfig overrides.
        Field::req("checkout", Ty::Union(&[Ty::Bool, Ty::Dict(&Ty::Dict(&Ty::Any))])),
        // Base work directory.
        Field::req("workdir", Ty::Str),
        // Caches to use: all (true), none (false), or a list of cache names.
        Field::opt(
            "use-caches",
            Ty::Union(&[Ty::Bool, Ty::List(&Ty::Literal(&["cargo", "checkout", "npm", "pip", "uv"])), Ty::Null]),
        ),
        // Directory to run the command in; `{checkout}` is the checkout path.
        Field::opt("cwd", OPT_STR),
        // Shell for a string command: bash (default) or powershell.
        Field::opt("exec-with", Ty::Union(&[Ty::Literal(&["bash", "powershell"]), Ty::Null])),
        // How to invoke run-task itself.
        Field::opt("run-task-command", Ty::Union(&[Ty::List(&Ty::Any), Ty::Null])),
        // Run as root (default false).
        Field::opt("run-as-root", OPT_BOOL),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// The run defaults: `checkout: true`, `run-as-root: false`.
pub fn worker_defaults() -> Vec<(&'static str, Value)> {
    vec![("checkout", Value::Bool(true)), ("run-as-root", Value::Bool(false))]
}

/// The shell command prefix for `exec-with`.
fn exec_command(state: &mut RunState) -> Result<Vec<Value>, String> {
    let exec_with = state.run.shift_remove("exec-with").unwrap_or_else(|| Value::String("bash".into()));
    match exec_with.as_str() {
        Some("bash") => Ok(vec![json!("bash"), json!("-cx")]),
        Some("powershell") => Ok(vec![json!("powershell.exe"), json!("-ExecutionPolicy"), json!("Bypass")]),
        _ => Err(format!("exec-with: KeyError: {}", tg_core::py::value::python_repr(&exec_with))),
    }
}

/// taskgraph's `common_setup`: checkout arguments, `--task-cwd`, caches and `MOZ_SCM_LEVEL`.
fn common_setup(config: &TransformConfig<'_>, state: &mut RunState, command: &mut Vec<Value>) -> Result<(), String> {
    let checkout = state.run.get("checkout").cloned().unwrap_or(Value::Null);
    if python_truthy(&checkout) {
        let mut repos = repo_configs(config)?;
        if checkout == Value::Bool(true) {
            if repos.len() > 1 {
                return Err("Must explicitly specify checkouts with multiple repos.".into());
            }
        } else if let Value::Object(overrides) = &checkout {
            let mut chosen = indexmap::IndexMap::new();
            for (prefix, fields) in overrides {
                let base = repos.get(prefix).ok_or_else(|| format!("run.checkout: KeyError: '{prefix}'"))?;
                let fields = fields.as_object().cloned().unwrap_or_default();
                chosen.insert(prefix.clone(), base.replaced(&fields)?);
            }
            repos = chosen;
        }
        let vcs_path = support_vcs_checkout(state, &repos)?;
        for repo in repos.values() {
            let checkout_path = pypath::join(&[&vcs_path, &repo.path]);
            command.push(Value::String(format!("--{}-checkout={checkout_path}", repo.prefix)));
        }
        if let Some(cwd) = state.run.get("cwd") {
            let mut fields = Map::new();
            fields.insert("checkout".into(), Value::String(vcs_path.clone()));
            let template = match cwd {
                Value::String(s) => s.clone(),
                other => return Err(format!("run.cwd: expected a string, got {other}")),
            };
            let formatted = py_format(&template, &fields).map_err(|e| format!("run.cwd: {e}"))?;
            state.run.insert("cwd".into(), Value::String(pypath::normpath(&formatted)));
        }
    } else if let Some(Value::String(cwd)) = state.run.get("cwd") {
        if cwd.contains("{checkout}") {
            let name =
                state.taskdesc.get("name").or_else(|| state.taskdesc.get("label")).map(python_str).unwrap_or_default();
            return Err(format!(
                "Found `{{checkout}}` interpolation in `cwd` for task {name} but the task doesn't have a checkout: {cwd}"
            ));
        }
    }
    if let Some(cwd) = state.run.get("cwd") {
        command.push(json!("--task-cwd"));
        command.push(cwd.clone());
    }
    support_caches(config, state)?;
    let level = config.params.get("level").cloned().unwrap_or(Value::Null);
    env_mut(state)?.insert("MOZ_SCM_LEVEL".into(), level);
    Ok(())
}

/// `run-as-root`: run-task's `--user root --group root`.
fn run_as_root(state: &RunState) -> bool {
    state.run.get("run-as-root").is_some_and(python_truthy)
}

/// The user's command as a list (taskgraph's `run_command`), before the shell prefix.
fn run_command(state: &RunState) -> Value {
    state.run.get("command").cloned().unwrap_or(Value::Null)
}

/// `list.extend(value)`: a list adds its items, a mapping its keys (as Python iterates them).
fn extend_with(command: &mut Vec<Value>, value: Value) {
    match value {
        Value::Array(items) => command.extend(items),
        Value::Object(m) => command.extend(m.into_iter().map(|(k, _)| Value::String(k))),
        Value::String(s) => command.extend(s.chars().map(|c| Value::String(c.to_string()))),
        other => command.push(other),
    }
}

/// run-task on docker-worker.
pub fn docker_worker_run_task(config: &TransformConfig<'_>, state: &mut RunState) -> Result<(), String> {
    let mut command = match state.run.shift_remove("run-task-command") {
        Some(Value::Array(c)) => c,
        Some(Value::Null) => vec![Value::Null],
        Some(other) => vec![other],
        None => vec![json!("/usr/local/bin/run-task")],
    };
    common_setup(config, state, &mut command)?;

    let mut user_command = run_command(state);
    if matches!(user_command, Value::String(_) | Value::Object(_)) {
        let mut shell = exec_command(state)?;
        shell.push(user_command);
        user_command = Value::Array(shell);
    }
    if run_as_root(state) {
        command.extend([json!("--user"), json!("root"), json!("--group"), json!("root")]);
    }
    command.push(json!("--"));
    extend_with(&mut command, user_command);
    worker_mut(state).insert("command".into(), Value::Array(command));
    Ok(())
}

/// URL of one of the decision task's public artifacts (run-task scripts for generic-worker).
fn script_url(script: &str) -> Result<String, String> {
    let task_id = std::env::var("TASK_ID").ok();
    if std::env::var_os("MOZ_AUTOMATION").is_some() && task_id.is_none() {
        return Err("TASK_ID must be defined to use run-task on generic-worker".into());
    }
    let task_id = task_id.unwrap_or_else(|| "<TASK_ID>".into());
    let root = get_root_url(true)?;
    Ok(format!("{root}/api/queue/v1/task/{task_id}/artifacts/public/{script}"))
}

/// run-task on generic-worker (Linux, macOS, Windows; Bitbar devices get their wrapper).
pub fn generic_worker_run_task(config: &TransformConfig<'_>, state: &mut RunState) -> Result<(), String> {
    let os = worker_str(state, "os").ok_or("worker: KeyError: 'os'")?;
    let is_win = os == "windows";
    let is_bitbar = os == "linux-bitbar";

    let mut command = match state.run.shift_remove("run-task-command") {
        Some(Value::Array(c)) if !c.is_empty() => c,
        _ if is_win => vec![json!("C:/mozilla-build/python3/python3.exe"), json!("run-task")],
        _ => vec![json!("./run-task")],
    };
    common_setup(config, state, &mut command)?;

    let run_task_url = script_url("run-task")?;
    let has_fetches = state
        .taskdesc
        .get("worker")
        .and_then(|w| w.get("env"))
        .and_then(|e| e.get("MOZ_FETCHES"))
        .is_some_and(python_truthy);
    let fetch_content_url = if has_fetches { Some(script_url("fetch-content")?) } else { None };
    {
        let worker = worker_mut(state);
        let mounts = worker.entry("mounts").or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(mounts) = mounts else { return Err("worker.mounts: expected a list".into()) };
        mounts.push(json!({"content": {"url": run_task_url}, "file": "./run-task"}));
        if let Some(url) = fetch_content_url {
            mounts.push(json!({"content": {"url": url}, "file": "./fetch-content"}));
        }
    }

    let mut user_command = run_command(state);
    if let Value::String(s) = &user_command {
        let text = if is_win { format!("\"{s}\"") } else { s.clone() };
        let mut shell = exec_command(state)?;
        shell.push(Value::String(text));
        user_command = Value::Array(shell);
    }
    if run_as_root(state) {
        command.extend([json!("--user"), json!("root"), json!("--group"), json!("root")]);
    }
    command.push(json!("--"));
    if is_bitbar {
        // The Bitbar wrapper sets up the device and adb environment.
        command.push(json!("/builds/taskcluster/script.py"));
    }
    extend_with(&mut command, user_command);

    let worker_command = if is_win {
        let parts = command
            .iter()
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                other => {
                    Err(format!("sequence item: expected str instance, got {other} (joining the Windows command)"))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        json!([parts.join(" ")])
    } else {
        json!([["chmod", "+x", "run-task"], command])
    };
    worker_mut(state).insert("command".into(), worker_command);
    Ok(())
}
