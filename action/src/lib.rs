//! tg-action: taskgraph's actions, built from the same stages as the decision pipeline.
//!
//! Three modes (`tg-action --help`):
//!
//! - `tg-action [callback]`: what an action task runs (`taskgraph action-callback`): the
//!   callback `ACTION_CALLBACK` with `ACTION_INPUT` (JSON) for the task `ACTION_TASK_ID` (JSON,
//!   `null` for group actions) of the task group `ACTION_TASK_GROUP_ID`, with the decision's
//!   parameters (its `public/parameters.yml`, or `-p`). Tasks are created on the queue.
//! - `tg-action test CALLBACK`: the same without changing anything (`taskgraph
//!   test-action-callback`): the createTask requests are printed on stdout, one
//!   `{"taskId": ..., "task": ...}` line each; cancel and rerun are only logged.
//! - `tg-action render`: `actions.json` for the decision's artifacts (`taskgraph actions`).
//!
//! The decision's `full-task-graph.json` and `label-to-taskid.json` come from the queue (the
//! decision task found in the index, plus earlier actions' label maps) or from
//! `--decision-dir DIR` ([`decision`]). Tasks go through resolve (the closure of the requested
//! labels), optimize (existing tasks reused by taskId) and submit ([`create`]); the callbacks
//! are in [`callbacks`], the action table in [`registry`], `actions.json` in [`render`].
//! Bad input (an unknown label or callback, input failing the action's schema, a missing
//! decision artifact) exits 1 before anything is created.

pub mod artifacts;
pub mod callbacks;
pub mod create;
pub mod decision;
pub mod registry;
pub mod render;
pub mod repo_url;
pub mod schema;
pub mod services;

use callbacks::{CreateSettings, DecisionSource, Request, Runner};
use serde_json::Value;
use services::Services;
use std::io::Write;
use std::path::{Path, PathBuf};
use tg_core::cli::CommonArgs;
use tg_core::config::GraphConfig;
use tg_core::error::{bad_input, usage};
use tg_core::params::{LoadOptions, Parameters};
use tg_core::time::Instant;
use tg_optimize::references::ArtifactUrls;
use tg_optimize::strategy::Registry;

/// The binary's name, the prefix of its stderr lines.
pub const PROGRAM: &str = "tg-action";

const AFTER_HELP: &str = "\
Example:
  tg-action test add-new-jobs --input input.json --decision-dir decision/ | jq -c .task.metadata.name

Callbacks: add-new-jobs, cancel, cancel-all, rebuild-cached-tasks, rerun, retrigger,
retrigger-decision, retrigger-disabled, retrigger-multiple.

Taskcluster: TASKCLUSTER_PROXY_URL, or TASKCLUSTER_ROOT_URL with TASKCLUSTER_CLIENT_ID and
TASKCLUSTER_ACCESS_TOKEN. TASK_ID is the action task's own id (the created tasks' parent).
Exit codes: 0 ok, 1 bad input (unknown callback or label, input failing the action's schema,
missing decision artifact, task not retriggerable), 2 usage or I/O, 3 Taskcluster unreachable
or refusing to create a task.

Examples:
  ACTION_CALLBACK=add-new-jobs ACTION_INPUT='{\"tasks\": [\"lint-audit\"]}' \\
  ACTION_TASK_GROUP_ID=$DECISION ACTION_TASK_ID=null tg-action
  tg-action test add-new-jobs --input input.json --decision-dir decision/ --decision-task-id $DECISION
  tg-action render -p parameters.yml --artifacts artifacts/";

/// Command-line options.
#[derive(clap::Parser, Debug, Clone)]
#[command(
    name = "tg-action",
    version,
    about = "Run taskgraph action callbacks (add-new-jobs, retrigger, ...) and render actions.json",
    after_help = AFTER_HELP,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Without a subcommand: `callback`.
    #[command(flatten)]
    pub callback: CallbackArgs,
}

/// The modes.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum Command {
    /// Run the action of ACTION_CALLBACK, ACTION_INPUT, ACTION_TASK_ID and ACTION_TASK_GROUP_ID
    /// (taskgraph action-callback); the default.
    Callback(CallbackArgs),
    /// Run CALLBACK in test mode: print the createTask requests instead of sending them
    /// (taskgraph test-action-callback).
    Test(TestArgs),
    /// Write actions.json (the decision's artifact; taskgraph actions).
    Render(RenderArgs),
}

/// Options of the modes that run a callback.
#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Read full-task-graph.json, label-to-taskid.json (and parameters.yml, task-graph.json)
    /// from DIR instead of the decision task's artifacts on the queue.
    #[arg(long, value_name = "DIR")]
    pub decision_dir: Option<PathBuf>,
    /// The decision task's id with --decision-dir [default: the task group id].
    #[arg(long, value_name = "ID")]
    pub decision_task_id: Option<String>,
    /// Where the action's artifacts go (task-graph.json, label-to-taskid.json, to-run.json).
    #[arg(long, value_name = "DIR", default_value = "artifacts")]
    pub artifacts: PathBuf,
    /// Deterministic taskIds from this seed [default: random].
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// The clock reading relative datestamps resolve against (YYYY-MM-DDTHH:MM:SS.mmmZ or Unix
    /// seconds) [default: now].
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Composite optimization strategies (YAML/JSON, as tg-optimize --strategies).
    #[arg(long, value_name = "FILE")]
    pub strategies: Option<PathBuf>,
    /// createTask requests in flight at most.
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub concurrency: usize,
}

/// `tg-action [callback]`.
#[derive(clap::Args, Debug, Clone)]
pub struct CallbackArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `tg-action test`.
#[derive(clap::Args, Debug, Clone)]
pub struct TestArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[command(flatten)]
    pub run: RunArgs,
    /// The callback (cb_name), e.g. add-new-jobs.
    pub callback: String,
    /// The action's input (.json, .yml or .yaml).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// The task the action applies to.
    #[arg(long, value_name = "ID")]
    pub task_id: Option<String>,
    /// The task group the action applies to.
    #[arg(long, value_name = "ID")]
    pub task_group_id: Option<String>,
}

/// `tg-action render`.
#[derive(clap::Args, Debug, Clone)]
pub struct RenderArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Write DIR/actions.json (as the decision task does) instead of printing it.
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
    /// The decision task's id [default: $TASK_ID, else DECISION-TASK].
    #[arg(long, value_name = "ID")]
    pub decision_task_id: Option<String>,
    /// The repository's .taskcluster.yml [default: VCS_ROOT/.taskcluster.yml].
    #[arg(long, value_name = "FILE")]
    pub taskcluster_yml: Option<PathBuf>,
}

/// Run the command line; `env` reads environment variables, `out` is stdout.
pub fn run(cli: Cli, env: &dyn Fn(&str) -> Option<String>, out: &mut dyn Write) -> anyhow::Result<()> {
    match cli.command {
        None => run_from_env(&cli.callback, env, out),
        Some(Command::Callback(args)) => run_from_env(&args, env, out),
        Some(Command::Test(args)) => run_test(&args, env, out),
        Some(Command::Render(args)) => run_render(&args, env, out),
    }
}

fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

/// A JSON environment variable (`null` when unset).
fn json_var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<Value> {
    match non_empty(env, name) {
        None => Ok(Value::Null),
        Some(text) => serde_json::from_str(&text).map_err(|e| bad_input(format!("{name}: not JSON: {e}"))),
    }
}

/// `tg-action callback`: the request from the `ACTION_*` variables.
fn run_from_env(args: &CallbackArgs, env: &dyn Fn(&str) -> Option<String>, out: &mut dyn Write) -> anyhow::Result<()> {
    let callback = non_empty(env, "ACTION_CALLBACK").ok_or_else(|| usage("ACTION_CALLBACK is not set"))?;
    let task_group_id = non_empty(env, "ACTION_TASK_GROUP_ID");
    let task_id = match json_var(env, "ACTION_TASK_ID")? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => {
            return Err(bad_input(format!(
                "ACTION_TASK_ID: expected a JSON string or null, got {}",
                tg_core::quote::capped(&other.to_string())
            )))
        }
    };
    let input = json_var(env, "ACTION_INPUT")?;
    let request = Request { callback, input, task_group_id, task_id };
    run_request(&args.common, &args.run, request, false, env, out)
}

/// `tg-action test CALLBACK`.
fn run_test(args: &TestArgs, env: &dyn Fn(&str) -> Option<String>, out: &mut dyn Write) -> anyhow::Result<()> {
    let input = match &args.input {
        Some(path) => load_input(path)?,
        None => Value::Null,
    };
    let request = Request {
        callback: args.callback.clone(),
        input,
        task_group_id: args.task_group_id.clone(),
        task_id: args.task_id.clone(),
    };
    run_request(&args.common, &args.run, request, true, env, out)
}

/// An input file: `.json`, or `.yml`/`.yaml` (read as PyYAML does).
fn load_input(path: &Path) -> anyhow::Result<Value> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {name}: {e}")))?;
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => serde_json::from_str(&text).map_err(|e| bad_input(format!("{name}: not JSON: {e}"))),
        Some("yml" | "yaml") => tg_core::yaml::from_str(&text, &name),
        _ => Err(usage(format!("unknown filename {name} (expected .json, .yml or .yaml)"))),
    }
}

/// Check the request, load what it needs and run its callback.
fn run_request(
    common: &CommonArgs,
    run: &RunArgs,
    request: Request,
    testing: bool,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let log = common.log(PROGRAM);
    let graph_config = GraphConfig::load(&common.root)?;
    let action = registry::find(&request.callback).ok_or_else(|| callbacks::unknown_callback(&request.callback))?;
    if let Some(schema) = &action.schema {
        schema::validate(&request.input, schema).map_err(|e| {
            bad_input(format!("{}: the input does not match the action's schema: {e}", request.callback))
        })?;
    }
    if run.concurrency == 0 {
        return Err(usage("--concurrency must be at least 1"));
    }
    let services = Services::from_vars(|name| env(name))?;
    if !testing && !services.is_live() {
        return Err(usage(
            "no Taskcluster configured (TASKCLUSTER_PROXY_URL or TASKCLUSTER_ROOT_URL): cannot create tasks; \
             `tg-action test CALLBACK` prints them instead",
        ));
    }
    let parameters = load_parameters(common, run, &graph_config, &services, request.task_group_id.as_deref())?;
    if !testing {
        check_task_scope(&action, &parameters, &services)?;
    }
    let source = match &run.decision_dir {
        Some(dir) => DecisionSource::Dir { dir: dir.clone(), task_id: run.decision_task_id.clone() },
        None if services.is_live() => DecisionSource::Queue,
        None if action_needs_decision(&request.callback) => {
            return Err(usage(
                "no decision artifacts: pass --decision-dir DIR, or set TASKCLUSTER_ROOT_URL (or \
                 TASKCLUSTER_PROXY_URL) to read them from the queue",
            ))
        }
        None => DecisionSource::Queue,
    };
    let mut registry = Registry::builtin();
    if let Some(path) = &run.strategies {
        tg_optimize::read_strategies(path, &mut registry)?;
    }
    let now = match &run.now {
        Some(text) => Instant::parse(text).map_err(usage)?,
        None => Instant::now(),
    };
    let settings = CreateSettings {
        seed: run.seed,
        now,
        registry,
        urls: ArtifactUrls {
            proxy_url: non_empty(env, "TASKCLUSTER_PROXY_URL"),
            root_url: non_empty(env, "TASKCLUSTER_ROOT_URL"),
            in_task: non_empty(env, "TASK_ID").is_some(),
        },
        concurrency: run.concurrency,
    };
    let mut runner = Runner {
        graph_config: &graph_config,
        parameters: &parameters,
        services: &services,
        source,
        testing,
        own_task_id: non_empty(env, "TASK_ID"),
        artifacts: artifacts::ArtifactsDir::new(&run.artifacts),
        settings,
        out,
        log,
        created: 0,
    };
    callbacks::dispatch(&mut runner, &request)?;
    let verb = if testing { "printed" } else { "created" };
    log.info(format!("{}: {} tasks {verb}", request.callback, runner.created));
    Ok(())
}

/// Callbacks that read the decision's graph.
fn action_needs_decision(callback: &str) -> bool {
    !matches!(callback, "cancel" | "cancel-all" | "retrigger-decision")
}

/// `-p`, else the decision directory's parameters.yml, else the task group's
/// `public/parameters.yml` on the queue, else taskgraph's defaults.
fn load_parameters(
    common: &CommonArgs,
    run: &RunArgs,
    graph_config: &GraphConfig,
    services: &Services,
    task_group_id: Option<&str>,
) -> anyhow::Result<Parameters> {
    let options = LoadOptions { allow_unknown: true, now: None };
    if let Some(path) = &common.parameters {
        return Parameters::load(Some(path), &graph_config.vcs_root(), &options);
    }
    if let Some(dir) = &run.decision_dir {
        if dir.join("parameters.yml").is_file() {
            return decision::read_parameters(dir);
        }
    }
    match task_group_id {
        Some(group) if services.is_live() => decision::fetch_parameters(services, group),
        _ => Parameters::load(None, &graph_config.vcs_root(), &options),
    }
}

/// taskgraph's `sanity_check_task_scope`: a non-generic action must run with its own scope.
fn check_task_scope(action: &registry::Action, parameters: &Parameters, services: &Services) -> anyhow::Result<()> {
    let head = repo_url::taskcluster_role_prefix(parameters.str("head_repository"))?;
    let base = repo_url::taskcluster_role_prefix(parameters.str("base_repository"))?;
    let action_scope = format!("assume:{head}:action:{}", action.permission);
    let pr_action_scope = format!("assume:{base}:pr-action:{}", action.permission);
    let scopes = services.current_scopes()?;
    if scopes.iter().any(|s| *s == action_scope || *s == pr_action_scope) {
        Ok(())
    } else {
        Err(bad_input(format!("Expected task scope {action_scope} or {pr_action_scope} for this action")))
    }
}

/// `tg-action render`.
fn run_render(args: &RenderArgs, env: &dyn Fn(&str) -> Option<String>, out: &mut dyn Write) -> anyhow::Result<()> {
    let log = args.common.log(PROGRAM);
    let graph_config = GraphConfig::load(&args.common.root)?;
    let options = LoadOptions { allow_unknown: true, now: None };
    let parameters = Parameters::load(args.common.parameters.as_deref(), &graph_config.vcs_root(), &options)?;
    let decision_task_id = args
        .decision_task_id
        .clone()
        .or_else(|| non_empty(env, "TASK_ID"))
        .unwrap_or_else(|| "DECISION-TASK".to_string());
    let tcyml = args.taskcluster_yml.clone().unwrap_or_else(|| render::default_taskcluster_yml(&graph_config));
    let hash = render::hash_taskcluster_yml(&tcyml)?;
    let actions = render::render_actions_json(&parameters, &graph_config, &decision_task_id, &hash)?;
    match &args.artifacts {
        Some(dir) => {
            artifacts::ArtifactsDir::new(dir).write_json("actions.json", &actions)?;
            let count = actions.get("actions").and_then(Value::as_array).map_or(0, Vec::len);
            log.info(format!("wrote {} ({count} actions)", dir.join("actions.json").display()));
            Ok(())
        }
        None => {
            let mut bytes = tg_submit::artifacts::to_taskgraph_json(&actions)?;
            bytes.push(b'\n');
            out.write_all(&bytes)?;
            Ok(())
        }
    }
}
