//! Parameters as tg-resolve reads them: taskgraph's base parameters, plus `message` (the commit
//! message the `try_syntax` method parses; not a base parameter, so tg-resolve accepts it by
//! name), plus overrides from the command line.
//!
//! Any other parameter the base schema does not know is an error naming it and the
//! `--allow-unknown-parameters` flag (which projects that extend the schema pass).

use serde_json::Value;
use tg_core::cli::{CommonArgs, StageContext};
use tg_core::error::bad_input;
use tg_core::params::Parameters;

/// Parameters tg-resolve accepts besides taskgraph's base schema.
pub const EXTRA_PARAMETERS: &[&str] = &["message"];

/// Command-line overrides of parameters.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--message`: sets `message`.
    pub message: Option<String>,
    /// `--target-kind` (repeatable): sets `target-kinds`.
    pub target_kinds: Vec<String>,
    /// `--target-tasks-method`: sets `target_tasks_method`.
    pub target_tasks_method: Option<String>,
}

/// Load config.yml and the parameters, check unknown parameters, apply overrides.
pub fn load_context(common: &CommonArgs, allow_unknown: bool, overrides: &Overrides) -> anyhow::Result<StageContext> {
    let mut ctx = StageContext::load(common, true)?;
    let source = common.parameters.as_ref().map_or("<defaults>".into(), |p| p.display().to_string());
    if !allow_unknown {
        let mut without_extras = ctx.parameters.values.clone();
        for key in EXTRA_PARAMETERS {
            without_extras.remove(*key);
        }
        Parameters::from_map(without_extras).check(false).map_err(|msg| {
            bad_input(format!(
                "{source}: invalid parameters: {msg} (pass --allow-unknown-parameters to accept parameters a project adds)"
            ))
        })?;
    }
    apply_overrides(&mut ctx.parameters, overrides);
    check_resolve_parameters(&ctx.parameters)
        .map_err(|msg| bad_input(format!("{source}: invalid parameters: {msg}")))?;
    Ok(ctx)
}

/// Put the command-line overrides into the parameters.
pub fn apply_overrides(parameters: &mut Parameters, overrides: &Overrides) {
    if let Some(m) = &overrides.message {
        parameters.values.insert("message".into(), Value::String(m.clone()));
    }
    if !overrides.target_kinds.is_empty() {
        let kinds = overrides.target_kinds.iter().cloned().map(Value::String).collect();
        parameters.values.insert("target-kinds".into(), Value::Array(kinds));
    }
    if let Some(m) = &overrides.target_tasks_method {
        parameters.values.insert("target_tasks_method".into(), Value::String(m.clone()));
    }
}

/// Types of the parameters only tg-resolve reads.
fn check_resolve_parameters(parameters: &Parameters) -> Result<(), String> {
    if let Some(v) = parameters.get("message") {
        if !v.is_string() {
            return Err(format!("message: expected a string, got {}", tg_core::config::type_name(v)));
        }
    }
    if let Some(v) = parameters.get("target-kinds") {
        crate::pyish::string_list(v).map_err(|e| format!("target-kinds: {e}"))?;
    }
    Ok(())
}

/// `target-kinds`, or nothing.
pub fn target_kinds(parameters: &Parameters) -> Vec<String> {
    parameters
        .get("target-kinds")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}
