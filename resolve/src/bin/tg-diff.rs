//! `tg-diff` binary: 0 when the two graphs are equal, 1 when they differ, 2 on unreadable input.

/// mimalloc instead of the system allocator: every stage builds and drops many small JSON values
/// (with glibc's malloc, allocation took a quarter of tg-transform's time).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use std::process::ExitCode;
use tg_resolve::diff::{run, DiffOptions, PROGRAM};

fn main() -> ExitCode {
    if let Some(code) = tg_core::cli::print_completions_if_asked::<DiffOptions>("tg-diff") {
        return code;
    }
    let opts = match DiffOptions::try_parse() {
        Ok(opts) => opts,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let mut equal = true;
    let code = tg_core::cli::main_with(PROGRAM, || {
        equal = run(&opts, tg_core::output::stdout())?;
        Ok(())
    });
    if code != ExitCode::SUCCESS {
        // Any failure to read or parse an input is "trouble" (2), as for diff(1).
        return ExitCode::from(2);
    }
    if equal {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
