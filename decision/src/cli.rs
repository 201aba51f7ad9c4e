//! The command lines of `tg-decision` ([`decision`]) and `tg-params` ([`params`]): each one's
//! flags (`Args`) and its run (`run`); the binaries only parse and map the error to the exit
//! code.

use std::path::PathBuf;

/// Seconds since the epoch, the decision's `now`.
fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The checkout: the working directory, as `taskgraph decision` runs from the checkout root.
fn checkout() -> anyhow::Result<PathBuf> {
    std::env::current_dir().map_err(|e| tg_core::usage(format!("no working directory: {e}")))
}

/// `tg-decision`: the whole decision task, same flags as `taskgraph decision`.
pub mod decision {
    use clap::Parser;
    use std::path::PathBuf;
    use tg_core::cli::Log;

    use crate::decision::RunOptions;
    use crate::options::DecisionOptions;

    /// The program name in messages.
    pub const PROGRAM: &str = "tg-decision";
    /// The root URL of a decision run without Taskcluster (as kinds/decision.sh uses).
    const OFFLINE_ROOT_URL: &str = "https://tc.example.com";

    /// Run the decision task as `taskgraph decision` does: parameters from the flags and the
    /// checkout, the graph, `artifacts/` (parameters.yml, full-task-graph.json, target-tasks.json,
    /// task-graph.json, label-to-taskid.json, runnable-jobs.json, actions.json, run-task,
    /// fetch-content), `docker-contexts/<image>.tar.gz`, then the tasks on the queue of
    /// TASKCLUSTER_PROXY_URL or TASKCLUSTER_ROOT_URL (task group: TASK_ID). A stage that fails
    /// stops the decision before any task is created.
    #[derive(Parser, Debug)]
    #[command(
        name = PROGRAM,
        version,
        args_override_self = true,
        after_help = "Example (.taskcluster.yml runs it where it ran `taskgraph decision`):\n  tg-decision --project=redo \
--pushlog-id=0 --pushdate=0 --owner=me@example.com --level=1 --repository-type=git \\\n    \
--base-repository=$URL --head-repository=$URL --head-ref=main --head-rev=$REV --tasks-for=github-push"
    )]
    pub struct Args {
        #[command(flatten)]
        pub decision: DecisionOptions,
        /// Keep every stage's stream (items, full, target graph, optimized, morphed) in DIR, to
        /// replay a phase with its own binary.
        #[arg(long, value_name = "DIR")]
        pub keep_streams: Option<PathBuf>,
        /// Write the createTask requests to DIR/createTask.jsonl instead of creating the tasks (the
        /// default when no Taskcluster is configured: DIR is `queue`).
        #[arg(long, value_name = "DIR")]
        pub dry_run: Option<PathBuf>,
        /// The index tg-optimize asks instead of Taskcluster's: a JSON file, or `empty`.
        #[arg(long, value_name = "FILE")]
        pub index: Option<PathBuf>,
    }

    /// Run tg-decision from the working directory; `env` reads environment variables (the
    /// process environment in `main`): whether Taskcluster is configured
    /// (`TASKCLUSTER_PROXY_URL`, `TASKCLUSTER_ROOT_URL`). The stages it runs inherit the
    /// process environment.
    pub fn run(args: &Args, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        let log = Log { program: PROGRAM, level: if args.decision.verbose { 2 } else { 1 } };
        let checkout = super::checkout()?;
        let mut opts = RunOptions {
            decision: args.decision.clone(),
            artifacts: PathBuf::from("artifacts"),
            docker_contexts: PathBuf::from("docker-contexts"),
            keep_streams: args.keep_streams.clone(),
            index: args.index.clone(),
            dry_run: args.dry_run.clone(),
            stage_env: Vec::new(),
        };
        let taskcluster_configured =
            ["TASKCLUSTER_PROXY_URL", "TASKCLUSTER_ROOT_URL"].iter().any(|v| env(v).is_some_and(|s| !s.is_empty()));
        if !taskcluster_configured {
            // As kinds/decision.sh: task definitions still need a root URL (as in taskgraph);
            // the index is empty and the queue is the local dry-run directory.
            opts.stage_env.push(("TASKCLUSTER_ROOT_URL".into(), OFFLINE_ROOT_URL.into()));
            opts.index.get_or_insert_with(|| PathBuf::from("empty"));
            opts.dry_run.get_or_insert_with(|| PathBuf::from("queue"));
            log.info(format!("no Taskcluster configured: root URL {OFFLINE_ROOT_URL}, empty index, dry-run queue"));
        }
        if let Some(dir) = &opts.dry_run {
            log.info(format!("dry run: the createTask requests go to {}/createTask.jsonl", dir.display()));
        } else if env("TASK_ID").is_none_or(|id| id.is_empty()) {
            // taskgraph reads TASK_ID first of all: the tasks' group, before any work is done.
            return Err(tg_core::usage(
                "TASK_ID is not set: the decision task's own taskId is its tasks' taskGroupId (set it, or pass --dry-run DIR)",
            ));
        }
        crate::decision::run(&opts, &checkout, super::now(), &log)
    }
}

/// `tg-params`: the decision task's parameters from `taskgraph decision`'s flags, as
/// `parameters.yml` on stdout (or `-o FILE`), for the stages' `-p`.
pub mod params {
    use clap::Parser;
    use std::path::PathBuf;
    use tg_core::cli::Log;
    use tg_core::config::GraphConfig;

    use crate::options::DecisionOptions;
    use crate::parameters::{decision_parameters, ProjectHooks};

    /// The program name in messages.
    pub const PROGRAM: &str = "tg-params";

    /// Build the decision task's parameters as `taskgraph decision` does (flags, the checkout's
    /// commit message and changed files, dates, the project's hooks, overrides) and write them as
    /// parameters.yml. Run it from the checkout root, as `taskgraph decision`.
    #[derive(Parser, Debug)]
    #[command(
        name = PROGRAM,
        version,
        args_override_self = true,
        after_help = "Example:\n  tg-params --project=redo --pushlog-id=0 --pushdate=0 --owner=me@example.com --level=1 \\\n    \
--repository-type=git --base-repository=$URL --head-repository=$URL --head-ref=main --head-rev=$REV \\\n    \
--tasks-for=github-push > parameters.yml\n  tg-load -p parameters.yml | tg-transform -p parameters.yml | ..."
    )]
    pub struct Args {
        #[command(flatten)]
        pub decision: DecisionOptions,
        /// Write parameters.yml here instead of stdout.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        pub output: Option<PathBuf>,
    }

    /// Run tg-params from the working directory: parameters.yml to `--output` or stdout.
    pub fn run(args: &Args) -> anyhow::Result<()> {
        let log = Log { program: PROGRAM, level: if args.decision.verbose { 2 } else { 1 } };
        let root = args.decision.root();
        let graph_config = GraphConfig::load(&root)?;
        let mut worker = crate::project::start_if_needed(PROGRAM, &root, &graph_config, log)?;
        let checkout = super::checkout()?;
        let config = serde_json::Value::Object(graph_config.config.clone());
        let hooks = worker.as_mut().map(|w| w as &mut dyn ProjectHooks);
        let parameters = decision_parameters(&args.decision, &checkout, &config, hooks, super::now(), &log)?;
        let yaml = tg_core::yaml::to_string(&serde_json::Value::Object(parameters));
        match &args.output {
            Some(path) => tg_core::files::write_atomically(path, yaml.as_bytes()),
            None => {
                let mut out = tg_core::output::stdout();
                std::io::Write::write_all(&mut out, yaml.as_bytes())?;
                Ok(std::io::Write::flush(&mut out)?)
            }
        }
    }
}
