//! tg-load: the first stage of the pipeline. Reads `ROOT/config.yml`, the parameters and
//! `ROOT/kinds/*/kind.yml`, runs taskgraph's built-in loaders, and writes one JSON line per
//! loader item: `{"kind": ..., "name": ..., "item": {...}}` (see [`tg_core::item::Item`]), where
//! `item` is exactly what taskgraph 24.5.1's loader yields to the kind's first transform.
//!
//! Kinds are written in load order (every kind after its `kind-dependencies`, ties by name),
//! items in file order. Nothing is written unless every kind loads: an error leaves stdout empty.
//!
//! Both built-in loaders (`taskgraph.loader.default:loader`, the default, and
//! `taskgraph.loader.transform:loader`) yield the same items; the default one also appends the
//! `run` and `task` transforms to the kind's transform list, which is tg-transform's concern and
//! is not part of the output. A kind with any other loader (`loader: module:func`, project code)
//! is loaded by the project's Python worker ([`tg_bridge`]): the loader is called as taskgraph
//! calls it (kind name, path, a copy of the kind config, the parameters, and an empty list of
//! kind-dependency tasks, as taskgraph passes a kind without kind-dependencies), and its items
//! are written like the others (`name` from the item's `name`, else `label`, else its position).
//! A custom loader of a kind *with* kind-dependencies needs their tasks, which only tg-transform
//! has: tg-load writes one marker item for the kind instead and tg-transform runs the loader
//! ([`tg_bridge::deferred`]). The worker also
//! resolves the parameters (project schema and defaults) for such runs.
//!
//! Kinds load in parallel (rayon; no built-in loader reads another kind's items) and each kind's
//! items are serialized as soon as it is loaded, so memory stays near the size of the output.
//!
//! Modules: [`loaders`] decides which loaders run and makes their pre-checks;
//! [`transform_loader`] is taskgraph's transform loader.

pub mod loaders;
pub mod transform_loader;

use std::io::Write;
use std::sync::Mutex;

use rayon::prelude::*;

use tg_bridge::{Worker, WorkerOptions};
use tg_core::cli::{CommonArgs, StageContext};
use tg_core::error::bad_input;
use tg_core::item::Item;
use tg_core::jsonl::JsonLinesWriter;
use tg_core::kinds::Kind;

/// The binary's name, used as the prefix of every stderr line.
pub const PROGRAM: &str = "tg-load";

const AFTER_HELP: &str = "\
Output: one JSON line per item, {\"kind\", \"name\", \"item\"}, kinds in load order, items in file order.
Exit codes: 0 ok (also when the reader closes the pipe), 1 bad input, 2 usage or unreadable file.

Example:
  tg-load -r taskcluster -p parameters.yml | tg-transform -r taskcluster -p parameters.yml | tg-resolve -r taskcluster -p parameters.yml";

/// Command-line options of `tg-load`.
#[derive(clap::Parser, Debug, Clone)]
#[command(
    name = "tg-load",
    version,
    about = "Load taskgraph kinds (config.yml, kinds/*/kind.yml, tasks-from files) and write one JSON line per item",
    after_help = AFTER_HELP
)]
pub struct Options {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Load only this kind, its kind-dependencies and docker-image (repeatable).
    #[arg(short = 'k', long = "kind", visible_alias = "target-kind", value_name = "KIND")]
    pub kinds: Vec<String>,
    /// Accept parameters taskgraph's base schema does not define (the default; wins over --strict-parameters).
    #[arg(long)]
    pub allow_unknown_parameters: bool,
}

/// Load everything, then write the items as JSON lines to `out`. Each kind's items are
/// serialized as soon as the kind is loaded (bytes take far less memory than JSON values), and
/// written only once every kind has loaded.
pub fn run(opts: &Options, out: impl Write) -> anyhow::Result<()> {
    let log = opts.common.log(PROGRAM);
    let (kinds, worker) = prepare(opts)?;
    let chunks = per_kind(&kinds, worker.as_ref(), |items| Ok((items.len(), to_json_lines(&items)?)))?;
    let total = chunks.iter().map(|(n, _)| n).sum();
    log.info(format!("loaded {} from {}", count(total, "item"), count(kinds.len(), "kind")));
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    for (_, bytes) in &chunks {
        out.write_all(bytes)?;
    }
    out.flush()?;
    Ok(())
}

/// Validate config and parameters, find the kinds, and load every item in output order.
pub fn load_items(opts: &Options) -> anyhow::Result<Vec<Item>> {
    let log = opts.common.log(PROGRAM);
    let (kinds, worker) = prepare(opts)?;
    let items: Vec<Item> = per_kind(&kinds, worker.as_ref(), Ok)?.into_iter().flatten().collect();
    log.info(format!("loaded {} from {}", count(items.len(), "item"), count(kinds.len(), "kind")));
    Ok(items)
}

/// Config, parameters, and the kinds to load in load order; the Python worker when a kind has a
/// custom loader (it then checks the parameters, with the project's schema).
fn prepare(opts: &Options) -> anyhow::Result<(Vec<Kind>, Option<Mutex<Worker>>)> {
    let graph_config = tg_core::config::GraphConfig::load(&opts.common.root)?;
    let kinds = tg_core::kinds::load_kinds(&graph_config, &opts.kinds)?;
    if kinds.iter().all(|k| loaders::is_builtin(k.loader())) {
        load_context(opts)?;
        return Ok((kinds, None));
    }
    let worker = Worker::start(&WorkerOptions {
        program: PROGRAM,
        root: opts.common.root.clone(),
        parameters: opts.common.parameters.clone(),
        overrides: None,
        log: opts.common.log(PROGRAM),
    })
    .map_err(|e| {
        let custom: Vec<&Kind> = kinds.iter().filter(|k| !loaders::is_builtin(k.loader())).collect();
        match custom.first() {
            Some(kind) => e.context(loaders::custom_loader_hint(kind, &kinds)),
            None => e,
        }
    })?;
    Ok((kinds, Some(Mutex::new(worker))))
}

/// Load every kind (in parallel: the built-in loaders never look at other kinds' items) and
/// pass its items through `finish`. Results come back in load order; on failure, the error of
/// the first failing kind in load order, so the message does not depend on thread timing.
fn per_kind<T: Send>(
    kinds: &[Kind],
    worker: Option<&Mutex<Worker>>,
    finish: impl Fn(Vec<Item>) -> anyhow::Result<T> + Sync,
) -> anyhow::Result<Vec<T>> {
    let results: Vec<anyhow::Result<T>> = kinds
        .par_iter()
        .map(|kind| {
            let items = load_kind_with(kind, worker).map_err(|e| match loaders::is_builtin(kind.loader()) {
                true => e,
                false => e.context(loaders::custom_loader_hint(kind, kinds)),
            });
            items.and_then(&finish)
        })
        .collect();
    results.into_iter().collect()
}

/// The graph config and parameters. With `--strict-parameters`, unknown parameters fail (naming
/// them and the flag that accepts them); the loaders never read them.
fn load_context(opts: &Options) -> anyhow::Result<StageContext> {
    let ctx = StageContext::load(&opts.common, true)?;
    if !opts.common.allows_unknown_parameters(opts.allow_unknown_parameters) {
        ctx.parameters.check(false).map_err(|msg| {
            let source = opts.common.parameters.as_ref().map_or("<defaults>".into(), |p| p.display().to_string());
            bad_input(format!(
                "{source}: invalid parameters: {msg} (pass --allow-unknown-parameters to accept parameters a project adds)"
            ))
        })?;
    }
    Ok(ctx)
}

/// One kind's items, after its loader's own checks.
pub fn load_kind(kind: &Kind) -> anyhow::Result<Vec<Item>> {
    load_kind_with(kind, None)
}

/// One kind's items: built-in loaders natively, others through the Python worker.
pub fn load_kind_with(kind: &Kind, worker: Option<&Mutex<Worker>>) -> anyhow::Result<Vec<Item>> {
    if loaders::is_builtin(kind.loader()) {
        loaders::check_default_loader_transforms(kind)?;
        return transform_loader::load_kind_items(kind);
    }
    if tg_bridge::deferred::is_deferred(kind) {
        // Its loader needs the kind-dependency tasks: tg-transform runs it (tg_bridge::deferred).
        return Ok(vec![tg_bridge::deferred::marker(kind)]);
    }
    let Some(worker) = worker else {
        return loaders::check_builtin_loaders(std::slice::from_ref(kind)).map(|_| Vec::new());
    };
    let mut worker = worker.lock().map_err(|_| bad_input("python worker unusable after an earlier failure"))?;
    loaders::load_custom(kind, &mut worker)
}

/// `1 item`, `2 items`.
fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Items as compact JSON lines, each ending in `\n`.
pub fn to_json_lines(items: &[Item]) -> anyhow::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut writer = JsonLinesWriter::new(&mut buf);
    for item in items {
        writer.write(item)?;
    }
    writer.finish()?;
    Ok(buf)
}
