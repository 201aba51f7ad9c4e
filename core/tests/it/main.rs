//! The integration tests of tg-core, one module per subject, linked into one test binary.

// Test code: a failed unwrap, expect or index is a test failure, which is what it should be.
// clippy.toml allows these in #[test] functions; this also covers the helper modules below,
// which clippy does not see as test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod fuzz_regressions;
mod yaml_roundtrip;
