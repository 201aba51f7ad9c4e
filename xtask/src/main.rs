//! `cargo xtask`: the project's own commands, in Rust so they run wherever cargo does.
//!
//! - `ci`: what `.ci/run` runs: rustfmt check, clippy on every target (the no-panic lints, `-D warnings`),
//!   release build, the whole test suite and the fidelity figures.
//! - `fidelity [STAGE]`: `../shared/tools/fidelity.py` on the release binaries.
//! - `demo`: the README's main command: the pipeline end to end on the embedded `kinds/`.
//! - `golden`: regenerate the Python reference outputs for `kinds/` (needs taskgraph 24.5.1).
//! - `bench`: speed and memory against Python taskgraph (see `bench.rs`).
//! - `completions`: shell completion scripts for every binary.
//! - `fuzz`: coverage-guided fuzzing of every parser (`fuzz.rs`, targets in `fuzz/`).
//! - `soak`: tg-submit under injected faults and `kill -9` (`soak.rs`).
//! - `dist`: a tarball of the release binaries for a decision image (`dist.rs`).
//! - `tidy`: the crate boundaries, from `cargo metadata` (`tidy.rs`).

mod bench;
mod dist;
mod fuzz;
mod soak;
mod tidy;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Release build, then every test (fidelity on ../shared/realworld included).
    Ci,
    /// Compare our stages with Python taskgraph on ../shared/realworld (STAGE: load, full, target-graph, morphed).
    Fidelity {
        #[arg(default_value = "full")]
        stage: String,
    },
    /// Run the decision pipeline on kinds/ (dry-run queue unless Taskcluster is configured).
    Demo,
    /// Regenerate tests/golden from Python taskgraph 24.5.1.
    Golden,
    /// Coverage-guided fuzzing of the parsers (cargo-fuzz; see fuzz/README.md).
    Fuzz {
        /// One target (default: every target in turn).
        target: Option<String>,
        /// Seconds per target.
        #[arg(long, default_value_t = 60)]
        seconds: u64,
        /// Minimise the corpora into fuzz/corpus/ instead of fuzzing.
        #[arg(long)]
        minimize: bool,
    },
    /// Write shell completion scripts for every tg-* binary into DIR.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        #[arg(long, default_value = "bash")]
        shell: String,
        #[arg(long, default_value = "target/completions")]
        dir: PathBuf,
    },
    /// Speed and memory against Python taskgraph on synthetic and real-world configs.
    Bench {
        /// Synthetic config sizes (tasks), comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "1000,10000,50000")]
        tasks: Vec<usize>,
        /// Skip Python taskgraph (ours only).
        #[arg(long)]
        no_python: bool,
        /// Skip the ../shared/realworld cases.
        #[arg(long)]
        no_realworld: bool,
        /// Runs of each of our stages; the fastest counts.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// tg-submit against a faulty local queue, with kill -9 and resume: exactly once, in order.
    Soak {
        /// Tasks in the graph.
        #[arg(long, default_value_t = 10_000)]
        tasks: usize,
        /// kill -9 of tg-submit at this many random points (each followed by a resume).
        #[arg(long, default_value_t = 10)]
        kills: usize,
        /// Seed of the graph, faults and kill points (default: from the clock).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Fail on a dependency edge the crate boundaries forbid (README "Invariants").
    Tidy,
    /// Pack the release binaries, decision.sh and the README into target/dist/*.tar.gz.
    Dist,
    /// The bench's floor: parse each JSON line of stdin into a value and write it to stdout.
    #[command(hide = true)]
    Floor,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    match cli.cmd {
        Cmd::Ci => ci(&root),
        Cmd::Fidelity { stage } => fidelity(&root, &stage).map(|_| ()),
        Cmd::Demo => {
            run(cargo().args(["build", "--release", "--bins", "-q"]))?;
            run(Command::new("bash").arg("kinds/decision.sh").env("TG_BIN", root.join("target/release")))
        }
        Cmd::Golden => run(Command::new("bash").arg("tests/golden/regenerate.sh")),
        Cmd::Fuzz { target, seconds, minimize } => {
            if minimize {
                fuzz::minimize(&root, target.as_deref())
            } else {
                fuzz::fuzz(&root, target.as_deref(), seconds)
            }
        }
        Cmd::Completions { shell, dir } => completions(&root, &shell, &dir),
        Cmd::Bench { tasks, no_python, no_realworld, repeat } => bench::bench(
            &root,
            &bench::BenchOptions { sizes: tasks, python: !no_python, realworld: !no_realworld, repeat },
        ),
        Cmd::Floor => bench::floor_pass(),
        Cmd::Tidy => tidy::tidy(&root),
        Cmd::Dist => dist::dist(&root).map(|_| ()),
        Cmd::Soak { tasks, kills, seed } => soak::soak(&soak::SoakOptions { tasks, kills, seed }),
    }
}

/// The workspace root (the parent of xtask/).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn ci(root: &Path) -> Result<()> {
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    tidy::tidy(root)?;
    // The no-panic lints (unwrap, expect, panic, indexing) are denied in [workspace.lints.clippy];
    // clippy.toml lets tests use them. Every target, tests included, and no warning left.
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    run(cargo().args(["build", "--release", "--workspace", "--bins"]))?;
    // The tests include tests/tests/it/realworld.rs, which runs ../shared/tools/fidelity.py for
    // full, target-graph and morphed on the release binaries and asserts every task identical.
    // Under CI (`CI` set, as .ci/run sets it) a test whose prerequisite is missing fails
    // instead of skipping (testkit/).
    run(cargo().args(["test", "--release", "--workspace", "--no-fail-fast"]))
}

/// Each binary of the workspace prints its own completions (`TG_COMPLETIONS=<shell>`).
fn completions(root: &Path, shell: &str, dir: &Path) -> Result<()> {
    run(cargo().args(["build", "--release", "--bins", "-q"]))?;
    std::fs::create_dir_all(dir)?;
    for bin in dist::BINARIES {
        let out = Command::new(root.join("target/release").join(bin)).env("TG_COMPLETIONS", shell).output()?;
        if !out.status.success() {
            bail!("{bin}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let path = dir.join(format!("{bin}.{shell}"));
        std::fs::write(&path, &out.stdout)?;
        eprintln!("xtask: wrote {}", path.display());
    }
    Ok(())
}

fn fidelity(root: &Path, stage: &str) -> Result<bool> {
    let script = root.join("../shared/tools/fidelity.py");
    let status = Command::new("python3").arg(script).arg(stage).status().context("cannot run python3")?;
    Ok(status.success())
}
