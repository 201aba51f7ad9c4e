//! tg-submit: the morphed graph (JSON lines on stdin) -> tasks created on a Taskcluster queue,
//! plus the decision task's artifacts. What taskgraph's `taskgraph_decision` does after graph
//! generation: write the artifacts, then `create_tasks`.
//!
//! - Destination: the queue of `TASKCLUSTER_PROXY_URL`, or of `TASKCLUSTER_ROOT_URL` with Hawk
//!   credentials (`tg_core::taskcluster`). With neither (or `--dry-run`), the exact createTask
//!   requests go to `--dry-run-dir` instead ([`queue::DryRunQueue`]).
//! - Bodies: [`definition`] (decision-task dependency, taskGroupId, schedulerId, timestamps
//!   resolved against one clock reading). The decision task id is `TASK_ID`.
//! - Order and concurrency: [`scheduler`] (dependencies first, `--concurrency` in flight).
//! - Resume: [`state`] (`--state DIR`: an append-only, synced log of acknowledged taskIds and
//!   the clock reading; a rerun with the same input sends only what is missing, with identical
//!   bodies).
//! - Artifacts: [`artifacts`] (`--artifacts DIR`). Files and directories get explicit modes
//!   (`tg_core::files`).
//! - Progress: [`progress`] (a bar on a terminal, periodic lines otherwise).
//!
//! Stdout stays empty; progress and the summary go to stderr. Exit 3 when any task could not
//! be created (each failure listed), 1 for bad input, 2 for usage and I/O problems.
//!
//! Outside tests this crate denies `unwrap`, `expect`, `panic!` and indexing that may panic
//! (`cargo clippy -p tg-submit --lib --bins`); input-derived text in errors is capped
//! (`tg_core::quote`).

pub mod artifacts;
pub mod definition;
pub mod graph;
pub mod progress;
pub mod queue;
pub mod scheduler;
pub mod state;

use crate::definition::Submission;
use crate::graph::SubmitGraph;
use crate::queue::{DryRunQueue, Queue, TaskclusterQueue};
use crate::scheduler::{Bodies, Outcome, Plan};
use crate::state::{Header, StateLog};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tg_core::cli::{CommonArgs, Log, StageContext};
use tg_core::error::{remote, usage};
use tg_core::time::Instant;
use tg_tcclient::{Client, Config, RetryPolicy};

/// The program name used in messages.
pub const PROGRAM: &str = "tg-submit";

/// Version of the state log format.
const STATE_VERSION: u32 = 1;

/// How many failures the final message lists without `-v`.
const FAILURES_LISTED: usize = 50;

/// Command-line options.
#[derive(clap::Parser, Debug, Clone)]
#[command(
    name = "tg-submit",
    about = "Create the tasks of a morphed graph (JSON lines) on the Taskcluster queue and write the decision artifacts",
    long_about = "Create the tasks of a morphed graph (JSON lines, from tg-morph) on the Taskcluster queue, \
dependencies first, and write the decision task's artifacts.\n\n\
Taskcluster: TASKCLUSTER_PROXY_URL, or TASKCLUSTER_ROOT_URL with TASKCLUSTER_CLIENT_ID and \
TASKCLUSTER_ACCESS_TOKEN (and TASKCLUSTER_CERTIFICATE). With none of them, or with --dry-run, the \
exact createTask requests are written to DRY_RUN_DIR/createTask.jsonl instead.\n\n\
The decision task id (TASK_ID) is every task's taskGroupId and the dependency of tasks with \
none in the graph.",
    after_help = "Example:\n  tg-morph -p params.yml < optimized.jsonl | tg-submit -p params.yml --state state/ --artifacts artifacts/"
)]
pub struct Opts {
    #[command(flatten)]
    pub common: CommonArgs,

    /// The morphed graph as JSON lines (default: stdin).
    pub input: Option<PathBuf>,

    /// Resume directory: records the clock reading and every task the queue acknowledged;
    /// a rerun with the same input creates only the missing tasks, with identical bodies.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,

    /// Write the decision artifacts (parameters.yml, task-graph.json, label-to-taskid.json, and
    /// with the flags below full-task-graph.json, runnable-jobs.json, target-tasks.json).
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,

    /// The full task graph (JSON lines from tg-transform, or taskgraph's full-task-graph.json),
    /// for full-task-graph.json and runnable-jobs.json.
    #[arg(long, value_name = "FILE")]
    pub full_graph: Option<PathBuf>,

    /// The target task labels, for target-tasks.json: a JSON list of labels, a JSON object keyed
    /// by label (`taskgraph target --json`), or JSON lines of labels or tasks (`tg-resolve --labels`).
    #[arg(long, value_name = "FILE")]
    pub target_tasks: Option<PathBuf>,

    /// The target task graph (JSON lines from tg-resolve), used for target-tasks.json when
    /// --target-tasks is not given. Its labels include the targets' dependencies, so the list is
    /// a superset of taskgraph's target-tasks.json.
    #[arg(long, value_name = "FILE", conflicts_with = "target_tasks")]
    pub target_graph: Option<PathBuf>,

    /// taskgraph's label-to-taskid.json from tg-optimize (includes tasks replaced by existing
    /// ones); default: the labels and taskIds of the input.
    #[arg(long, value_name = "FILE")]
    pub label_to_taskid: Option<PathBuf>,

    /// Requests in flight at most (taskgraph's CONCURRENCY).
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub concurrency: usize,

    /// Where the createTask requests go when no Taskcluster is configured (or with --dry-run).
    #[arg(long, value_name = "DIR", default_value = "dry-run")]
    pub dry_run_dir: PathBuf,

    /// Write the requests to --dry-run-dir even when Taskcluster is configured.
    #[arg(long)]
    pub dry_run: bool,

    /// The decision task's taskId: taskGroupId of every task [default: $TASK_ID; required to
    /// submit to a queue; a dry run derives one from the input].
    #[arg(long, value_name = "TASK_ID")]
    pub decision_task_id: Option<String>,

    /// The clock reading relative datestamps resolve against (YYYY-MM-DDTHH:MM:SS.mmmZ or Unix
    /// seconds) [default: now; on resume, the reading in --state].
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Retries of a request after a connection error, a timeout or a 5xx answer.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_retries: u32,

    /// Delay before the first retry (doubling after each, with ±25 % jitter, at most 30 s).
    #[arg(long, default_value_t = 100, value_name = "MS")]
    pub retry_delay_ms: u64,

    /// Time limit of one HTTP request, in seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    pub timeout: f64,

    /// Seconds between progress lines on stderr (when stderr is not a terminal; a terminal
    /// gets a progress bar instead).
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    pub progress_interval: f64,
}

/// Run tg-submit; `env` reads environment variables (the process environment in `main`).
pub fn run(opts: &Opts, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    let log = opts.common.log(PROGRAM);
    check_flags(opts)?;
    let (bytes, source) = read_input(opts.input.as_deref())?;
    let input_sha256 = hex::encode(Sha256::digest(&bytes));
    // task-graph.json needs the task records whole; without artifacts only the definitions
    // are needed, and those are held as text (a fraction of the memory of parsed values).
    let (mut graph, definition_texts) = match &opts.artifacts {
        Some(_) => (SubmitGraph::read(bytes.as_slice(), &source)?, None),
        None => {
            let (graph, texts) = SubmitGraph::read_lean(bytes.as_slice(), &source)?;
            (graph, Some(texts))
        }
    };
    drop(bytes);
    if graph.is_empty() {
        log.warn(format!("{source} has no tasks: nothing to create (did an upstream stage fail?)"));
    }
    let ctx = StageContext::load(&opts.common, true)?;
    let level = ctx.parameters.get("level").cloned().unwrap_or(serde_json::Value::String("3".into()));
    let scheduler_id = definition::scheduler_id(ctx.graph_config.trust_domain(), &level);

    let queue = open_destination(opts, env, &log)?;
    let decision_task_id = decision_task_id(opts, env, queue.is_live(), &input_sha256, &log)?;
    let requested_now = opts.now.as_deref().map(Instant::parse).transpose().map_err(usage)?;
    // On resume the clock reading of the first run wins, so that bodies are identical.
    let earlier = opts.state.as_deref().map(state::peek_header).transpose()?.flatten();
    let now = match &earlier {
        Some(header) => Instant::parse(&header.now).map_err(usage)?,
        None => requested_now.unwrap_or_else(Instant::now),
    };
    // Every body is made (and so checked) before anything is written.
    let submission = Submission { decision_task_id: decision_task_id.clone(), scheduler_id: scheduler_id.clone(), now };
    let copies = (0..graph.len()).map(|i| definition::copies(&graph, i)).collect::<anyhow::Result<Vec<_>>>()?;
    let bodies = match definition_texts {
        None => Made::Values(definition::task_definitions(&graph, &submission)?),
        Some(texts) => Made::Serialized(definition::serialized_bodies(&graph, texts, &submission)?),
    };
    let artifact_inputs = opts.artifacts.as_ref().map(|_| read_artifact_inputs(opts)).transpose()?;

    let fresh = Header {
        version: STATE_VERSION,
        input_sha256,
        target: queue.target(),
        decision_task_id,
        scheduler_id,
        now: now.to_json_time(),
    };
    let mut state = opts.state.as_deref().map(|dir| StateLog::open(dir, fresh)).transpose()?;
    if let Some(s) = &state {
        if s.resumed {
            log.info(format!(
                "resuming {}: {} tasks already created, clock reading {}",
                s.path().display(),
                s.created.len(),
                s.header.now
            ));
            if requested_now.is_some_and(|r| r != now) {
                log.warn(format!("--now ignored: resuming with the clock reading of the first run ({})", s.header.now));
            }
        }
    }

    if let (Some(dir), Some(inputs)) = (&opts.artifacts, &artifact_inputs) {
        write_artifacts(dir, inputs, &graph, &ctx, &log)?;
    }

    // From here on the bodies are in `definitions`; the task records are needed only for labels.
    drop(artifact_inputs);
    graph.release_task_records();
    let resumed = state.as_ref().is_some_and(|s| s.resumed);
    let queue = queue.open(resumed)?;
    let plan = Plan {
        graph: &graph,
        // The bodies go to `submit_bodies` apart.
        definitions: &[],
        copies: &copies,
        // A dry run sends one request at a time, so that the file's order is deterministic.
        concurrency: if queue.is_dry_run() { 1 } else { opts.concurrency },
        progress_every: Duration::from_secs_f64(opts.progress_interval.max(0.0)),
        progress: progress::style_for_stderr(&log),
    };
    log.info(format!(
        "creating {} tasks ({} requests) of task group {} on {}",
        graph.len(),
        copies.iter().map(|&c| c as usize).sum::<usize>(),
        submission.decision_task_id,
        describe_target(&*queue)
    ));
    let started = std::time::Instant::now();
    let outcome = scheduler::submit_bodies(&plan, bodies.as_bodies(), &*queue, state.as_mut(), &log)?;
    report(&outcome, &graph, &*queue, started.elapsed(), &log)
}

/// The createTask bodies, as values (when the artifacts need the records whole anyway) or as
/// compact JSON text.
enum Made {
    Values(Vec<serde_json::Value>),
    Serialized(Vec<Box<str>>),
}

impl Made {
    fn as_bodies(&self) -> Bodies<'_> {
        match self {
            Made::Values(values) => Bodies::Values(values),
            Made::Serialized(texts) => Bodies::Serialized(texts),
        }
    }
}

/// Flags clap cannot check.
fn check_flags(opts: &Opts) -> anyhow::Result<()> {
    if opts.concurrency == 0 {
        return Err(usage("--concurrency must be at least 1"));
    }
    if !(opts.timeout.is_finite() && opts.timeout > 0.0) {
        return Err(usage("--timeout must be a positive number of seconds"));
    }
    if !opts.progress_interval.is_finite() {
        return Err(usage("--progress-interval must be a number of seconds"));
    }
    Ok(())
}

/// The whole input and its name for messages, without its end-of-stream record (required on
/// a pipe: a cut stream creates nothing), so that a rerun from a saved file resumes.
fn read_input(path: Option<&Path>) -> anyhow::Result<(Vec<u8>, String)> {
    let (mut reader, source) = tg_core::jsonl::open_input(path)?;
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| usage(format!("{source}: read error: {e}")))?;
    tg_core::stream::strip_end(&mut bytes, &source, tg_core::jsonl::input_end_rule(path))?;
    Ok((bytes, source))
}

/// The destination before it is opened (opening a dry-run directory empties it, which must
/// wait until the state log agreed).
enum Destination {
    Live(Client),
    DryRun(PathBuf),
}

impl Destination {
    fn is_live(&self) -> bool {
        matches!(self, Destination::Live(_))
    }

    fn target(&self) -> String {
        match self {
            Destination::Live(client) => client.config().endpoint.base_url().to_string(),
            Destination::DryRun(dir) => {
                format!("dry-run:{}", std::path::absolute(dir).unwrap_or_else(|_| dir.clone()).display())
            }
        }
    }

    fn open(self, resume: bool) -> anyhow::Result<Box<dyn Queue>> {
        Ok(match self {
            Destination::Live(client) => Box::new(TaskclusterQueue::new(client)),
            Destination::DryRun(dir) => Box::new(DryRunQueue::open(&dir, resume)?),
        })
    }
}

/// The queue from `TASKCLUSTER_*`, or the dry-run directory.
fn open_destination(opts: &Opts, env: &dyn Fn(&str) -> Option<String>, log: &Log) -> anyhow::Result<Destination> {
    if opts.dry_run {
        return Ok(Destination::DryRun(opts.dry_run_dir.clone()));
    }
    let Some(endpoint) = tg_tcclient::Endpoint::from_vars(env)? else {
        log.info(format!(
            "no Taskcluster configured (TASKCLUSTER_PROXY_URL or TASKCLUSTER_ROOT_URL): dry run into {}",
            opts.dry_run_dir.display()
        ));
        return Ok(Destination::DryRun(opts.dry_run_dir.clone()));
    };
    if let tg_tcclient::Endpoint::Root { credentials: None, .. } = &endpoint {
        log.warn(
            "TASKCLUSTER_ROOT_URL without TASKCLUSTER_CLIENT_ID/TASKCLUSTER_ACCESS_TOKEN: requests are unauthenticated",
        );
    }
    let mut config = Config::new(endpoint);
    config.retry = RetryPolicy {
        max_retries: opts.max_retries,
        base_delay: Duration::from_millis(opts.retry_delay_ms),
        ..RetryPolicy::default()
    };
    config.timeouts.request = Duration::from_secs_f64(opts.timeout);
    config.timeouts.connect = config.timeouts.connect.min(config.timeouts.request);
    config.max_idle_connections = opts.concurrency;
    Ok(Destination::Live(Client::new(config)?))
}

/// `--decision-task-id`, else `TASK_ID`; a dry run without either derives a stable one.
fn decision_task_id(
    opts: &Opts,
    env: &dyn Fn(&str) -> Option<String>,
    live: bool,
    input_sha256: &str,
    log: &Log,
) -> anyhow::Result<String> {
    if let Some(id) = opts.decision_task_id.clone().or_else(|| env("TASK_ID")).filter(|s| !s.trim().is_empty()) {
        return Ok(id.trim().to_string());
    }
    if live {
        return Err(usage(
            "TASK_ID is not set: the decision task's taskId is every task's taskGroupId \
             (set TASK_ID or --decision-task-id)",
        ));
    }
    let id = definition::slugid_from_sha256(&format!("tg-submit decision task of {input_sha256}"));
    log.info(format!("TASK_ID not set: dry run with decision task id {id}"));
    Ok(id)
}

/// Read the files the artifact flags name.
fn read_artifact_inputs(opts: &Opts) -> anyhow::Result<artifacts::ArtifactInputs> {
    Ok(artifacts::ArtifactInputs {
        full_graph: opts.full_graph.as_deref().map(artifacts::read_tasks_file).transpose()?,
        target_tasks: match (&opts.target_tasks, &opts.target_graph) {
            (Some(path), _) | (None, Some(path)) => Some(artifacts::read_labels_file(path)?),
            (None, None) => None,
        },
        label_to_taskid: opts.label_to_taskid.as_deref().map(artifacts::read_label_map).transpose()?,
    })
}

/// Write the decision artifacts into `dir`.
fn write_artifacts(
    dir: &Path,
    inputs: &artifacts::ArtifactInputs,
    graph: &SubmitGraph,
    ctx: &StageContext,
    log: &Log,
) -> anyhow::Result<()> {
    let yaml = ctx.parameters.to_yaml();
    let written = artifacts::write_all(dir, graph, &yaml, inputs)?;
    log.info(format!("wrote {} to {}", written.join(", "), dir.display()));
    if inputs.full_graph.is_none() {
        log.info("no --full-graph: full-task-graph.json and runnable-jobs.json not written");
    }
    if inputs.target_tasks.is_none() {
        log.info("no --target-tasks: target-tasks.json not written");
    }
    Ok(())
}

fn describe_target(queue: &dyn Queue) -> String {
    let target = queue.target();
    match target.strip_prefix("dry-run:") {
        Some(dir) => format!("the dry-run queue {}", Path::new(dir).join(queue::REQUESTS_NAME).display()),
        None => format!("queue {target}"),
    }
}

/// The summary on stderr; an error (exit 3) listing the failures when not everything was created.
fn report(
    outcome: &Outcome,
    graph: &SubmitGraph,
    queue: &dyn Queue,
    elapsed: Duration,
    log: &Log,
) -> anyhow::Result<()> {
    let rate = outcome.created as f64 / elapsed.as_secs_f64().max(1e-9);
    let mut summary = format!("created {} tasks in {:.1}s ({rate:.0} tasks/s)", outcome.created, elapsed.as_secs_f64());
    if outcome.already_created > 0 {
        summary.push_str(&format!("; {} already created by an earlier run", outcome.already_created));
    }
    log.info(summary);
    if queue.is_dry_run() && outcome.is_success() {
        log.info(format!(
            "dry run: the requests are in {}; set TASKCLUSTER_PROXY_URL or TASKCLUSTER_ROOT_URL to submit",
            describe_target(queue).trim_start_matches("the dry-run queue ")
        ));
    }
    if outcome.is_success() {
        return Ok(());
    }
    let limit = if log.is_debug() { usize::MAX } else { FAILURES_LISTED };
    for failed in outcome.failed.iter().take(limit) {
        log.info(format!("ERROR: could not create '{}' ({}): {}", failed.label, failed.task_id, failed.message));
    }
    if outcome.failed.len() > limit {
        log.info(format!("... and {} more failures (-v lists all)", outcome.failed.len() - limit));
    }
    for &i in outcome.skipped.iter().take(if log.is_debug() { usize::MAX } else { 0 }) {
        log.debug(format!("skipped '{}': a dependency was not created", graph.label(i)));
    }
    let mut message = format!("{} of {} tasks could not be created", outcome.failed.len(), graph.len());
    if !outcome.skipped.is_empty() {
        message.push_str(&format!(", {} dependents skipped", outcome.skipped.len()));
    }
    if let Some(why) = &outcome.stopped {
        message.push_str(&format!(
            "; stopped early ({} not attempted) because the queue is unavailable: {why}",
            outcome.not_attempted
        ));
    }
    if !outcome.failed.is_empty() || outcome.stopped.is_some() {
        message.push_str("; rerun with the same input and --state to create the rest");
    }
    Err(remote(message))
}
