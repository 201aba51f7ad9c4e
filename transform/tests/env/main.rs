//! The integration tests of tg-transform that set process environment variables (the fixtures'
//! `env`, `TASKCLUSTER_ROOT_URL`): one test binary of their own, apart from `tests/it`, and one
//! test at a time within it. The environment is global to the process: with the other tests in
//! the same binary, a test's `set_var` changed what a test running beside it read (a fixture
//! expecting its own root URL got another test's `https://tc.example.com`).

// Test code: a failed unwrap, expect or index is a test failure, which is what it should be.
// clippy.toml allows these in #[test] functions; this also covers the helper modules below,
// which clippy does not see as test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::sync::{Mutex, MutexGuard, PoisonError};

mod batched_kinds;
mod run_fixtures;
mod run_robustness;
mod task_fixtures;

/// Held by every test of this binary for its whole run: the tests set and read process
/// environment variables, so they run one after another.
pub fn env_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}
