//! `cargo xtask soak`: tg-submit (release build) against the local queue server of
//! `submit/tests/it/common` with injected faults (10 % 500s, 1 % connection resets, 0–20 ms of
//! latency per request), a full run per size (memory sampled from `/proc`), then `kill -9` at
//! random points with resumes; asserts exactly-once, dependency order, Hawk and nothing lost,
//! and prints a figures table. The soak itself is `soak_full` in `submit/tests/it/soak.rs` (the
//! same code as the short soak CI runs), run here in release with the sizes passed by
//! environment (`TG_SOAK_TASKS`, `TG_SOAK_KILLS`, `TG_SOAK_SEED`).

use anyhow::Result;
use std::time::{SystemTime, UNIX_EPOCH};

/// What to soak.
pub struct SoakOptions {
    pub tasks: usize,
    pub kills: usize,
    /// Seed of the graph, the faults and the kill points (default: from the clock, printed).
    pub seed: Option<u64>,
}

pub fn soak(opts: &SoakOptions) -> Result<()> {
    let seed = opts
        .seed
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() % 1_000_000).unwrap_or(1));
    eprintln!("xtask soak: {} tasks, {} kills, seed {seed} (rerun with --seed {seed})", opts.tasks, opts.kills);
    super::run(
        super::cargo()
            .args(["test", "--release", "-p", "tg-submit", "--test", "it", "--"])
            .args(["--ignored", "--exact", "soak::soak_full", "--nocapture"])
            .env("TG_SOAK_TASKS", opts.tasks.to_string())
            .env("TG_SOAK_KILLS", opts.kills.to_string())
            .env("TG_SOAK_SEED", seed.to_string()),
    )
}
