//! `run.using: toolchain-script` (taskgraph/transforms/run/toolchain.py): a toolchain is built
//! by a script under `taskcluster/scripts/toolchain/`, run through run-task. The task is cached
//! (`cache` of type `toolchains.v3`, digested later by the cached_tasks transform) on the
//! script, its `resources`, the artifact name, the in-tree docker image and the arguments.

use super::common::{docker_worker_add_artifacts, generic_worker_add_artifacts, get_vcsdir_name};
use super::{configure_taskdesc_for_run, worker_mut, worker_str, RunState};
use crate::util::cached_tasks::python_truthy;
use crate::util::hash::hash_paths_mapped;
use crate::util::shell;
use crate::util::task_dict::object_entry;
use crate::TransformConfig;
use serde_json::{json, Value};
use tg_core::py::msgspec::{Field, StructDef, Ty, OPT_LIST_STR};
use tg_core::py::path as pypath;
use tg_core::py::value::{python_str, type_name};

/// Cache type of toolchain tasks.
const CACHE_TYPE: &str = "toolchains.v3";

/// taskgraph's `ToolchainRunSchema` (unknown keys pass).
pub const TOOLCHAIN_RUN: StructDef = StructDef {
    fields: &[
        // Must be `toolchain-script`.
        Field::req("using", Ty::Literal(&["toolchain-script"])),
        // The script, relative to taskcluster/scripts/toolchain/.
        Field::req("script", Ty::Str),
        // Path of the artifact the task produces.
        Field::req("toolchain-artifact", Ty::Str),
        // Base work directory.
        Field::req("workdir", Ty::Str),
        // Arguments to the script.
        Field::opt("arguments", OPT_LIST_STR),
        // Files (patterns) that influence the build; they enter the cache digest.
        Field::opt("resources", OPT_LIST_STR),
        // Other names for this toolchain in `fetches`.
        Field::opt("toolchain-alias", Ty::Union(&[Ty::Str, Ty::List(&Ty::Str), Ty::Null])),
        // Environment for tasks that use this toolchain.
        Field::opt("toolchain-env", Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null])),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// A list of strings from `run[key]` (absent: empty).
fn string_list(value: Option<&Value>, key: &str) -> Result<Vec<String>, String> {
    match value {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => Ok(items.iter().map(python_str).collect()),
        Some(other) => Err(format!("run.{key}: expected a list, got {other}")),
    }
}

/// taskgraph's `get_digest_data`: what the toolchain's cache digest covers.
fn get_digest_data(config: &TransformConfig<'_>, state: &mut RunState) -> Result<Vec<String>, String> {
    let mut files = string_list(state.run.shift_remove("resources").as_ref(), "resources")?;
    let script = state.run.get("script").map(python_str).unwrap_or_default();
    files.push(pypath::normpath(&pypath::join(&["taskcluster/scripts/toolchain/", &script])));

    let vcs_root = config.graph_config.vcs_root();
    let tracked = state.ctx.tracked_files(config.graph_config)?;
    let on_disk = |p: &str| config.graph_config.repo_path_on_disk(p);
    let mut data = vec![hash_paths_mapped(&vcs_root, tracked, &files, &on_disk).map_err(|e| e.to_string())?];

    let artifact = state
        .taskdesc
        .get("attributes")
        .and_then(|a| a.get("toolchain-artifact"))
        .map(python_str)
        .ok_or("attributes: KeyError: 'toolchain-artifact'")?;
    data.push(artifact);

    // The in-tree image's name stands in for its contents.
    match state.taskdesc.get("worker").and_then(|w| w.get("docker-image")) {
        None => {}
        Some(Value::Object(image)) => {
            if let Some(name) = image.get("in-tree").filter(|v| python_truthy(v)) {
                data.push(python_str(name));
            }
        }
        Some(other) => {
            return Err(format!("worker.docker-image: '{}' object has no attribute 'get'", type_name(other)))
        }
    }

    if let Some(args) = state.run.get("arguments").filter(|v| python_truthy(v)) {
        data.extend(string_list(Some(args), "arguments")?);
    }
    Ok(data)
}

/// taskgraph's `common_toolchain`.
fn common_toolchain(config: &TransformConfig<'_>, state: &mut RunState, is_docker: bool) -> Result<(), String> {
    let os = worker_str(state, "os").ok_or("worker: KeyError: 'os'")?;
    let srcdir = get_vcsdir_name(&os);
    {
        let worker = worker_mut(state);
        worker.insert("chain-of-trust".into(), Value::Bool(true));
        if is_docker {
            worker.entry("docker-image").or_insert_with(|| json!({"in-tree": "toolchain-build"}));
        }
    }

    // Artifacts come from public/build unless the task names that artifact itself.
    let has_public_build = {
        let worker = worker_mut(state);
        let artifacts = worker.entry("artifacts").or_insert_with(|| Value::Array(Vec::new()));
        match artifacts {
            Value::Array(list) => list.iter().any(|a| a.get("name").and_then(Value::as_str) == Some("public/build")),
            other => return Err(format!("worker.artifacts: expected a list, got {other}")),
        }
    };
    if !has_public_build {
        if is_docker {
            docker_worker_add_artifacts(state)?;
        } else {
            generic_worker_add_artifacts(state)?;
        }
    }

    {
        let moz_build_date = config.params.get("moz_build_date").cloned().unwrap_or(Value::Null);
        let level = config.params.get("level").cloned().unwrap_or(Value::Null);
        let worker = worker_mut(state);
        let env = match worker.get_mut("env") {
            Some(Value::Object(env)) => env,
            _ => return Err("worker: KeyError: 'env'".into()),
        };
        env.insert("MOZ_BUILD_DATE".into(), moz_build_date);
        env.insert("MOZ_SCM_LEVEL".into(), level);
    }

    let artifact = state.run.shift_remove("toolchain-artifact").unwrap_or(Value::Null);
    let alias = state.run.shift_remove("toolchain-alias");
    let toolchain_env = state.run.shift_remove("toolchain-env");
    {
        let attributes = object_entry(&mut state.taskdesc, "attributes");
        attributes.insert("toolchain-artifact".into(), artifact);
        if let Some(alias) = alias {
            attributes.insert("toolchain-alias".into(), alias);
        }
        if let Some(env) = toolchain_env {
            attributes.insert("toolchain-env".into(), env);
        }
    }

    let label = state.taskdesc.get("label").map(python_str).unwrap_or_default();
    let name = label.replacen(&format!("{}-", config.kind), "", 1);
    let digest_data = get_digest_data(config, state)?;
    state.taskdesc.insert("cache".into(), json!({"type": CACHE_TYPE, "name": name, "digest-data": digest_data}));

    let script_name = state.run.shift_remove("script").map(|v| python_str(&v)).unwrap_or_default();
    let script = pypath::join(&["taskcluster/scripts/toolchain/", &script_name]);
    state.run.insert("using".into(), json!("run-task"));
    state.run.insert("cwd".into(), json!("{checkout}/.."));
    if script.ends_with(".ps1") {
        state.run.insert("exec-with".into(), json!("powershell"));
    }

    let program = format!("{srcdir}/{}", pypath::normpath(&script));
    let arguments = string_list(state.run.shift_remove("arguments").as_ref(), "arguments")?;
    let command = if is_docker {
        json!(std::iter::once(program).chain(arguments).collect::<Vec<_>>())
    } else if arguments.is_empty() {
        Value::String(program)
    } else {
        // The program is left unquoted: it may hold an environment variable on purpose.
        Value::String(format!("{program} {}", shell::quote(&arguments)))
    };
    state.run.insert("command".into(), command);

    let implementation = worker_str(state, "implementation").unwrap_or_default();
    configure_taskdesc_for_run(config, state, &implementation)
}

/// toolchain-script on docker-worker.
pub fn docker_worker_toolchain(config: &TransformConfig<'_>, state: &mut RunState) -> Result<(), String> {
    common_toolchain(config, state, true)
}

/// toolchain-script on generic-worker.
pub fn generic_worker_toolchain(config: &TransformConfig<'_>, state: &mut RunState) -> Result<(), String> {
    common_toolchain(config, state, false)
}
