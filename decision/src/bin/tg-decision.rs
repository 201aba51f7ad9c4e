//! `tg-decision`: taskgraph's decision task, same flags as `taskgraph decision`; run it from
//! the checkout root. Parse flags, run the library ([`tg_decision::cli::decision`]), map errors
//! to exit codes.

/// mimalloc instead of the system allocator, as every tg-* binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;
use tg_decision::cli::decision::{run, Args, PROGRAM};

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<Args>(PROGRAM) {
        return code;
    }
    let args = Args::parse();
    tg_core::cli::main_with(PROGRAM, || run(&args, &|name| std::env::var(name).ok()))
}
