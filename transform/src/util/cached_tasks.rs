//! Cached tasks (taskgraph/util/cached_tasks.py): a task whose output depends only on a digest
//! of its inputs is indexed under that digest, and the optimizer replaces it by an earlier task
//! found at one of those index paths.
//!
//! [`add_optimization`] adds to a task description:
//! - `optimization: {index-search: [...]}`: the digest's index path at every level from 3 down
//!   to the current one (plus the pull-request path for PR pushes when
//!   `taskgraph.cache-pull-requests` is not false);
//! - `routes`: `index.<path>` at the current level (or the PR path on PR pushes), plus the
//!   `latest` and `pushdate` routes for humans on other pushes;
//! - `attributes.cached_task`: `{type, name, digest}`.

use crate::TransformConfig;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// `<prefix>.cache.level-<level>.<type>.<name>.hash.<digest>`
fn target_cache_index(prefix: &str, level: &str, cache_type: &str, name: &str, digest: &str) -> String {
    format!("{prefix}.cache.level-{level}.{cache_type}.{name}.hash.{digest}")
}

/// `<prefix>.cache.pr.<type>.<name>.hash.<digest>`
fn target_pr_cache_index(prefix: &str, cache_type: &str, name: &str, digest: &str) -> String {
    format!("{prefix}.cache.pr.{cache_type}.{name}.hash.{digest}")
}

/// The digest of `digest_data`: sha256 of the entries joined by newlines, in hex.
pub fn digest_of(digest_data: &[String]) -> String {
    hex::encode(Sha256::digest(digest_data.join("\n").as_bytes()))
}

/// `type/name/digest`: how a cached task's digest enters its dependents' digests
/// (taskgraph.transforms.cached_tasks.format_task_digest).
pub fn format_task_digest(cached_task: &Value) -> Option<String> {
    let part = |k: &str| cached_task.get(k).map(tg_core::py::value::python_str);
    Some(format!("{}/{}/{}", part("type")?, part("name")?, part("digest")?))
}

/// `taskgraph.cached-task-prefix`, else the trust domain.
fn cache_prefix(config: &TransformConfig<'_>) -> String {
    match config.graph_config.taskgraph_key("cached-task-prefix") {
        Some(v) => tg_core::py::value::python_str(v),
        None => tg_core::py::value::python_str(config.graph_config.get("trust-domain").unwrap_or(&Value::Null)),
    }
}

/// `taskgraph.cache-pull-requests` (default true), read for its truth value as Python does.
fn cache_pull_requests(config: &TransformConfig<'_>) -> bool {
    config.graph_config.taskgraph_key("cache-pull-requests").is_none_or(python_truthy)
}

pub use tg_core::py::truthy as python_truthy;

/// `time.strftime("%Y.%m.%d.%Y%m%d%H%M%S", time.gmtime(build_date))`.
fn build_date_long(build_date: i64) -> String {
    let days = build_date.div_euclid(86_400);
    let rem = build_date.rem_euclid(86_400);
    let (y, m, d) = tg_core::time::civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    format!("{y:04}.{m:02}.{d:02}.{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}")
}

/// The `build_date` parameter as whole seconds (gmtime truncates floats).
fn build_date_param(config: &TransformConfig<'_>) -> Result<i64, String> {
    match config.params.get("build_date") {
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64))
            .ok_or_else(|| format!("parameter build_date: not a time: {n}")),
        other => Err(format!(
            "parameter build_date: expected a number, got {}",
            other.map_or("nothing".into(), |v| v.to_string())
        )),
    }
}

/// The `level` parameter as text and as the integer `int(level)` gives.
fn level_param(config: &TransformConfig<'_>) -> Result<(String, i64), String> {
    let text = match config.params.get("level") {
        Some(v) => tg_core::py::value::python_str(v),
        None => return Err("parameter level: missing".into()),
    };
    let n = text
        .trim()
        .parse::<i64>()
        .map_err(|_| format!("parameter level: invalid literal for int() with base 10: '{text}'"))?;
    Ok((text, n))
}

/// taskgraph's `add_optimization(config, taskdesc, cache_type, cache_name, digest=None,
/// digest_data=None)`: exactly one of `digest` and `digest_data` must be given.
/// Errors are plain messages; callers add the kind and task.
pub fn add_optimization(
    config: &TransformConfig<'_>,
    taskdesc: &mut Map<String, Value>,
    cache_type: &str,
    cache_name: &str,
    digest: Option<&str>,
    digest_data: Option<&[String]>,
) -> Result<(), String> {
    let digest = match (digest, digest_data) {
        (Some(d), None) => d.to_string(),
        (None, Some(data)) => digest_of(data),
        _ => return Err("Must pass exactly one of `digest` and `digest_data`.".into()),
    };
    let prefix = cache_prefix(config);
    let (level, min_level) = level_param(config)?;

    // Look for a cached result at every level from 3 down to the current one.
    let mut index_routes: Vec<Value> = (min_level..4)
        .rev()
        .map(|l| Value::String(target_cache_index(&prefix, &l.to_string(), cache_type, cache_name, &digest)))
        .collect();

    let tasks_for = config.params.str("tasks_for");
    let cache_prs = cache_pull_requests(config);
    if matches!(tasks_for, "github-pull-request" | "github-issue-comment") && cache_prs {
        index_routes.push(Value::String(target_pr_cache_index(&prefix, cache_type, cache_name, &digest)));
    }
    taskdesc.insert("optimization".into(), json!({ "index-search": index_routes }));

    // ... and index the result at the current level (or the PR namespace).
    let mut new_routes = Vec::new();
    if tasks_for.starts_with("github-pull-request") || tasks_for == "github-issue-comment" {
        if cache_prs {
            new_routes.push(format!("index.{}", target_pr_cache_index(&prefix, cache_type, cache_name, &digest)));
        }
    } else {
        new_routes.push(format!("index.{}", target_cache_index(&prefix, &level, cache_type, cache_name, &digest)));
        let date = build_date_long(build_date_param(config)?);
        new_routes.push(format!("index.{prefix}.cache.level-{level}.{cache_type}.{cache_name}.latest"));
        new_routes.push(format!("index.{prefix}.cache.level-{level}.{cache_type}.{cache_name}.pushdate.{date}"));
    }
    append_routes(taskdesc, new_routes)?;

    let attributes = match taskdesc.get_mut("attributes") {
        Some(Value::Object(m)) => m,
        _ => return Err("attributes: KeyError: 'attributes' (a cached task needs an attributes mapping)".into()),
    };
    attributes.insert("cached_task".into(), json!({ "type": cache_type, "name": cache_name, "digest": digest }));
    Ok(())
}

/// `taskdesc.setdefault("routes", []).extend(routes)` (nothing is created when the PR namespace
/// is disabled, as in Python where `setdefault` is never reached).
fn append_routes(taskdesc: &mut Map<String, Value>, routes: Vec<String>) -> Result<(), String> {
    if routes.is_empty() {
        return Ok(());
    }
    let slot = taskdesc.entry("routes").or_insert_with(|| Value::Array(Vec::new()));
    match slot {
        Value::Array(list) => {
            list.extend(routes.into_iter().map(Value::String));
            Ok(())
        }
        other => Err(format!("routes: expected a list, got {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_date_long_matches_strftime() {
        // python3 -c 'import time; print(time.strftime("%Y.%m.%d.%Y%m%d%H%M%S", time.gmtime(T)))'
        assert_eq!(build_date_long(1767225600), "2026.01.01.20260101000000");
        assert_eq!(build_date_long(1700000000), "2023.11.14.20231114221320");
    }

    #[test]
    fn digest_matches_hashlib() {
        // hashlib.sha256("\n".join(["a", "b"]).encode()).hexdigest()
        assert_eq!(
            digest_of(&["a".into(), "b".into()]),
            "7e18f737311b2dc3b2f269dd78396b0351f14fb66efa879f768cb23181883c78"
        );
    }

    #[test]
    fn truthiness() {
        assert!(!python_truthy(&json!(0)));
        assert!(!python_truthy(&json!("")));
        assert!(python_truthy(&json!("false")));
        assert!(!python_truthy(&json!(false)));
    }
}
