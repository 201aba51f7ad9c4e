//! The `tg-transform` command line: its flags ([`Args`]) and the run ([`run`]) that reads the
//! items, applies each kind's transforms and writes the tasks; `main` only parses and maps the
//! error to the exit code.
//!
//! Project code (transforms that are not built in, custom loaders, the `taskgraph.register`
//! hook) runs in one Python worker for the whole run (see [`crate::driver`]); the parameters
//! are then the ones Python taskgraph resolves (project schema and defaults).

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use tg_bridge::trace::Tracer;
use tg_bridge::{Worker, WorkerOptions};
use tg_core::cli::{CommonArgs, Log, StageContext};
use tg_core::config::GraphConfig;
use tg_core::jsonl::{open_input, JsonLinesReader};
use tg_core::params::Parameters;

use crate::driver::{self, Extensions};

/// The program name in messages.
pub const PROGRAM: &str = "tg-transform";

#[derive(Parser, Debug)]
#[command(
    name = "tg-transform",
    about = "Apply each kind's taskgraph transforms to loaded items, writing tasks as JSON lines",
    after_help = "Transforms: built-in taskgraph.transforms.* run natively; `exec:<command>` runs a command over \
JSON lines; any other name (project code) runs in a Python worker (TG_PYTHON, the venv or python3, with \
taskcluster-taskgraph==24.5.1).\n\nExample:\n  tg-load -r taskcluster -p params.yml | tg-transform -r taskcluster -p params.yml > full.jsonl\n  \
tg-load | tg-transform --trace '^test-linux' > /dev/null"
)]
pub struct Args {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Read items from this file instead of stdin.
    #[arg(short = 'i', long = "input")]
    pub input: Option<PathBuf>,
    /// Accept parameters taskgraph's base schema does not define (the default; wins over --strict-parameters).
    #[arg(long)]
    pub allow_unknown_parameters: bool,
    /// Trace tasks whose final label matches REGEX: after every transform step, what changed
    /// (field paths: + added, - removed, ~ changed), on stderr or --trace-file.
    #[arg(long, value_name = "REGEX")]
    pub trace: Option<String>,
    /// Write the trace to FILE instead of stderr.
    #[arg(long, value_name = "FILE", requires = "trace")]
    pub trace_file: Option<PathBuf>,
    /// Write each in-tree docker image's context as DIR/<image>.tar.gz, as the decision task
    /// does (`docker-contexts/`, uploaded as public/docker-contexts/).
    #[arg(long, value_name = "DIR")]
    pub docker_contexts: Option<PathBuf>,
    /// Apply the project's `taskgraph.decision-parameters` function to the parameters first,
    /// as `taskgraph decision` does (`taskgraph full` does not).
    #[arg(long)]
    pub decision_parameters: bool,
}

/// Run tg-transform: items from `--input` or stdin, tasks to stdout, then the end-of-stream
/// record.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let log = args.common.log(PROGRAM);
    let (input, source) = open_input(args.input.as_deref())?;
    let end = tg_core::jsonl::input_end_rule(args.input.as_deref());
    let items = JsonLinesReader::new(input, source).requiring_end(end).read_all()?;
    let graph_config = GraphConfig::load(&args.common.root)?;
    let kinds = driver::kinds_of(&graph_config, &items)?;
    let mut ext = Extensions { tracer: tracer(args)?, worker: None, docker_contexts: args.docker_contexts.clone() };
    let ctx = if driver::needs_worker(&graph_config, &kinds) || args.decision_parameters {
        let (ctx, worker) = context_from_worker(args, graph_config, log)?;
        ext.worker = Some(worker);
        ctx
    } else {
        StageContext::load(&args.common, args.allow_unknown_parameters)?
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, tg_core::output::stdout());
    let count = driver::transform_items_streaming(&ctx, items, log, &mut ext, &mut |text| Ok(out.write_all(text)?))?;
    drop(ext);
    out.flush()?;
    tg_core::stream::end_stdout(PROGRAM)?;
    log.info(format!("wrote {count} tasks"));
    Ok(())
}

/// Start the worker; the parameters are the ones Python taskgraph resolves.
fn context_from_worker(args: &Args, graph_config: GraphConfig, log: Log) -> anyhow::Result<(StageContext, Worker)> {
    let opts = WorkerOptions {
        program: PROGRAM,
        root: args.common.root.clone(),
        parameters: args.common.parameters.clone(),
        overrides: None,
        log,
    };
    let mut worker = Worker::start(&opts)?;
    let mut values = worker.parameters().clone();
    if args.decision_parameters {
        values = worker.decision_parameters(&values)?;
    }
    Ok((StageContext { graph_config, parameters: Parameters::from_map(values) }, worker))
}

/// The tracer `--trace`/`--trace-file` ask for.
fn tracer(args: &Args) -> anyhow::Result<Option<Tracer>> {
    let Some(pattern) = &args.trace else { return Ok(None) };
    let out: Box<dyn std::io::Write + Send> = match &args.trace_file {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| tg_core::usage(format!("cannot write {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::stderr()),
    };
    Tracer::new(pattern, out).map(Some)
}
