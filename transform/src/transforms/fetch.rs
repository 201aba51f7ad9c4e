//! taskgraph.transforms.fetch: tasks that download remote content (a URL, or a git revision)
//! and re-export it as an artifact. Each becomes a run-task task on the `images` worker running
//! `fetch-content` in the `fetch` docker image, cached under a digest of what it fetches
//! (cache type `content.v1`).
//!
//! Fetch types ([`fetch_builder`]): `static-url` (url, sha256, size; optional artifact-name,
//! strip-components, add-prefix, headers; gpg-signature cannot work in taskgraph 24.5.1, which
//! lacks the `taskgraph.GECKO` it reads) and `git` (repo, revision; optional path-prefix,
//! artifact-name, include-dot-git, ssh-key).

use crate::util::cached_tasks::{add_optimization, python_truthy};
use crate::util::treeherder::join_symbol;
use crate::{task_error, TaskDict, TransformConfig};
use rayon::prelude::*;
use serde_json::{json, Map, Value};
use tg_core::py::format::format as py_format;
use tg_core::py::msgspec::{self, Field, StructDef, Ty, OPT_BOOL, OPT_INT, OPT_STR};
use tg_core::py::path as pypath;
use tg_core::py::re::python_match;
use tg_core::py::value::python_str;

/// Cache type of fetch tasks.
const CACHE_TYPE: &str = "content.v1";

/// `fetch`: `type` (str) selects the builder, whose schema checks the other keys.
const FETCH_SUB: StructDef =
    StructDef { fields: &[Field::req("type", Ty::Str)], forbid_unknown: false, post_init: None };

/// taskgraph's `FetchSchema` (no other keys).
pub const FETCH_SCHEMA: StructDef = StructDef {
    fields: &[
        // Name of the task (label `fetch-<name>`).
        Field::req("name", Ty::Str),
        // Description of the task.
        Field::req("description", Ty::Str),
        // The fetch configuration.
        Field::req("fetch", Ty::Struct(&FETCH_SUB)),
        // File the task was defined in, relative to the kind directory.
        Field::opt("task-from", OPT_STR),
        // Expiry (default: 1000 years at level 3, else `task-expires-after` or 28 days).
        Field::opt("expires-after", OPT_STR),
        // Docker image to run in (default: in-tree `fetch`).
        Field::opt("docker-image", Ty::Any),
        // Another name for this fetch in `fetches` stanzas.
        Field::opt("fetch-alias", OPT_STR),
        // Artifact prefix (default `public`; others need scopes to read).
        Field::opt("artifact-prefix", OPT_STR),
        // Attributes of the task.
        Field::opt("attributes", Ty::Union(&[Ty::Dict(&Ty::Any), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};

/// `gpg-signature` of a static-url fetch: `sig-url` (may contain `{url}`), `key-path`.
const GPG_SIGNATURE: StructDef = StructDef {
    fields: &[Field::req("sig-url", Ty::Str), Field::req("key-path", Ty::Str)],
    forbid_unknown: true,
    post_init: None,
};

/// taskgraph's `StaticUrlFetchSchema` (unknown keys pass).
const STATIC_URL: StructDef = StructDef {
    fields: &[
        Field::req("type", Ty::Literal(&["static-url"])),
        // The URL to download.
        Field::req("url", Ty::Str),
        // SHA-256 of the downloaded content.
        Field::req("sha256", Ty::Str),
        // Size in bytes.
        Field::req("size", Ty::Int),
        // GPG signature verification.
        Field::opt("gpg-signature", Ty::Union(&[Ty::Struct(&GPG_SIGNATURE), Ty::Null])),
        // Artifact name (default: the URL's last component); `.tar.zst` converts archives.
        Field::opt("artifact-name", OPT_STR),
        // Leading path components to strip from archive entries.
        Field::opt("strip-components", OPT_INT),
        // Prefix added to archive entries.
        Field::opt("add-prefix", OPT_STR),
        // HTTP headers of the request.
        Field::opt("headers", Ty::Union(&[Ty::Dict(&Ty::Str), Ty::Null])),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// taskgraph's `GitFetchSchema` (unknown keys pass).
const GIT: StructDef = StructDef {
    fields: &[
        Field::req("type", Ty::Literal(&["git"])),
        Field::req("repo", Ty::Str),
        Field::req("revision", Ty::Str),
        // Keep the .git directory in the archive.
        Field::opt("include-dot-git", OPT_BOOL),
        Field::opt("artifact-name", OPT_STR),
        // Directory inside the archive (default: the repository's name).
        Field::opt("path-prefix", OPT_STR),
        // Taskcluster secret holding an ssh key (`ssh_privkey`) for private repositories.
        Field::opt("ssh-key", OPT_STR),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// What a fetch builder produces for `make_task`.
struct Built {
    command: Vec<String>,
    artifact_name: String,
    env: Map<String, Value>,
    digest_data: Vec<String>,
    secret: Option<String>,
}

type Builder = fn(&str, &Map<String, Value>) -> Result<Built, String>;

/// The schema and builder of a fetch type.
fn fetch_builder(typ: &str) -> Option<(&'static StructDef, Builder)> {
    match typ {
        "static-url" => Some((&STATIC_URL, create_fetch_url_task)),
        "git" => Some((&GIT, create_git_fetch_task)),
        _ => None,
    }
}

/// The transform sequence: validate, `process_fetch_task`, `make_task`.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    crate::transforms::run::first_error_in_order(tasks.into_par_iter().map(|task| fetch_task(config, task)))
}

/// All steps for one task.
fn fetch_task(config: &TransformConfig<'_>, mut task: TaskDict) -> anyhow::Result<TaskDict> {
    msgspec::validate_struct(&FETCH_SCHEMA, &task, "$").map_err(|e| task_error(config, &task, e))?;
    let name = task.get("name").map(python_str).unwrap_or_default();
    let fetch = match task.shift_remove("fetch") {
        Some(Value::Object(f)) => f,
        _ => return Err(task_error(config, &task, "fetch: expected a mapping")),
    };
    let typ = fetch.get("type").map(python_str).unwrap_or_default();
    let Some((schema, builder)) = fetch_builder(&typ) else {
        return Err(task_error(config, &task, format!("Unknown fetch type {typ} in fetch {name}")));
    };
    msgspec::validate_struct(schema, &fetch, "$")
        .map_err(|e| task_error(config, &task, format!("In task.fetch '{name}': {e}")))?;
    let built = builder(&name, &fetch).map_err(|e| task_error(config, &task, e))?;
    make_task(config, &task, built)
}

/// taskgraph's `create_fetch_url_task`.
fn create_fetch_url_task(name: &str, fetch: &Map<String, Value>) -> Result<Built, String> {
    let url = fetch.get("url").map(python_str).unwrap_or_default();
    let artifact_name = match fetch.get("artifact-name").filter(|v| python_truthy(v)) {
        Some(v) => python_str(v),
        None => url.rsplit('/').next().unwrap_or_default().to_string(),
    };
    let mut command: Vec<String> = vec!["fetch-content".into(), "static-url".into()];

    // Arguments that matter to the cache digest.
    let mut args: Vec<String> = vec![
        "--sha256".into(),
        fetch.get("sha256").map(python_str).unwrap_or_default(),
        "--size".into(),
        fetch.get("size").map(python_str).unwrap_or_default(),
    ];
    if let Some(strip) = fetch.get("strip-components").filter(|v| python_truthy(v)) {
        args.extend(["--strip-components".into(), python_str(strip)]);
    }
    if let Some(prefix) = fetch.get("add-prefix").filter(|v| python_truthy(v)) {
        args.extend(["--add-prefix".into(), python_str(prefix)]);
    }
    command.extend(args.iter().cloned());

    if let Some(gpg) = fetch.get("gpg-signature") {
        let sig_url = gpg.get("sig-url").and_then(Value::as_str).unwrap_or_default();
        let mut fields = Map::new();
        fields.insert("url".into(), Value::String(url.clone()));
        py_format(sig_url, &fields).map_err(|e| format!("In task.fetch '{name}': gpg-signature.sig-url: {e}"))?;
        return Err(format!(
            "fetch {name}: gpg-signature: AttributeError: module 'taskgraph' has no attribute 'GECKO' \
             (taskgraph 24.5.1 cannot read the key file)"
        ));
    }

    if let Some(headers) = fetch.get("headers") {
        let Value::Object(headers) = headers else {
            return Err(format!("fetch {name}: headers: 'NoneType' object has no attribute 'items'"));
        };
        for (k, v) in headers {
            command.extend(["-H".into(), format!("{k}:{}", python_str(v))]);
        }
    }
    command.extend([url, format!("/builds/worker/artifacts/{artifact_name}")]);

    // The GPG signature stays out of the digest: it only adds trust to what sha256 checks.
    let mut digest_data = args;
    digest_data.push(artifact_name.clone());
    Ok(Built { command, artifact_name, env: Map::new(), digest_data, secret: None })
}

/// taskgraph's `create_git_fetch_task`.
fn create_git_fetch_task(name: &str, fetch: &Map<String, Value>) -> Result<Built, String> {
    let repo = fetch.get("repo").map(python_str).unwrap_or_default();
    let path_prefix = match fetch.get("path-prefix").filter(|v| python_truthy(v)) {
        Some(v) => python_str(v),
        None => repo.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_string(),
    };
    let artifact_name = match fetch.get("artifact-name").filter(|v| python_truthy(v)) {
        Some(v) => python_str(v),
        None => format!("{path_prefix}.tar.zst"),
    };
    let revision = fetch.get("revision").map(python_str).unwrap_or_default();
    if !python_match("[0-9a-fA-F]{40}", &revision) {
        return Err(format!("Revision is not a sha1 in fetch task \"{name}\""));
    }
    let mut command: Vec<String> = vec![
        "fetch-content".into(),
        "git-checkout-archive".into(),
        "--path-prefix".into(),
        path_prefix.clone(),
        repo,
        revision.clone(),
        format!("/builds/worker/artifacts/{artifact_name}"),
    ];
    let ssh_key = fetch.get("ssh-key").filter(|v| python_truthy(v)).map(python_str);
    if let Some(key) = &ssh_key {
        command.extend(["--ssh-key-secret".into(), key.clone()]);
    }
    let mut digest_data = vec![revision, path_prefix, artifact_name.clone()];
    if fetch.get("include-dot-git").is_some_and(python_truthy) {
        command.push("--include-dot-git".into());
        digest_data.push(".git".into());
    }
    Ok(Built { command, artifact_name, env: Map::new(), digest_data, secret: ssh_key })
}

/// The default expiry of fetch tasks: effectively forever at level 3.
fn default_expires(config: &TransformConfig<'_>) -> Value {
    if config.params.get("level").and_then(Value::as_str) == Some("3") {
        json!("1000 years")
    } else {
        config.graph_config.get("task-expires-after").cloned().unwrap_or_else(|| json!("28 days"))
    }
}

/// taskgraph's `make_task`: the run description of a fetch task.
fn make_task(config: &TransformConfig<'_>, task: &TaskDict, built: Built) -> anyhow::Result<TaskDict> {
    let name = task.get("name").map(python_str).unwrap_or_default();
    let artifact_prefix = match task.get("artifact-prefix") {
        None => "public".to_string(),
        Some(Value::String(p)) => p.clone(),
        Some(other) => {
            return Err(task_error(config, task, format!("artifact-prefix: expected a string, got {other}")))
        }
    };
    let mut env = built.env;
    env.insert("UPLOAD_DIR".into(), json!("/builds/worker/artifacts"));
    let mut attributes = match task.get("attributes") {
        None => Map::new(),
        Some(Value::Object(a)) => a.clone(),
        Some(other) => return Err(task_error(config, task, format!("attributes: expected a mapping, got {other}"))),
    };
    attributes.insert("fetch-artifact".into(), Value::String(pypath::join(&[&artifact_prefix, &built.artifact_name])));
    if let Some(alias) = task.get("fetch-alias").filter(|v| python_truthy(v)) {
        attributes.insert("fetch-alias".into(), alias.clone());
    }

    let label = format!("fetch-{name}");
    let mut desc = Map::new();
    desc.insert("attributes".into(), Value::Object(attributes));
    desc.insert("name".into(), Value::String(name.clone()));
    desc.insert("description".into(), task.get("description").cloned().unwrap_or(Value::Null));
    desc.insert("expires-after".into(), task.get("expires-after").cloned().unwrap_or_else(|| default_expires(config)));
    desc.insert("label".into(), Value::String(label.clone()));
    desc.insert("run-on-projects".into(), json!([]));
    desc.insert("run".into(), json!({"using": "run-task", "checkout": false, "command": built.command}));
    desc.insert("worker-type".into(), json!("images"));
    desc.insert(
        "worker".into(),
        json!({
            "chain-of-trust": true,
            "docker-image": task.get("docker-image").cloned().unwrap_or_else(|| json!({"in-tree": "fetch"})),
            "env": env,
            "max-run-time": 900,
            "artifacts": [{"type": "directory", "name": artifact_prefix, "path": "/builds/worker/artifacts"}],
        }),
    );
    if config.graph_config.get("treeherder").is_some() {
        desc.insert(
            "treeherder".into(),
            json!({"symbol": join_symbol("Fetch", &name), "kind": "build", "platform": "fetch/opt", "tier": 1}),
        );
    }
    if let Some(secret) = &built.secret {
        desc.insert("scopes".into(), json!([format!("secrets:get:{secret}")]));
        if let Some(Value::Object(worker)) = desc.get_mut("worker") {
            worker.insert("taskcluster-proxy".into(), Value::Bool(true));
        }
    }

    // The level enters the index path through add_optimization.
    let cache_name = label.replacen(&format!("{}-", config.kind), "", 1);
    add_optimization(config, &mut desc, CACHE_TYPE, &cache_name, None, Some(&built.digest_data))
        .map_err(|e| task_error(config, task, e))?;
    Ok(desc)
}
