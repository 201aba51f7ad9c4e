//! taskgraph.transforms.docker_image: a task description that builds each in-tree docker image
//! with the image_builder image, cached under the digest of its context.
//!
//! Schema (`DockerImageSchema`, unknown fields refused):
//! * `name` (str, required): the image name (label `docker-image-<name>`).
//! * `parent` (str): the image this one builds `FROM`: adds dependency `parent` and
//!   `PARENT_TASK_ID` to the environment.
//! * `symbol` (str): Treeherder symbol (platform `taskcluster-images/opt`, kind other, tier 1).
//! * `task-from` (str): the file that defined it (set by the loader).
//! * `args` ({str: str}): Dockerfile arguments (`# %ARG`), also passed as `DOCKER_BUILD_ARGS`.
//! * `definition` (str): the directory under `taskcluster/docker/` (default: the name).
//! * `packages` ([str]): `packages-<p>` tasks (of kind `packages`) this image depends on.
//! * `index` (`IndexSchema`: product, job-name, type, rank): copied to the description.
//! * `cache` (bool, default true): add the `cache` entry (type `docker-images.v2`, digest data:
//!   context hash, args as sorted JSON, image_builder image) that cached_tasks turns into index
//!   routes and an optimization.
//!
//! Step `fill_template`: checks packages, hashes each context (see [`crate::util::docker`]; in
//! parallel, output in input order), and writes the description. With `--docker-contexts DIR`
//! (the decision task's `write_artifacts` mode) it also writes each context as
//! `DIR/<name>.tar.gz`, byte for byte what taskgraph's `create_context_tar` writes.

use crate::util::docker::{create_context_tar, generate_context_hash};
use crate::{task_error, TaskDict, TransformConfig};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::Path;
use tg_core::py::msgspec::{validate_struct, Field, StructDef, Ty, INDEX, OPT_STR};
use tg_core::py::value::python_str;
use tg_core::py::value::{truthy, type_name};

/// taskgraph's pinned image_builder image.
pub const IMAGE_BUILDER_IMAGE: &str =
    "mozillareleases/image_builder:6.2.0@sha256:f7df722770d6caadea79b2de458e072d8b3d93e59675b34dffb32c3e7e30f5b9";

/// `DockerImageSchema`.
const DOCKER_IMAGE_SCHEMA: StructDef = StructDef {
    fields: &[
        Field::req("name", Ty::Str),
        Field::opt("parent", OPT_STR),
        Field::opt("symbol", OPT_STR),
        Field::opt("task-from", OPT_STR),
        Field::opt("args", Ty::Union(&[Ty::Dict(&Ty::Str), Ty::Null])),
        Field::opt("definition", OPT_STR),
        Field::opt("packages", Ty::Union(&[Ty::List(&Ty::Str), Ty::Null])),
        Field::opt("index", Ty::Union(&[Ty::Struct(&INDEX), Ty::Null])),
        Field::opt("cache", Ty::Union(&[Ty::Bool, Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// The module's transform sequence: validate, then fill the template.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    use rayon::prelude::*;
    for task in &tasks {
        validate_struct(&DOCKER_IMAGE_SCHEMA, task, "$").map_err(|e| task_error(config, task, e))?;
    }
    let available = available_packages(config);
    let topsrcdir = config.graph_config.vcs_root();
    if let Some(dir) = config.docker_contexts {
        tg_core::files::create_dir_all(dir)
            .map_err(|e| tg_core::usage(format!("cannot create {}: {e}", dir.display())))?;
    }
    tasks.into_par_iter().map(|task| fill_template(config, &available, &topsrcdir, task)).collect()
}

/// Names of the `packages` kind's tasks (`packages-<name>` labels).
fn available_packages(config: &TransformConfig<'_>) -> BTreeSet<String> {
    config
        .kind_dependencies_tasks
        .values()
        .filter(|t| t.kind == "packages")
        .map(|t| t.label.replace("packages-", ""))
        .collect()
}

/// The image's settings, after taskgraph's `task.pop(...)` with defaults.
struct Image {
    name: String,
    symbol: Option<Value>,
    args: Map<String, Value>,
    definition: String,
    packages: Vec<String>,
    parent: Option<String>,
}

/// Read the settings; explicit nulls fail where taskgraph's code fails on `None`.
fn image_of(task: &TaskDict) -> Result<Image, String> {
    let name = python_str(task.get("name").unwrap_or(&Value::Null));
    let args = match task.get("args") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => return Err(format!("args: '{}' object does not support item assignment", type_name(other))),
    };
    let definition = match task.get("definition") {
        None => name.clone(),
        Some(Value::String(d)) => d.clone(),
        Some(other) => return Err(format!("definition: expected str, got {}", type_name(other))),
    };
    let packages = match task.get("packages") {
        None => Vec::new(),
        Some(Value::Array(p)) => p.iter().map(python_str).collect(),
        Some(other) => return Err(format!("packages: '{}' object is not iterable", type_name(other))),
    };
    Ok(Image {
        name,
        symbol: task.get("symbol").cloned(),
        args,
        definition,
        packages,
        parent: task.get("parent").filter(|v| truthy(v)).map(python_str),
    })
}

/// orjson-compatible compact JSON (taskgraph.util.json.dumps with orjson installed).
fn dumps(value: &Value, sort_keys: bool) -> String {
    if sort_keys {
        serde_json::to_string(&sorted(value)).unwrap_or_default()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}

/// A copy of `value` with every mapping's keys sorted.
fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&m[k]))).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// A parameter as a string (taskgraph reads `config.params[key]`; missing is a KeyError).
fn param(config: &TransformConfig<'_>, key: &str) -> Result<Value, String> {
    config.params.get(key).cloned().ok_or_else(|| format!("KeyError: parameter '{key}'"))
}

/// `fill_template` for one task.
fn fill_template(
    config: &TransformConfig<'_>,
    available: &BTreeSet<String>,
    topsrcdir: &Path,
    task: TaskDict,
) -> anyhow::Result<TaskDict> {
    let fail = |e: String| task_error(config, &task, e);
    let image = image_of(&task).map_err(fail)?;
    for p in &image.packages {
        if !available.contains(p) {
            return Err(fail(format!("Missing package job for {}-{}: {p}", config.kind, image.name)));
        }
    }

    let context_path = format!("taskcluster/docker/{}", image.definition);
    let args_value = task.get("args").filter(|v| !v.is_null()).map(|_| &image.args);
    let on_disk = |rel: &str| config.graph_config.repo_path_on_disk(rel);
    let context_hash = match config.docker_contexts {
        Some(dir) => {
            let file = dir.join(format!("{}.tar.gz", image.name));
            config.log.info(format!("Writing {} for docker image {}", file.display(), image.name));
            create_context_tar(topsrcdir, &context_path, &file, args_value, &on_disk)
        }
        None => generate_context_hash(topsrcdir, &context_path, args_value, &on_disk),
    }
    .map_err(|e| fail(format!("docker context {context_path}: {}", tg_core::cli::render_chain(&e))))?;
    let mut digest_data = vec![context_hash.clone(), dumps(&Value::Object(image.args.clone()), true)];

    let mut args = image.args.clone();
    let packages_arg: Vec<String> = image.packages.iter().map(|p| format!("<{p}>")).collect();
    args.insert("DOCKER_IMAGE_PACKAGES".into(), Value::String(packages_arg.join(" ")));

    let level = param(config, "level").map_err(fail)?;
    let level_str = python_str(&level);
    let level_int: i64 =
        level_str.trim().parse().map_err(|_| fail(format!("invalid literal for int(): '{level_str}'")))?;
    let zstd_level = if level_int == 1 { "3" } else { "10" };
    let expires = config.graph_config.get("task-expires-after").cloned().unwrap_or_else(|| json!("28 days"));
    let expires_after = if level == json!("1") { expires } else { json!("1 year") };

    let mut env = Map::new();
    env.insert("CONTEXT_TASK_ID".into(), json!({"task-reference": "<decision>"}));
    env.insert("CONTEXT_PATH".into(), json!(format!("public/docker-contexts/{}.tar.gz", image.name)));
    env.insert("HASH".into(), json!(context_hash));
    env.insert("PROJECT".into(), param(config, "project").map_err(fail)?);
    env.insert("IMAGE_NAME".into(), json!(image.name));
    env.insert("DOCKER_IMAGE_ZSTD_LEVEL".into(), json!(zstd_level));
    env.insert("DOCKER_BUILD_ARGS".into(), json!({"task-reference": dumps(&Value::Object(args), false)}));
    for (var, key) in [
        ("VCS_BASE_REPOSITORY", "base_repository"),
        ("VCS_HEAD_REPOSITORY", "head_repository"),
        ("VCS_HEAD_REV", "head_rev"),
        ("VCS_REPOSITORY_TYPE", "repository_type"),
    ] {
        env.insert(var.into(), param(config, key).map_err(fail)?);
    }

    let mut worker = Map::new();
    worker.insert("implementation".into(), json!("docker-worker"));
    worker.insert("os".into(), json!("linux"));
    worker.insert(
        "artifacts".into(),
        json!([{"type": "file", "path": "/workspace/out/image.tar.zst", "name": "public/image.tar.zst"}]),
    );
    worker.insert("env".into(), Value::Object(env));
    worker.insert("chain-of-trust".into(), json!(true));
    worker.insert("max-run-time".into(), json!(7200));
    worker.insert("docker-image".into(), json!(IMAGE_BUILDER_IMAGE));
    digest_data.push(format!("image-builder-image:{IMAGE_BUILDER_IMAGE}"));
    if image.parent.is_some() {
        if let Some(Value::Object(env)) = worker.get_mut("env") {
            env.insert("PARENT_TASK_ID".into(), json!({"task-reference": "<parent>"}));
        }
    }

    let mut desc = Map::new();
    desc.insert("label".into(), json!(format!("docker-image-{}", image.name)));
    desc.insert(
        "description".into(),
        json!(format!("Build the docker image {} for use by dependent tasks", image.name)),
    );
    desc.insert("attributes".into(), json!({"image_name": image.name, "artifact_prefix": "public"}));
    desc.insert("always-target".into(), json!(true));
    desc.insert("expires-after".into(), expires_after);
    desc.insert("scopes".into(), json!([]));
    desc.insert("run-on-projects".into(), json!([]));
    desc.insert("worker-type".into(), json!("images"));
    desc.insert("worker".into(), Value::Object(worker));
    if let Some(index) = task.get("index") {
        desc.insert("index".into(), index.clone());
    }
    if let Some(symbol) = image.symbol.as_ref().filter(|s| truthy(s)) {
        desc.insert(
            "treeherder".into(),
            json!({"symbol": symbol, "platform": "taskcluster-images/opt", "kind": "other", "tier": 1}),
        );
    }

    let mut dependencies = Map::new();
    let mut sorted_packages = image.packages.clone();
    sorted_packages.sort();
    for p in &sorted_packages {
        dependencies.insert(p.clone(), json!(format!("packages-{p}")));
    }
    if let Some(parent) = &image.parent {
        dependencies.insert("parent".into(), json!(format!("docker-image-{parent}")));
    }
    if !dependencies.is_empty() {
        desc.insert("dependencies".into(), Value::Object(dependencies));
    }

    let cache = task.get("cache").is_none_or(truthy);
    if cache {
        desc.insert(
            "cache".into(),
            json!({"type": "docker-images.v2", "name": image.name, "digest-data": digest_data}),
        );
    }
    Ok(desc)
}
