//! `tg-decision`: what `taskgraph decision` does, with our stages.
//!
//! 1. The parameters, as `get_decision_parameters` builds them ([`crate::parameters`]), written
//!    to `artifacts/parameters.yml`.
//! 2. load, transform (writing the in-tree docker contexts to `docker-contexts/`, as taskgraph's
//!    decision does), resolve, optimize and morph, each to a stream file ([`crate::pipeline`]).
//! 3. `actions.json`, and the run-task and fetch-content scripts, in `artifacts/`.
//! 4. tg-submit: the tasks (dependency order, retries, the decision's `TASK_ID` as task group),
//!    and the graph artifacts (`full-task-graph.json`, `target-tasks.json`, `task-graph.json`,
//!    `label-to-taskid.json`, `runnable-jobs.json`).

use crate::options::DecisionOptions;
use crate::parameters::{decision_parameters, ProjectHooks};
use crate::pipeline::{run_stage, Stage};
use std::path::{Path, PathBuf};
use tg_core::cli::Log;
use tg_core::config::GraphConfig;
use tg_core::error::usage;

/// What tg-decision adds to `taskgraph decision`'s flags.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub decision: DecisionOptions,
    /// Where the artifacts go (taskgraph: `artifacts`).
    pub artifacts: PathBuf,
    /// Where the docker contexts go (taskgraph: `docker-contexts`).
    pub docker_contexts: PathBuf,
    /// Keep each stage's stream here (else a temporary directory, removed at the end).
    pub keep_streams: Option<PathBuf>,
    /// Write the createTask requests to this directory instead of the queue.
    pub dry_run: Option<PathBuf>,
    /// tg-optimize's `--index` (a file, or `empty`) instead of the Taskcluster index.
    pub index: Option<PathBuf>,
    /// Environment for the stages (the offline dry run's root URL).
    pub stage_env: Vec<(String, String)>,
}

/// Run the decision from the checkout root `checkout`.
pub fn run(opts: &RunOptions, checkout: &Path, now: i64, log: &Log) -> anyhow::Result<()> {
    let root = opts.decision.root();
    let graph_config = GraphConfig::load(&root)?;
    tg_core::files::create_dir_all(&opts.artifacts)
        .map_err(|e| usage(format!("cannot create {}: {e}", opts.artifacts.display())))?;
    let params_path = opts.artifacts.join("parameters.yml");
    write_parameters(opts, &root, &graph_config, checkout, now, &params_path, log)?;
    let streams = Streams::new(opts.keep_streams.as_deref())?;
    let result = run_stages(opts, &root, &params_path, &streams, log);
    streams.finish(result.is_ok(), log);
    result
}

/// The decision's parameters, through the project's hooks when it has some.
fn write_parameters(
    opts: &RunOptions,
    root: &Path,
    graph_config: &GraphConfig,
    checkout: &Path,
    now: i64,
    path: &Path,
    log: &Log,
) -> anyhow::Result<()> {
    let mut worker = crate::project::start_if_needed("tg-decision", root, graph_config, *log)?;
    let config = serde_json::Value::Object(graph_config.config.clone());
    let hooks = worker.as_mut().map(|w| w as &mut dyn ProjectHooks);
    let parameters = decision_parameters(&opts.decision, checkout, &config, hooks, now, log)?;
    let yaml = tg_core::yaml::to_string(&serde_json::Value::Object(parameters));
    tg_core::files::write_atomically(path, yaml.as_bytes())
}

/// The stream files of one decision.
struct Streams {
    dir: PathBuf,
    keep: bool,
}

impl Streams {
    fn new(keep: Option<&Path>) -> anyhow::Result<Streams> {
        let (dir, keep) = match keep {
            Some(d) => (d.to_path_buf(), true),
            None => (std::env::temp_dir().join(format!("tg-decision-{}", std::process::id())), false),
        };
        tg_core::files::create_dir_all(&dir).map_err(|e| usage(format!("cannot create {}: {e}", dir.display())))?;
        Ok(Streams { dir, keep })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Remove a temporary directory; say where kept streams are.
    fn finish(&self, ok: bool, log: &Log) {
        if self.keep {
            log.info(format!("streams of every stage in {}", self.dir.display()));
        } else if ok {
            let _ = std::fs::remove_dir_all(&self.dir);
        } else {
            log.info(format!("streams of the stages that ran kept in {}", self.dir.display()));
        }
    }
}

fn run_stages(opts: &RunOptions, root: &Path, params: &Path, s: &Streams, log: &Log) -> anyhow::Result<()> {
    let common = [root_and_parameters(root, params)];
    for (binary, args, out) in stage_plan(opts, s) {
        // `tg-action render -r ... -p ...`: the subcommand comes first.
        let subcommand = (binary == "tg-action").then(|| "render".to_string());
        let args: Vec<String> = subcommand.into_iter().chain(common.iter().flatten().cloned()).chain(args).collect();
        let path = out.map(|name| s.path(name));
        run_stage(&Stage { binary, args, env: &opts.stage_env, stdout: path.as_deref() }, log)?;
    }
    write_scripts(&opts.artifacts)?;
    let args: Vec<String> = common.iter().flatten().cloned().chain(submit_args(opts, s)).collect();
    run_stage(&Stage { binary: "tg-submit", args, env: &opts.stage_env, stdout: None }, log)
}

/// `-r ROOT -p PARAMETERS`, which every stage takes.
fn root_and_parameters(root: &Path, params: &Path) -> Vec<String> {
    vec!["-r".into(), root.display().to_string(), "-p".into(), params.display().to_string()]
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The stages before tg-submit: binary, arguments after `-r`/`-p`, and the stream file their
/// stdout goes to. `tg-action render` writes actions.json into the artifacts.
fn stage_plan(opts: &RunOptions, s: &Streams) -> Vec<(&'static str, Vec<String>, Option<&'static str>)> {
    let mut transform = strings(&["--allow-unknown-parameters", "--docker-contexts"]);
    transform.extend([opts.docker_contexts.display().to_string(), "-i".into(), s.arg("items.jsonl")]);
    let mut resolve = strings(&["--allow-unknown-parameters", "--target-tasks-out"]);
    resolve.extend([s.arg("target-tasks.json"), s.arg("full.jsonl")]);
    if opts.decision.no_verify {
        resolve.push("--no-verify".into());
    }
    let mut optimize = index_args(opts);
    optimize.extend(["--target-tasks".into(), s.arg("target-tasks.json")]);
    optimize.extend(["--label-to-taskid".into(), s.arg("optimized-label-to-taskid.json"), s.arg("target-graph.jsonl")]);
    let mut morph = vec!["--label-to-taskid-in".into(), s.arg("optimized-label-to-taskid.json")];
    morph.extend(["--label-to-taskid".into(), s.arg("label-to-taskid.json"), s.arg("optimized.jsonl")]);
    let mut actions = strings(&["--artifacts"]);
    actions.push(opts.artifacts.display().to_string());
    vec![
        ("tg-load", strings(&["--allow-unknown-parameters"]), Some("items.jsonl")),
        ("tg-transform", transform, Some("full.jsonl")),
        ("tg-resolve", resolve, Some("target-graph.jsonl")),
        ("tg-optimize", optimize, Some("optimized.jsonl")),
        ("tg-morph", morph, Some("morphed.jsonl")),
        ("tg-action", actions, None),
    ]
}

fn index_args(opts: &RunOptions) -> Vec<String> {
    match &opts.index {
        Some(index) => vec!["--index".into(), index.display().to_string()],
        None => vec![],
    }
}

fn submit_args(opts: &RunOptions, s: &Streams) -> Vec<String> {
    let mut args = vec!["--artifacts".into(), opts.artifacts.display().to_string()];
    args.extend(["--full-graph".into(), s.arg("full.jsonl"), "--target-tasks".into(), s.arg("target-tasks.json")]);
    args.extend(["--label-to-taskid".into(), s.arg("label-to-taskid.json"), "--state".into(), s.arg("submit-state")]);
    if let Some(dir) = &opts.dry_run {
        args.extend(["--dry-run".into(), "--dry-run-dir".into(), dir.display().to_string()]);
    }
    args.push(s.arg("morphed.jsonl"));
    args
}

/// taskgraph's decision copies its run-task and fetch-content scripts into the artifacts.
fn write_scripts(artifacts: &Path) -> anyhow::Result<()> {
    use tg_transform::util::run_task_files::{FETCH_CONTENT, RUN_TASK};
    for (name, bytes) in [("run-task", RUN_TASK), ("fetch-content", FETCH_CONTENT)] {
        tg_core::files::write_atomically(&artifacts.join(name), bytes)?;
    }
    Ok(())
}
