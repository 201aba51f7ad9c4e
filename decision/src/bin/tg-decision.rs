//! `tg-decision`: taskgraph's decision task, same flags as `taskgraph decision`; run it from
//! the checkout root.

/// mimalloc instead of the system allocator, as every tg-* binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use tg_core::cli::{main_with, Log};
use tg_decision::decision::{run, RunOptions};
use tg_decision::options::DecisionOptions;

const PROGRAM: &str = "tg-decision";
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
struct Args {
    #[command(flatten)]
    decision: DecisionOptions,
    /// Keep every stage's stream (items, full, target graph, optimized, morphed) in DIR, to
    /// replay a phase with its own binary.
    #[arg(long, value_name = "DIR")]
    keep_streams: Option<PathBuf>,
    /// Write the createTask requests to DIR/createTask.jsonl instead of creating the tasks (the
    /// default when no Taskcluster is configured: DIR is `queue`).
    #[arg(long, value_name = "DIR")]
    dry_run: Option<PathBuf>,
    /// The index tg-optimize asks instead of Taskcluster's: a JSON file, or `empty`.
    #[arg(long, value_name = "FILE")]
    index: Option<PathBuf>,
}

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<Args>(PROGRAM) {
        return code;
    }
    let args = Args::parse();
    main_with(PROGRAM, || {
        let log = Log { program: PROGRAM, level: if args.decision.verbose { 2 } else { 1 } };
        let checkout = std::env::current_dir().map_err(|e| tg_core::usage(format!("no working directory: {e}")))?;
        let mut opts = RunOptions {
            decision: args.decision.clone(),
            artifacts: PathBuf::from("artifacts"),
            docker_contexts: PathBuf::from("docker-contexts"),
            keep_streams: args.keep_streams.clone(),
            index: args.index.clone(),
            dry_run: args.dry_run.clone(),
            stage_env: Vec::new(),
        };
        if !taskcluster_configured() {
            // As kinds/decision.sh: task definitions still need a root URL (as in taskgraph);
            // the index is empty and the queue is the local dry-run directory.
            opts.stage_env.push(("TASKCLUSTER_ROOT_URL".into(), OFFLINE_ROOT_URL.into()));
            opts.index.get_or_insert_with(|| PathBuf::from("empty"));
            opts.dry_run.get_or_insert_with(|| PathBuf::from("queue"));
            log.info(format!("no Taskcluster configured: root URL {OFFLINE_ROOT_URL}, empty index, dry-run queue"));
        }
        if let Some(dir) = &opts.dry_run {
            log.info(format!("dry run: the createTask requests go to {}/createTask.jsonl", dir.display()));
        }
        run(&opts, &checkout, now(), &log)
    })
}

fn taskcluster_configured() -> bool {
    ["TASKCLUSTER_PROXY_URL", "TASKCLUSTER_ROOT_URL"].iter().any(|v| std::env::var(v).is_ok_and(|s| !s.is_empty()))
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}
