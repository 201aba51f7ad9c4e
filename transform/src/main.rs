//! `tg-transform`: items (JSON lines) -> tasks (JSON lines), by each kind's transforms; parse
//! flags, run the library ([`tg_transform::cli`]), map errors to exit codes.

/// mimalloc instead of the system allocator: every stage builds and drops many small JSON values
/// (with glibc's malloc, allocation took a quarter of tg-transform's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;
use tg_transform::cli::{run, Args, PROGRAM};

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<Args>(PROGRAM) {
        return code;
    }
    let args = Args::parse();
    tg_core::cli::main_with(PROGRAM, || run(&args))
}
