//! `tg-morph -r ROOT -p PARAMS < optimized.jsonl > morphed.jsonl`: parse flags, run the library
//! ([`tg_morph::cli`]), map errors to exit codes.

/// mimalloc instead of the system allocator: every stage builds and drops many small JSON values
/// (with glibc's malloc, allocation took a quarter of tg-transform's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;
use tg_morph::cli::{run, Args, PROGRAM};

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<Args>(PROGRAM) {
        return code;
    }
    let args = Args::parse();
    tg_core::cli::main_with(PROGRAM, || run(&args, &|name| std::env::var(name).ok()))
}
