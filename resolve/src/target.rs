//! The target task set: taskgraph's filters (`taskgraph/filter_tasks.py`) and target task
//! methods (`taskgraph/target_tasks.py`), plus the try-syntax method of legacy Firefox.
//!
//! The `filters` parameter lists filters applied one after the other, each to what the previous
//! one kept (an empty list means `[target_tasks_method]`). The only built-in filter,
//! `target_tasks_method`, runs the method named by the `target_tasks_method` parameter:
//!
//! | method | selects |
//! |---|---|
//! | `default` | tasks passing the standard filter: not `cron`, `shipping_phase` unset or `build`, `run_on_projects` matching `project`, `run_on_tasks_for` matching `tasks_for`, `run_on_git_branches` matching `head_ref` (git only, not for pull requests) |
//! | `codereview` | the `default` tasks with a true `code-review` attribute |
//! | `nothing` | nothing (only `always_target` tasks and their dependencies remain) |
//! | `try_syntax` (alias `try_option_syntax`) | what the `message` parameter's `try:` line asks for, see [`crate::try_syntax`] |
//!
//! Methods and filters that projects register in Python (`@register_target_task`,
//! `@filter_task`, from the `taskgraph.register` hook) run in the project's Python worker
//! ([`tg_bridge`]), started when a name is not built in. A built-in name runs natively unless the
//! hook replaced it (`@register_target_task("default")`): the worker is started to find out only
//! when a project Python file may do that ([`tg_bridge::detect`]), so a data-only checkout, without
//! the project's Python, still resolves. The worker gets the current target set as a `TaskGraph`
//! and these parameters.
//! Without a register hook, an unknown name is an error that lists the built-in names.

use crate::pyish::{string_list, truthy};
use crate::try_syntax::{self, TryOptionSyntax};
use serde_json::Value;
use tg_bridge::{TargetFunction, Worker, WorkerOptions};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::error::bad_input;
use tg_core::params::Parameters;
use tg_core::py::re::match_regex;
use tg_core::quote::capped;
use tg_core::task::Task;

/// Built-in target task methods, sorted.
pub const TARGET_TASK_METHODS: &[&str] = &["codereview", "default", "nothing", "try_option_syntax", "try_syntax"];

/// Built-in filters.
pub const FILTERS: &[&str] = &["target_tasks_method"];

/// What target selection reads besides the tasks.
pub struct TargetContext<'a> {
    pub parameters: &'a Parameters,
    pub graph_config: &'a GraphConfig,
    pub log: Log,
}

/// The filters to apply: the `filters` parameter, or `[target_tasks_method]` when empty. Names
/// that are not built in are checked when the set is made ([`target_task_set`]): project code
/// may register them.
pub fn filters(parameters: &Parameters) -> anyhow::Result<Vec<String>> {
    let mut names: Vec<String> = match parameters.get("filters") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => string_list(v)
            .map_err(|e| bad_input(format!("parameter filters: {e}")))?
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    if names.is_empty() {
        names.push("target_tasks_method".into());
    }
    Ok(names)
}

/// The `target_tasks_method` parameter (checked like filters, in [`target_task_set`]).
pub fn target_method(parameters: &Parameters) -> anyhow::Result<String> {
    match parameters.get("target_tasks_method") {
        None => Ok("all_tasks".to_string()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(bad_input(format!(
            "parameter target_tasks_method: expected a string, got {}",
            capped(&other.to_string())
        ))),
    }
}

/// Apply every filter to `tasks`, returning the positions of the target tasks (ascending).
/// The try method may annotate tasks (attributes, notification routes), hence `&mut`.
pub fn target_task_set(tasks: &mut [Task], ctx: &TargetContext) -> anyhow::Result<Vec<usize>> {
    let mut project = ProjectCode { ctx, worker: None };
    let mut current: Vec<usize> = (0..tasks.len()).collect();
    for filter in filters(ctx.parameters)? {
        let before = current.len();
        let what = if FILTERS.contains(&filter.as_str()) && !project.replaces(TargetFunction::Filter, &filter)? {
            let method = target_method(ctx.parameters)?;
            if TARGET_TASK_METHODS.contains(&method.as_str()) && !project.replaces(TargetFunction::Method, &method)? {
                current = apply_method(&method, tasks, &current, ctx)?;
            } else {
                current = project.select(TargetFunction::Method, &method, tasks, &current)?;
            }
            method
        } else {
            current = project.select(TargetFunction::Filter, &filter, tasks, &current)?;
            "project code".to_string()
        };
        ctx.log.info(format!(
            "filter {filter} ({what}) pruned {} tasks ({} remain)",
            before - current.len(),
            current.len()
        ));
    }
    Ok(current)
}

/// Target functions registered by project code, through the Python worker (started on first
/// need).
struct ProjectCode<'a, 'c> {
    ctx: &'a TargetContext<'c>,
    worker: Option<Worker>,
}

impl ProjectCode<'_, '_> {
    /// Run the project's `name` on the tasks at `positions`; the positions it selects, ascending.
    fn select(
        &mut self,
        function: TargetFunction,
        name: &str,
        tasks: &[Task],
        positions: &[usize],
    ) -> anyhow::Result<Vec<usize>> {
        if !tg_bridge::has_register_hook(self.ctx.graph_config) {
            return Err(bad_input(match function {
                TargetFunction::Filter => format!(
                    "unknown filter \"{name}\" in parameter filters (built-in filters: {}); filters registered by project code are not available",
                    FILTERS.join(", ")
                ),
                TargetFunction::Method => format!(
                    "unknown target_tasks_method \"{name}\" (built-in methods: {}); methods registered by project code are not available",
                    TARGET_TASK_METHODS.join(", ")
                ),
            }));
        }
        let set: Vec<&Task> = positions.iter().filter_map(|&i| tasks.get(i)).collect();
        let labels = self.worker()?.target(function, name, &set)?;
        let index: std::collections::HashMap<&str, usize> =
            tasks.iter().enumerate().map(|(i, t)| (t.label.as_str(), i)).collect();
        let mut selected = labels
            .iter()
            .map(|l| {
                index
                    .get(l.as_str())
                    .copied()
                    .ok_or_else(|| bad_input(format!("target function {name}: selected unknown task {}", capped(l))))
            })
            .collect::<anyhow::Result<Vec<usize>>>()?;
        selected.sort_unstable();
        selected.dedup();
        Ok(selected)
    }

    /// Whether the register hook replaced the built-in method or filter `name` (it then runs in
    /// the worker).
    fn replaces(&mut self, function: TargetFunction, name: &str) -> anyhow::Result<bool> {
        let config = self.ctx.graph_config;
        let may = match function {
            TargetFunction::Method => tg_bridge::detect::may_replace_target_method(config, name),
            TargetFunction::Filter => tg_bridge::detect::may_replace_filter(config, name),
        };
        if !may {
            return Ok(false);
        }
        let project = &self.worker()?.info.project;
        let replaced = if function == TargetFunction::Method { &project.target_methods } else { &project.filters };
        Ok(replaced.iter().any(|n| n == name))
    }

    fn worker(&mut self) -> anyhow::Result<&mut Worker> {
        if self.worker.is_none() {
            let opts = WorkerOptions {
                program: "tg-resolve",
                root: self.ctx.graph_config.root_dir.clone(),
                parameters: None,
                overrides: Some(self.ctx.parameters.values.clone()),
                log: self.ctx.log,
            };
            self.worker = Some(Worker::start(&opts)?);
        }
        self.worker.as_mut().ok_or_else(|| bad_input("python worker not started"))
    }
}

/// Run one target task method over the tasks at `positions`.
fn apply_method(
    method: &str,
    tasks: &mut [Task],
    positions: &[usize],
    ctx: &TargetContext,
) -> anyhow::Result<Vec<usize>> {
    let keep = |f: &dyn Fn(&Task) -> Result<bool, String>| -> anyhow::Result<Vec<usize>> {
        let mut out = Vec::new();
        for &i in positions {
            let Some(task) = tasks.get(i) else { continue };
            if f(task)
                .map_err(|e| bad_input(format!("target_tasks_method {method}: task {}: {e}", capped(&task.label))))?
            {
                out.push(i);
            }
        }
        Ok(out)
    };
    match method {
        "default" => keep(&|t| standard_filter(t, ctx.parameters)),
        "codereview" => keep(&|t| Ok(standard_filter(t, ctx.parameters)? && truthy(t.attributes.get("code-review")))),
        "nothing" => Ok(Vec::new()),
        "try_syntax" | "try_option_syntax" => {
            try_method(tasks, positions, ctx).map_err(|e| bad_input(format!("target_tasks_method {method}: {e}")))
        }
        other => Err(bad_input(format!("unknown target_tasks_method \"{}\"", capped(other)))),
    }
}

/// taskgraph's `standard_filter`: every test below, in its order (stopping at the first false).
pub fn standard_filter(task: &Task, params: &Parameters) -> Result<bool, String> {
    Ok(!truthy(task.attributes.get("cron"))
        && shipping_phase_ok(task)
        && run_on_projects_ok(task, params)?
        && run_on_tasks_for_ok(task, params)?
        && run_on_git_branches_ok(task, params)?)
}

/// `shipping_phase` unset, null or `build`.
fn shipping_phase_ok(task: &Task) -> bool {
    match task.attributes.get("shipping_phase") {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s == "build",
        Some(_) => false,
    }
}

/// The strings of list attribute `name`, or `default` when the task has none.
fn list_attribute<'a>(task: &'a Task, name: &str, default: &[&'a str]) -> Result<Vec<&'a str>, String> {
    match task.attributes.get(name) {
        None => Ok(default.to_vec()),
        Some(v) => string_list(v).map_err(|e| format!("attributes.{name}: {e}")),
    }
}

/// `all` in the list, or the value itself.
fn matches_run_on(value: &str, run_on: &[&str]) -> bool {
    run_on.contains(&"all") || run_on.contains(&value)
}

fn run_on_projects_ok(task: &Task, params: &Parameters) -> Result<bool, String> {
    Ok(matches_run_on(params.str("project"), &list_attribute(task, "run_on_projects", &[])?))
}

fn run_on_tasks_for_ok(task: &Task, params: &Parameters) -> Result<bool, String> {
    Ok(matches_run_on(params.str("tasks_for"), &list_attribute(task, "run_on_tasks_for", &["all"])?))
}

/// Branch patterns (`re.match`, anchored at the start) against `head_ref` without `refs/heads/`;
/// always true outside git and for pull requests.
fn run_on_git_branches_ok(task: &Task, params: &Parameters) -> Result<bool, String> {
    if params.str("repository_type") != "git" || params.str("tasks_for").starts_with("github-pull-request") {
        return Ok(true);
    }
    let branches = list_attribute(task, "run_on_git_branches", &["all"])?;
    if branches.contains(&"all") {
        return Ok(true);
    }
    let head_ref = params.str("head_ref");
    let branch = head_ref.strip_prefix("refs/heads/").unwrap_or(head_ref);
    for pattern in branches {
        let re = match_regex(pattern)
            .map_err(|e| format!("attributes.run_on_git_branches: bad pattern {pattern:?}: {e}"))?;
        if re.is_match(branch) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Legacy Firefox's `try_option_syntax` method: parse the `message` parameter, select, annotate
/// the selected tasks and add notification routes to every task of the set.
fn try_method(tasks: &mut [Task], positions: &[usize], ctx: &TargetContext) -> Result<Vec<usize>, String> {
    let message = match ctx.parameters.get("message") {
        Some(Value::String(m)) => m.as_str(),
        Some(other) => return Err(format!("parameter message: expected a string, got {}", capped(&other.to_string()))),
        None => {
            return Err(
                "the message parameter is missing: pass --message 'try: ...' or set message in the parameters file"
                    .into(),
            )
        }
    };
    let args = try_syntax::parse_message(message)?;
    if !args.unknown.is_empty() {
        ctx.log.warn(format!("try syntax: ignoring unrecognised words: {}", args.unknown.join(" ")));
    }
    let options = {
        let set: Vec<&Task> = positions.iter().filter_map(|&i| tasks.get(i)).collect();
        TryOptionSyntax::new(&args, &set, &ctx.graph_config.config)?
    };
    ctx.log.debug(format!("try options: {options:?}"));
    let selected: Vec<usize> =
        positions.iter().copied().filter(|&i| tasks.get(i).is_some_and(|t| options.task_matches(t))).collect();
    for &i in &selected {
        if let Some(task) = tasks.get_mut(i) {
            try_syntax::annotate_selected(task, &options);
        }
    }
    let routes = try_syntax::notification_routes(&options, ctx.parameters.str("owner"));
    if !routes.is_empty() {
        for &i in positions {
            if let Some(task) = tasks.get_mut(i) {
                add_routes(task, &routes)?;
            }
        }
    }
    Ok(selected)
}

/// Append `routes` to `task.task.routes`, creating the list.
fn add_routes(task: &mut Task, routes: &[String]) -> Result<(), String> {
    let label = task.label.clone();
    let Value::Object(def) = &mut task.task else {
        return Err(format!("task {}: task is not a mapping", capped(&label)));
    };
    match def.entry("routes").or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(list) => {
            list.extend(routes.iter().cloned().map(Value::String));
            Ok(())
        }
        other => {
            Err(format!("task {}: task.routes: expected a list, got {}", capped(&label), capped(&other.to_string())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(extra: Value) -> Parameters {
        let mut base = json!({
            "project": "proj", "tasks_for": "github-push", "repository_type": "git",
            "head_ref": "refs/heads/main", "target_tasks_method": "default",
            "filters": ["target_tasks_method"], "owner": "o@example.com"
        });
        if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
            b.extend(e);
        }
        match base {
            Value::Object(m) => Parameters::from_map(m),
            _ => unreachable!(),
        }
    }

    fn task(label: &str, attrs: Value) -> Task {
        serde_json::from_value(json!({"kind": "k", "label": label, "attributes": attrs, "task": {}})).unwrap()
    }

    /// Expected values: taskgraph 24.5.1's `standard_filter` on the same attributes and
    /// parameters (python3 -c 'from taskgraph.target_tasks import standard_filter; ...').
    #[test]
    fn standard_filter_table() {
        let p = params(json!({}));
        let cases = [
            (json!({}), false),
            (json!({"run_on_projects": ["all"]}), true),
            (json!({"run_on_projects": ["proj"]}), true),
            (json!({"run_on_projects": ["other"]}), false),
            (json!({"run_on_projects": ["all"], "cron": true}), false),
            (json!({"run_on_projects": ["all"], "shipping_phase": "build"}), true),
            (json!({"run_on_projects": ["all"], "shipping_phase": "promote"}), false),
            (json!({"run_on_projects": ["all"], "shipping_phase": null}), true),
            (json!({"run_on_projects": ["all"], "run_on_tasks_for": ["github-pull-request"]}), false),
            (json!({"run_on_projects": ["all"], "run_on_tasks_for": ["github-push"]}), true),
            (json!({"run_on_projects": ["all"], "run_on_git_branches": ["release.*"]}), false),
            (json!({"run_on_projects": ["all"], "run_on_git_branches": ["ma"]}), true),
            (json!({"run_on_projects": ["all"], "run_on_git_branches": ["all"]}), true),
        ];
        for (attrs, want) in cases {
            assert_eq!(standard_filter(&task("t", attrs.clone()), &p), Ok(want), "{attrs}");
        }
        let pr = params(json!({"tasks_for": "github-pull-request"}));
        let t = task(
            "t",
            json!({"run_on_projects": ["all"], "run_on_git_branches": ["release"], "run_on_tasks_for": ["all"]}),
        );
        assert_eq!(standard_filter(&t, &pr), Ok(true));
        let hg = params(json!({"repository_type": "hg"}));
        assert_eq!(standard_filter(&t, &hg), Ok(true));
    }

    #[test]
    fn malformed_attributes_are_named() {
        let p = params(json!({}));
        let e = standard_filter(&task("t", json!({"run_on_projects": "all"})), &p).unwrap_err();
        assert_eq!(e, "attributes.run_on_projects: expected a list of strings, got a string");
        let e = standard_filter(&task("t", json!({"run_on_projects": ["all"], "run_on_git_branches": ["("]})), &p)
            .unwrap_err();
        assert!(e.starts_with("attributes.run_on_git_branches: bad pattern \"(\""), "{e}");
    }

    #[test]
    fn unknown_names_list_the_built_in_ones() {
        let graph_config = tg_core::config::GraphConfig {
            config: json!({"taskgraph": {}}).as_object().cloned().unwrap_or_default(),
            root_dir: "taskcluster".into(),
        };
        let run = |extra: Value| {
            let p = params(extra);
            let ctx = TargetContext { parameters: &p, graph_config: &graph_config, log: Log::quiet("test") };
            target_task_set(&mut [task("t", json!({}))], &ctx).unwrap_err().to_string()
        };
        let e = run(json!({"target_tasks_method": "release"}));
        assert!(e.starts_with("unknown target_tasks_method \"release\" (built-in methods: codereview, default, nothing, try_option_syntax, try_syntax)"), "{e}");
        let e = run(json!({"filters": ["check_servo"]}));
        assert!(
            e.starts_with(
                "unknown filter \"check_servo\" in parameter filters (built-in filters: target_tasks_method)"
            ),
            "{e}"
        );
        assert_eq!(filters(&params(json!({"filters": []}))).unwrap(), ["target_tasks_method"]);
    }
}
