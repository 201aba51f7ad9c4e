//! tg-resolve: the stage between tg-transform and tg-optimize. It reads every task (JSON lines,
//! `Task.to_json()` shape), builds and checks the full task graph, selects the target tasks and
//! closes them over their dependencies, as taskgraph 24.5.1's generator phases `full_task_graph`,
//! `target_task_set` and `target_task_graph` do.
//!
//! 1. Full graph ([`tg_core::graph::TaskGraph`]): labels unique, every dependency present (the
//!    error names both labels), no cycle (the error prints its path); then taskgraph's
//!    full-graph verifications ([`verify`]). With `target-kinds`, only those kinds, their
//!    kind-dependencies and `docker-image` are kept first (what `taskgraph -k` loads).
//! 2. Target task set ([`target`]): the `filters` parameter, running the `target_tasks_method`.
//! 3. Target task graph ([`closure`]): target tasks plus `always_target` tasks, plus all their
//!    dependencies.
//!
//! Nothing is written until everything has been checked. Modules: [`params`] (parameters and
//! overrides), [`target`], [`try_syntax`] (with [`shlex`]), [`closure`], [`verify`], [`output`]
//! (with [`dot`]), and [`diff`] behind the `tg-diff` binary; [`pyish`] has Python-compatible
//! helpers.

pub mod closure;
pub mod diff;
pub mod dot;
pub mod lean_target;
pub mod output;
pub mod params;
pub mod pyish;
pub mod shlex;
pub mod target;
pub mod try_syntax;
pub mod verify;

use output::{Format, Selection};
use std::borrow::Cow;
use std::io::Write;
use std::path::PathBuf;
use tg_core::cli::{CommonArgs, Log, StageContext};
use tg_core::graph::TaskGraph;
use tg_core::jsonl::open_input;
use tg_core::lean::{read_lean, LeanTask};
use tg_core::task::Task;
use verify::{Verifiable, VerifyFacts};

/// The binary's name, the prefix of its stderr lines.
pub const PROGRAM: &str = "tg-resolve";

const AFTER_HELP: &str = "\
Output (default): the target task graph, one task per line, dependencies first.
  --full             the full task graph instead (every task, checked and verified)
  --target           the target task set (no dependencies added), as `taskgraph target`
  --labels           sorted labels, one JSON string per line (jq -r . for bare labels);
                     alone it lists the target tasks; with --full/--stage another graph's
  --format json      one object keyed by label, as `taskgraph ... --json` prints it
  --format dot       a Graphviz picture, one coloured cluster per kind
Target methods: default, codereview, nothing, try_syntax (alias try_option_syntax; reads the
message parameter, e.g. --message 'try: -b do -p all -u all').
Exit codes: 0 ok (also when the reader closes the pipe), 1 bad input (broken graph, failed
verification, unknown method/filter, bad try syntax), 2 usage or unreadable file.

Example:
  tg-load -p params.yml | tg-transform -p params.yml | tg-resolve -p params.yml | tg-optimize -p params.yml";

/// Which graph to write.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Every task, checked and verified.
    Full,
    /// The target task set, without dependencies.
    Target,
    /// The target tasks, always-target tasks and all their dependencies.
    TargetGraph,
}

/// Command-line options of `tg-resolve`.
#[derive(clap::Parser, Debug, Clone)]
#[command(
    name = "tg-resolve",
    version,
    about = "Build and check the full task graph, select the target tasks and add their dependencies",
    after_help = AFTER_HELP
)]
pub struct Options {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Tasks to read (JSON lines); `-` or nothing reads stdin.
    pub input: Option<PathBuf>,
    /// Write the full task graph.
    #[arg(long, conflicts_with_all = ["target", "stage"])]
    pub full: bool,
    /// Write the target task set (as `taskgraph target`).
    #[arg(long, conflicts_with = "stage")]
    pub target: bool,
    /// Which graph to write (default: target-graph; target with --labels).
    #[arg(long, value_enum)]
    pub stage: Option<Stage>,
    /// Write sorted labels, one JSON string per line (the target tasks unless a graph is chosen).
    #[arg(long, conflicts_with = "format")]
    pub labels: bool,
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Accept parameters taskgraph's base schema does not define (the default; wins over --strict-parameters).
    #[arg(long)]
    pub allow_unknown_parameters: bool,
    /// Set the `message` parameter (the commit message `try_syntax` parses).
    #[arg(short = 'm', long, value_name = "TEXT")]
    pub message: Option<String>,
    /// Set `target_tasks_method`.
    #[arg(long, value_name = "METHOD")]
    pub target_tasks_method: Option<String>,
    /// Keep only these kinds, their kind-dependencies and docker-image (sets `target-kinds`).
    #[arg(short = 'k', long = "target-kind", value_name = "KIND")]
    pub target_kinds: Vec<String>,
    /// Skip taskgraph's full-graph verifications (graph invariants are still checked).
    #[arg(long)]
    pub no_verify: bool,
    /// Also write the target task labels to FILE (a JSON list, as the decision task's
    /// target-tasks.json), for tg-optimize --target-tasks and tg-submit --target-tasks.
    #[arg(long, value_name = "FILE")]
    pub target_tasks_out: Option<PathBuf>,
}

impl Options {
    /// The graph to write, after the shortcuts.
    pub fn stage(&self) -> Stage {
        match (self.full, self.target, self.stage) {
            (true, _, _) => Stage::Full,
            (_, true, _) => Stage::Target,
            (_, _, Some(s)) => s,
            _ if self.labels => Stage::Target,
            _ => Stage::TargetGraph,
        }
    }

    /// The output format, after the shortcuts.
    pub fn format(&self) -> Format {
        if self.labels {
            Format::Labels
        } else {
            self.format.unwrap_or(Format::Jsonl)
        }
    }

    /// True when the output is a stream of task records (JSON lines), which ends with the
    /// end-of-stream record on a pipe; labels, `--format json` and dot are not.
    pub fn writes_task_records(&self) -> bool {
        self.format() == Format::Jsonl
    }

    fn overrides(&self) -> params::Overrides {
        params::Overrides {
            message: self.message.clone(),
            target_kinds: self.target_kinds.clone(),
            target_tasks_method: self.target_tasks_method.clone(),
        }
    }
}

/// Read the input named by the options, resolve, and write the chosen graph to `out`.
pub fn run(opts: &Options, out: impl Write) -> anyhow::Result<()> {
    let allow_unknown = opts.common.allows_unknown_parameters(opts.allow_unknown_parameters);
    let ctx = params::load_context(&opts.common, allow_unknown, &opts.overrides())?;
    let (input, source) = open_input(opts.input.as_deref())?;
    // Tasks stay JSON text but for what resolving reads (tg_core::lean): a fraction of the
    // memory, and the text is copied to the output unparsed.
    let end = tg_core::jsonl::input_end_rule(opts.input.as_deref());
    let tasks: Vec<LeanTask<VerifyFacts>> = read_lean(input, &source, end, VerifyFacts::of_lean)?;
    let log = opts.common.log(PROGRAM);
    let stage =
        if opts.target_tasks_out.is_some() && opts.stage() == Stage::Full { Stage::TargetGraph } else { opts.stage() };
    let resolved = resolve(tasks, &ctx, stage, !opts.no_verify, log)?;
    if let Some(path) = &opts.target_tasks_out {
        write_target_tasks(path, &resolved.labels(Stage::Target))?;
    }
    output::write(&resolved.selection(opts.stage()), opts.format(), out)
}

/// The target labels as a JSON list, written whole before the graph goes to stdout.
fn write_target_tasks(path: &std::path::Path, labels: &[String]) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(labels)?;
    std::fs::write(path, text + "\n").map_err(|e| tg_core::usage(format!("cannot write {}: {e}", path.display())))
}

/// A task as tg-resolve handles it: [`Task`], or the lean form `run` reads.
pub trait ResolveTask: Verifiable + serde::Serialize + Sized {
    /// The target task set of `tasks` (positions, ascending), as [`target::target_task_set`].
    fn target_task_set(tasks: &mut [Self], ctx: &target::TargetContext) -> anyhow::Result<Vec<usize>>;
    /// A true `always_target` attribute.
    fn always_target(&self) -> bool;
    /// The whole task.
    fn as_task(&self) -> anyhow::Result<Cow<'_, Task>>;
}

impl ResolveTask for Task {
    fn target_task_set(tasks: &mut [Self], ctx: &target::TargetContext) -> anyhow::Result<Vec<usize>> {
        target::target_task_set(tasks, ctx)
    }

    fn always_target(&self) -> bool {
        pyish::truthy(self.attributes.get("always_target"))
    }

    fn as_task(&self) -> anyhow::Result<Cow<'_, Task>> {
        Ok(Cow::Borrowed(self))
    }
}

impl ResolveTask for LeanTask<VerifyFacts> {
    fn target_task_set(tasks: &mut [Self], ctx: &target::TargetContext) -> anyhow::Result<Vec<usize>> {
        lean_target::target_task_set(tasks, ctx)
    }

    fn always_target(&self) -> bool {
        self.view.always_target
    }

    fn as_task(&self) -> anyhow::Result<Cow<'_, Task>> {
        self.to_task().map(Cow::Owned)
    }
}

/// Every graph tg-resolve computes, by position in `graph`.
pub struct Resolved<T = Task> {
    /// The full task graph (target-method annotations applied, when a target set was made).
    pub graph: TaskGraph<T>,
    /// Positions in dependency order.
    pub order: Vec<usize>,
    /// Target task positions (empty when only the full graph was asked for).
    pub targets: Vec<usize>,
    /// Positions of the `always_target` tasks admitted by `enable_always_target`.
    pub always: Vec<usize>,
    /// Membership of the target task graph.
    pub in_target_graph: Vec<bool>,
}

impl<T: ResolveTask> Resolved<T> {
    /// The tasks of one stage, in output order.
    pub fn selection(&self, stage: Stage) -> Selection<'_, T> {
        let is_target = flags(self.graph.len(), &self.targets);
        let is_requested = flags(self.graph.len(), self.targets.iter().chain(&self.always));
        let keep = |i: usize| match stage {
            Stage::Full => true,
            Stage::Target => flag(&is_target, i),
            Stage::TargetGraph => flag(&self.in_target_graph, i),
        };
        let positions: Vec<(usize, &T)> = self
            .order
            .iter()
            .copied()
            .filter(|&i| keep(i))
            .filter_map(|i| self.graph.tasks.get(i).map(|t| (i, t)))
            .collect();
        let requested =
            (stage == Stage::TargetGraph).then(|| positions.iter().map(|&(i, _)| flag(&is_requested, i)).collect());
        let title = match stage {
            Stage::Full => "full task graph",
            Stage::Target => "target task set",
            Stage::TargetGraph => "target task graph",
        };
        Selection { tasks: positions.iter().map(|&(_, t)| t).collect(), requested, title: title.into() }
    }

    /// Labels of a stage, sorted.
    pub fn labels(&self, stage: Stage) -> Vec<String> {
        let mut labels: Vec<String> = self.selection(stage).tasks.iter().map(|t| t.label().to_string()).collect();
        labels.sort();
        labels
    }
}

/// A `len`-long membership vector with the given positions set (positions outside it are ignored).
fn flags<'a>(len: usize, positions: impl IntoIterator<Item = &'a usize>) -> Vec<bool> {
    let mut out = vec![false; len];
    for &i in positions {
        if let Some(f) = out.get_mut(i) {
            *f = true;
        }
    }
    out
}

/// Whether position `i` is set in `flags` (false outside it).
fn flag(flags: &[bool], i: usize) -> bool {
    flags.get(i).copied().unwrap_or(false)
}

/// Resolve `tasks` up to `stage`: full graph (checked, verified when `verify`), target task set,
/// target task graph.
pub fn resolve<T: ResolveTask>(
    tasks: Vec<T>,
    ctx: &StageContext,
    stage: Stage,
    verify: bool,
    log: Log,
) -> anyhow::Result<Resolved<T>> {
    target::filters(&ctx.parameters)?;
    if stage != Stage::Full {
        target::target_method(&ctx.parameters)?;
    }
    let tasks = restrict_to_target_kinds(tasks, ctx, log)?;
    let mut graph = TaskGraph::checked(tasks)?;
    let order = graph.topological_order()?;
    let edges: usize = graph.tasks.iter().map(|t| t.dependencies().len()).sum();
    log.info(format!("full task graph: {} tasks, {edges} dependencies", graph.len()));
    if verify {
        let vctx = verify::VerifyContext {
            trust_domain: ctx.graph_config.trust_domain(),
            level: ctx.parameters.str("level"),
            log,
        };
        verify::verify_full_graph(&graph, &order, &vctx)?;
    }
    if stage == Stage::Full {
        let n = graph.len();
        return Ok(Resolved { graph, order, targets: Vec::new(), always: Vec::new(), in_target_graph: vec![true; n] });
    }
    let tctx = target::TargetContext { parameters: &ctx.parameters, graph_config: &ctx.graph_config, log };
    let targets = T::target_task_set(&mut graph.tasks, &tctx)?;
    let always = closure::always_target_tasks(&graph.tasks, &ctx.parameters)?;
    let added = always.iter().filter(|i| targets.binary_search(i).is_err()).count();
    log.info(format!("adding {added} tasks with `always_target` attribute"));
    let requested: Vec<usize> = targets.iter().chain(&always).copied().collect();
    let in_target_graph = closure::transitive_closure(&graph, &requested);
    let size = in_target_graph.iter().filter(|m| **m).count();
    log.info(format!("target task graph: {size} tasks ({} targets)", targets.len()));
    Ok(Resolved { graph, order, targets, always, in_target_graph })
}

/// With `target-kinds`, drop tasks of kinds outside those kinds, their kind-dependencies and
/// docker-image (read from `ROOT/kinds/*/kind.yml`), saying how many were dropped.
fn restrict_to_target_kinds<T: ResolveTask>(tasks: Vec<T>, ctx: &StageContext, log: Log) -> anyhow::Result<Vec<T>> {
    let targets = params::target_kinds(&ctx.parameters);
    if targets.is_empty() {
        return Ok(tasks);
    }
    let kinds = tg_core::kinds::load_kinds(&ctx.graph_config, &targets)?;
    let names: Vec<&str> = kinds.iter().map(|k| k.name.as_str()).collect();
    let before = tasks.len();
    let kept: Vec<T> = tasks.into_iter().filter(|t| names.contains(&t.kind())).collect();
    log.info(format!(
        "target-kinds {}: kept kinds {}; dropped {} tasks of other kinds",
        targets.join(", "),
        names.join(", "),
        before - kept.len()
    ));
    Ok(kept)
}
