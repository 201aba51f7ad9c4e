//! The decision task's parameters, built as taskgraph 24.5.1's `get_decision_parameters` builds
//! them: the flags, the checkout's commit message and changed files, fixed values, dates, the
//! per-project defaults, `DONTBUILD`, the graph config's `decision-parameters` hook (in the
//! Python worker), `try_task_config.json` or the `refs/notes/decision-parameters` git note when
//! overrides are allowed, then taskgraph's strict check. No defaults are filled in: what the
//! decision does not set is not a parameter, exactly as in taskgraph.

use crate::options::DecisionOptions;
use crate::vcs::Repository;
use serde_json::{json, Map, Value};
use std::path::Path;
use tg_core::cli::Log;
use tg_core::error::{bad_input, usage};

/// Where the git note with parameter overrides lives.
const NOTE_REF: &str = "refs/notes/decision-parameters";

/// What the Python worker does for the parameters, when the project needs it.
pub trait ProjectHooks {
    /// Run the graph config's `decision-parameters` function on the raw parameters.
    fn decision_hook(&mut self, parameters: &Map<String, Value>) -> anyhow::Result<Map<String, Value>>;
    /// taskgraph's strict check, with the project's schema extensions.
    fn check(&mut self, parameters: &Map<String, Value>) -> anyhow::Result<()>;
}

/// The parameters of a decision run from `checkout` (the working directory), at time `now`
/// (Unix seconds, for `--pushdate 0`).
pub fn decision_parameters(
    opts: &DecisionOptions,
    checkout: &Path,
    graph_config: &Value,
    hooks: Option<&mut dyn ProjectHooks>,
    now: i64,
    log: &Log,
) -> anyhow::Result<Map<String, Value>> {
    let repo = Repository::find(checkout)?;
    let commit_message = repo.commit_message()?;
    let mut p = from_options(opts);
    p.insert("files_changed".into(), json!(repo.changed_files(&opts.head_rev, &opts.base_rev)?));
    insert_fixed_values(&mut p, checkout);
    fix_owner(&mut p, &opts.owner);
    insert_dates(&mut p, opts.pushdate, now);
    if opts.project != "default" {
        log.warn(format!(
            "using default project parameters; add {} to PER_PROJECT_PARAMETERS to customize behavior for this project",
            opts.project
        ));
    }
    p.insert("target_tasks_method".into(), json!(target_tasks_method(opts, &commit_message)));
    let mut hooks = hooks;
    if let Some(h) = hooks.as_deref_mut() {
        if graph_config.pointer("/taskgraph/decision-parameters").is_some() {
            p = h.decision_hook(&p)?;
        }
    }
    if opts.allow_parameter_override {
        apply_overrides(&mut p, opts, checkout, &repo, log)?;
    }
    match hooks {
        Some(h) => h.check(&p)?,
        None => check_natively(&p)?,
    }
    Ok(p)
}

/// The parameters the flags give, with their types (`pushdate` an integer, the rest strings;
/// an absent `--target-tasks-method` is `null` until the project defaults replace it).
fn from_options(o: &DecisionOptions) -> Map<String, Value> {
    let mut p = Map::new();
    for (name, value) in [
        ("base_repository", json!(o.base_repository)),
        ("base_ref", json!(o.base_ref)),
        ("base_rev", json!(o.base_rev)),
        ("head_repository", json!(o.head_repository)),
        ("head_rev", json!(o.head_rev)),
        ("head_ref", json!(o.head_ref)),
        ("head_tag", json!(o.head_tag)),
        ("project", json!(o.project)),
        ("pushlog_id", json!(o.pushlog_id)),
        ("pushdate", json!(o.pushdate)),
        ("repository_type", json!(o.repository_type)),
        ("owner", json!(o.owner)),
        ("level", json!(o.level)),
        ("target_tasks_method", json!(o.target_tasks_method)),
        ("tasks_for", json!(o.tasks_for)),
    ] {
        p.insert(name.to_string(), value);
    }
    p
}

/// The values every decision sets the same way, and `version` from `version.txt`.
fn insert_fixed_values(p: &mut Map<String, Value>, checkout: &Path) {
    p.insert("filters".into(), json!(["target_tasks_method"]));
    p.insert("optimize_strategies".into(), Value::Null);
    p.insert("optimize_target_tasks".into(), json!(true));
    p.insert("existing_tasks".into(), json!({}));
    p.insert("do_not_optimize".into(), json!([]));
    p.insert("enable_always_target".into(), json!(true));
    p.insert("build_number".into(), json!(1));
    p.insert("version".into(), version_of(checkout));
    p.insert("next_version".into(), Value::Null);
}

/// The first line of `version.txt` without trailing whitespace, or `null` without the file.
fn version_of(checkout: &Path) -> Value {
    match std::fs::read_to_string(checkout.join("version.txt")) {
        Ok(text) => json!(text.split_inclusive('\n').next().unwrap_or_default().trim_end()),
        Err(_) => Value::Null,
    }
}

/// `owner` must be an email: one without `@` gets `@noreply.mozilla.org`.
fn fix_owner(p: &mut Map<String, Value>, owner: &str) {
    if !owner.contains('@') {
        p.insert("owner".into(), json!(format!("{owner}@noreply.mozilla.org")));
    }
}

/// `build_date` is the push date, or now when it is 0; `moz_build_date` its UTC
/// `%Y%m%d%H%M%S`.
fn insert_dates(p: &mut Map<String, Value>, pushdate: i64, now: i64) {
    let build_date = if pushdate != 0 { pushdate } else { now };
    p.insert("build_date".into(), json!(build_date));
    p.insert("moz_build_date".into(), json!(tg_core::params::format_build_date(build_date)));
}

/// The project default (`default`), the flag over it, and `nothing` for a push whose commit
/// message says `DONTBUILD`.
fn target_tasks_method(o: &DecisionOptions, commit_message: &str) -> String {
    if commit_message.contains("DONTBUILD") && matches!(o.tasks_for.as_str(), "hg-push" | "github-push") {
        return "nothing".into();
    }
    match &o.target_tasks_method {
        Some(m) if !m.is_empty() => m.clone(),
        _ => "default".into(),
    }
}

/// `--allow-parameter-override`: `try_task_config.json` (or `--try-task-config-file`) when it
/// exists, else the git note of HEAD fetched from the head repository.
fn apply_overrides(
    p: &mut Map<String, Value>,
    opts: &DecisionOptions,
    checkout: &Path,
    repo: &Repository,
    log: &Log,
) -> anyhow::Result<()> {
    let file = match &opts.try_task_config_file {
        Some(f) => std::path::absolute(f).unwrap_or_else(|_| f.clone()),
        None => checkout.join("try_task_config.json"),
    };
    if file.is_file() {
        log.info(format!("using try tasks from {}", file.display()));
        return apply_try_config(p, &file);
    }
    let head_repository = p.get("head_repository").and_then(Value::as_str).unwrap_or_default().to_string();
    let Some(note) = repo.note(NOTE_REF, &head_repository)? else { return Ok(()) };
    let overrides: Map<String, Value> =
        serde_json::from_str(&note).map_err(|e| bad_input(format!("Failed to parse {NOTE_REF} as JSON: {e}")))?;
    log.info(format!("Overriding parameters from {NOTE_REF}: {}", Value::Object(overrides.clone())));
    p.extend(overrides);
    Ok(())
}

/// A version 2 `try_task_config.json`: `{"version": 2, "parameters": {...}}` and nothing else.
fn apply_try_config(p: &mut Map<String, Value>, file: &Path) -> anyhow::Result<()> {
    let name = file.display();
    let text = std::fs::read_to_string(file).map_err(|e| usage(format!("cannot read {name}: {e}")))?;
    let mut config: Map<String, Value> =
        serde_json::from_str(&text).map_err(|e| bad_input(format!("{name}: not a JSON object: {e}")))?;
    let version = config.remove("version").ok_or_else(|| bad_input(format!("{name}: KeyError: 'version'")))?;
    if version != json!(2) {
        return Err(bad_input(format!("{name}: Unknown `try_task_config.json` version: {version}")));
    }
    if let Some(unknown) = config.keys().find(|k| *k != "parameters") {
        return Err(bad_input(format!("{name}: Invalid v2 `try_task_config.json`: unknown field `{unknown}`")));
    }
    match config.remove("parameters") {
        Some(Value::Object(overrides)) => p.extend(overrides),
        Some(Value::Null) | None => {
            return Err(bad_input(format!("{name}: `parameters` must be an object to override parameters")))
        }
        Some(other) => return Err(bad_input(format!("{name}: parameters: expected an object, got {other}"))),
    }
    Ok(())
}

/// taskgraph's strict check without project extensions: base types, no unknown parameters.
fn check_natively(p: &Map<String, Value>) -> anyhow::Result<()> {
    tg_core::params::Parameters::from_map(p.clone())
        .check(false)
        .map_err(|e| bad_input(format!("Invalid parameters: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owner_without_at_gets_the_noreply_domain() {
        let mut p = Map::new();
        fix_owner(&mut p, "ffxbld");
        assert_eq!(p["owner"], json!("ffxbld@noreply.mozilla.org"));
    }

    #[test]
    fn dates_come_from_the_pushdate_else_now() {
        let mut p = Map::new();
        insert_dates(&mut p, 1_700_000_000, 5);
        // time.strftime("%Y%m%d%H%M%S", time.gmtime(1700000000))
        assert_eq!(
            (p["build_date"].clone(), p["moz_build_date"].clone()),
            (json!(1_700_000_000), json!("20231114221320"))
        );
        insert_dates(&mut p, 0, 86_400);
        assert_eq!(p["moz_build_date"], json!("19700102000000"));
    }
}
