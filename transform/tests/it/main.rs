//! The integration tests of transform, one module per former `tests/*.rs` file, linked into one
//! test binary (one link instead of one per file).

// Test code: a failed unwrap, expect or index is a test failure, which is what it should be.
// clippy.toml allows these in #[test] functions; this also covers the helper modules below,
// which clippy does not see as test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod confinement;
mod fixture_tree;
mod run_cli;
mod split_deps_docker_fixtures;
mod split_deps_docker_no_panic;
mod task_no_panic;
