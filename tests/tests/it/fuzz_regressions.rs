//! Regression tests for crashes that fuzzing (fuzz/, `cargo xtask fuzz`) found in crates whose
//! owners were still editing them, written against the real binaries. Each test names the fuzz
//! target and the crash input. Memory is capped (`ulimit -v`) so that a regression fails fast
//! instead of exhausting the machine.

use tg_tests::{sh, stage_example};

/// Run `script` in the staged example with at most 4 GB of address space.
fn capped(script: &str, dir: &std::path::Path) -> std::process::Output {
    sh(&format!("ulimit -v 4000000\n{script}"), dir)
}

/// fuzz target `format`, crash-7b658ea7...: `{name:z^5555555555550s}`. A format width of
/// trillions made `tg_transform::util::format` allocate the padding in one go: the allocation
/// failed and the process aborted (SIGABRT), or, where memory is overcommitted, it ground
/// through memory. Python raises (MemoryError, or "Too many decimal digits in format string"
/// past sys.maxsize); tg-transform must fail with exit 1 and a message instead.
#[test]
fn a_huge_format_width_is_an_error_not_an_abort() {
    let ex = stage_example("fuzzreg-width");
    let kind_yml = ex.taskgraph_root().join("kinds/lint/kind.yml");
    let text = std::fs::read_to_string(&kind_yml).unwrap();
    assert!(text.contains("cwd: '{checkout}'"));
    std::fs::write(&kind_yml, text.replace("cwd: '{checkout}'", "cwd: '{checkout:>5555555555550}'")).unwrap();
    let out = capped(
        "tg-load -r taskcluster -p taskcluster/parameters.yml -k lint > items.jsonl\n\
         tg-transform -r taskcluster -p taskcluster/parameters.yml < items.jsonl > tasks.jsonl",
        ex.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "tg-transform: {:?}: {}",
        out.status,
        stderr.chars().take(2000).collect::<String>()
    );
    assert!(stderr.contains("tg-transform: error:") && stderr.contains("run.cwd"), "{stderr}");
}

/// fuzz target `datestamp`, crash-b3ebffb2...: `99999999992030-02-01T00:0:00.00Z`. Parsing a
/// timestamp with a huge year overflowed `i64` in tg-submit's `parse_iso` (days since the epoch
/// times 86 400): a panic with overflow checks, a wrapped (possibly accepted) instant without.
/// `tg-submit --now` must refuse it as a bad flag (exit 2), as it refuses `2030-02-31`.
#[test]
fn a_timestamp_with_a_huge_year_is_refused() {
    let ex = stage_example("fuzzreg-year");
    let out = capped(
        "tg-submit -r taskcluster -p taskcluster/parameters.yml --dry-run --dry-run-dir queue \
           --now 99999999992030-02-01T00:0:00.00Z < /dev/null",
        ex.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "tg-submit: {:?}: {stderr}", out.status);
    assert!(stderr.contains("tg-submit: error: cannot read time \"99999999992030-02-01T00:0:00.00Z\""), "{stderr}");
}
