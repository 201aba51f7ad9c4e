//! The decision as the stage binaries run it: each stage writes its stream to a file, the
//! next starts only once it succeeded, and tg-submit, last, is the only one that creates tasks.
//! So a stage that fails or is killed stops the decision before anything reaches the queue,
//! and every stream stays on disk for replaying one phase with its own binary
//! (`--keep-streams DIR`).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tg_core::cli::Log;
use tg_core::error::{usage, Failure};

/// Where the stage binaries are: beside this executable, else on PATH.
pub fn stage_binary(name: &str) -> PathBuf {
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(name)));
    match beside {
        Some(path) if path.is_file() => path,
        _ => PathBuf::from(name),
    }
}

/// One stage to run: the binary, its arguments, extra environment, and the file its stdout
/// goes to (if any).
pub struct Stage<'a> {
    pub binary: &'a str,
    pub args: Vec<String>,
    pub env: &'a [(String, String)],
    pub stdout: Option<&'a Path>,
}

/// Run `stage` to completion; its failure (exit code and all) becomes the decision's.
pub fn run_stage(stage: &Stage, log: &Log) -> anyhow::Result<()> {
    let mut cmd = Command::new(stage_binary(stage.binary));
    cmd.args(&stage.args).envs(stage.env.iter().map(|(k, v)| (k, v))).stdin(Stdio::null());
    if let Some(path) = stage.stdout {
        let file = File::create(path).map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?;
        cmd.stdout(file);
    }
    log.debug(format!("running {} {}", stage.binary, stage.args.join(" ")));
    let status = cmd.status().map_err(|e| usage(format!("cannot run {}: {e}", stage.binary)))?;
    if status.success() {
        return Ok(());
    }
    let code = status.code().map_or(1, |c| u8::try_from(c).unwrap_or(1));
    let how = match status.code() {
        Some(c) => format!("exit {c}"),
        None => "killed by a signal".to_string(),
    };
    Err(Failure { code, message: format!("{} failed ({how}): no task was created", stage.binary) }.into())
}
