//! The integration tests of tg-decision and tg-params, one module per subject, linked into one
//! test binary: parameters against Python's decision, docker contexts against Python's, and
//! no task created from a failed or killed stage.

// Test code: a failed unwrap, expect or index is a test failure, which is what it should be.
// clippy.toml allows these in #[test] functions; this also covers the helper modules below,
// which clippy does not see as test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;
mod docker_contexts;
mod no_partial_graph;
mod params;
mod python_decision;
mod render;
