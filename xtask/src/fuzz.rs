//! `cargo xtask fuzz [TARGET] [--seconds N]`: coverage-guided fuzzing of the parsers of
//! untrusted text with cargo-fuzz (libFuzzer), and `minimize` to refresh the committed corpora.
//!
//! The targets live in `fuzz/` (a cargo-fuzz project outside the main workspace). Each run
//! reads three corpus directories, of which only the first is written to:
//!
//! - `fuzz/target/corpus/<target>/`: scratch, grows with what the fuzzer finds (not committed);
//! - `fuzz/corpus/<target>/`: the committed, minimised corpus;
//! - `fuzz/target/seeds/<target>/`: seeds made afresh from `kinds/` and `../shared/realworld`.
//!
//! Crashes land in `fuzz/artifacts/<target>/`; the command fails when any target crashed and
//! prints how to reproduce each crash. Targets are built with overflow checks and debug
//! assertions but without a sanitizer (the code is safe Rust), which makes them several times
//! faster. A nightly toolchain is used when rustup has one; otherwise stable with
//! `RUSTC_BOOTSTRAP=1`. Needs `cargo install cargo-fuzz` and a C++ compiler (libFuzzer is C++).

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every fuzz target, with what it exercises.
pub const TARGETS: &[(&str, &str)] = &[
    ("yaml", "tg_core::yaml::from_str: PyYAML 1.1 scalars, anchors, << merges"),
    ("jsonl", "tg_core::jsonl reader/writer and tg_core::graph::read_graph"),
    ("params", "tg_core::params validation, parameters.yml dump, file_url"),
    ("keyed_by", "tg_transform::util::keyed_by on kind.yml-like documents"),
    ("format", "tg_transform::util::format (Python str.format)"),
    ("datestamp", "relative datestamps and timestamps in tg_optimize::time and tg_submit::time"),
    ("try_syntax", "tg_resolve::try_syntax message parsing and task matching"),
    ("index_file", "tg_optimize::index::FileIndex (tg-optimize --index FILE)"),
    ("tc_response", "Taskcluster answers to tg_core's client, tg-optimize's index and tg-submit's queue"),
];

/// Largest input the fuzzer makes (bytes); seed files above it are skipped.
const MAX_LEN: usize = 16 * 1024;

/// Longest input kept in the committed corpus (longer ones are cut when merging).
const COMMITTED_MAX_LEN: usize = 2048;

/// Fuzz `target` (or every target, one after the other) for `seconds` each.
pub fn fuzz(root: &Path, target: Option<&str>, seconds: u64) -> Result<()> {
    let targets = selected_targets(target)?;
    let fuzz_dir = root.join("fuzz");
    let toolchain = Toolchain::detect()?;
    run_cargo_fuzz(&toolchain, &fuzz_dir, &["build"], &[])?;
    let mut crashed = Vec::new();
    for name in &targets {
        let scratch = fuzz_dir.join("target/corpus").join(name);
        let committed = fuzz_dir.join("corpus").join(name);
        let seeds = fuzz_dir.join("target/seeds").join(name);
        for dir in [&scratch, &committed] {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let seeded = write_seeds(root, name, &seeds)?;
        eprintln!("xtask: fuzz {name} for {seconds} s ({seeded} seeds from kinds/ and ../shared)");
        let before = artifacts(&fuzz_dir, name);
        let libfuzzer_args = [
            format!("-max_total_time={seconds}"),
            format!("-max_len={MAX_LEN}"),
            "-rss_limit_mb=2048".to_string(),
            "-timeout=20".to_string(),
            "-print_final_stats=1".to_string(),
        ];
        let dirs = [scratch, committed, seeds].map(|d| d.display().to_string());
        let status = run_cargo_fuzz(
            &toolchain,
            &fuzz_dir,
            &["run", name],
            &[&dirs[..], &["--".to_string()], &libfuzzer_args[..]].concat(),
        );
        let new: Vec<PathBuf> = artifacts(&fuzz_dir, name).into_iter().filter(|a| !before.contains(a)).collect();
        if status.is_err() || !new.is_empty() {
            crashed.push((name.to_string(), new));
        }
    }
    if crashed.is_empty() {
        eprintln!("xtask: fuzz: no crash in {} target(s)", targets.len());
        return Ok(());
    }
    for (name, files) in &crashed {
        eprintln!("xtask: fuzz {name} crashed; reproduce with:");
        for f in files {
            eprintln!("  (cd fuzz && cargo fuzz run -s none -a {name} {})", f.display());
        }
    }
    bail!("fuzz: {} target(s) crashed", crashed.len())
}

/// Minimise the scratch and committed corpora of `target` (or every target) into
/// `fuzz/corpus/<target>/`, replacing it: what to commit after a long run. The seeds are
/// remade at every run, so the committed corpus keeps only inputs that reach code (edges) the
/// seeds do not (libFuzzer's `-merge=1` into a directory that starts with the seeds).
pub fn minimize(root: &Path, target: Option<&str>) -> Result<()> {
    let targets = selected_targets(target)?;
    let fuzz_dir = root.join("fuzz");
    let toolchain = Toolchain::detect()?;
    run_cargo_fuzz(&toolchain, &fuzz_dir, &["build"], &[])?;
    for name in &targets {
        let committed = fuzz_dir.join("corpus").join(name);
        let scratch = fuzz_dir.join("target/corpus").join(name);
        let seeds = fuzz_dir.join("target/seeds").join(name);
        let merged = fuzz_dir.join("target/minimized").join(name);
        let _ = std::fs::remove_dir_all(&merged);
        for dir in [&committed, &scratch, &merged] {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let seeded = write_seeds(root, name, &seeds)?;
        write_seeds(root, name, &merged)?;
        let dirs = [&merged, &committed, &scratch].map(|d| d.display().to_string());
        // Edges only (no hit counts) and short inputs: a small corpus to commit.
        let merge = [
            "-merge=1".to_string(),
            "-use_counters=0".into(),
            format!("-max_len={COMMITTED_MAX_LEN}"),
            "-timeout=20".into(),
        ];
        let args = [&dirs[..], &["--".to_string()], &merge[..]].concat();
        run_cargo_fuzz(&toolchain, &fuzz_dir, &["run", name], &args)?;
        let _ = std::fs::remove_dir_all(&committed);
        std::fs::create_dir_all(&committed).with_context(|| format!("cannot create {}", committed.display()))?;
        let mut bytes = 0;
        for entry in std::fs::read_dir(&merged)?.flatten() {
            let file_name = entry.file_name();
            if file_name.to_string_lossy().starts_with("seed-") {
                continue;
            }
            bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
            std::fs::rename(entry.path(), committed.join(&file_name))
                .with_context(|| format!("cannot move {} into {}", entry.path().display(), committed.display()))?;
        }
        eprintln!("xtask: fuzz corpus {name}: {} files, {bytes} bytes beyond {seeded} seeds", count_files(&committed));
    }
    Ok(())
}

/// The targets to run: the one named (checked) or all of them.
fn selected_targets(target: Option<&str>) -> Result<Vec<&'static str>> {
    match target {
        None => Ok(TARGETS.iter().map(|(n, _)| *n).collect()),
        Some(t) => match TARGETS.iter().find(|(n, _)| *n == t) {
            Some((n, _)) => Ok(vec![*n]),
            None => {
                let known: Vec<String> = TARGETS.iter().map(|(n, what)| format!("  {n}: {what}")).collect();
                bail!("unknown fuzz target {t:?}; the targets are:\n{}", known.join("\n"))
            }
        },
    }
}

/// How cargo-fuzz gets the unstable flags it needs.
enum Toolchain {
    Nightly,
    StableBootstrap,
}

impl Toolchain {
    fn detect() -> Result<Toolchain> {
        let has_fuzz = Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success());
        if !has_fuzz {
            bail!("cargo-fuzz is not installed: run `cargo install cargo-fuzz` (libFuzzer also needs a C++ compiler)");
        }
        let nightly = Command::new("rustup")
            .args(["run", "nightly", "rustc", "--version"])
            .output()
            .is_ok_and(|o| o.status.success());
        Ok(if nightly { Toolchain::Nightly } else { Toolchain::StableBootstrap })
    }
}

/// `cargo [+nightly] fuzz SUBCOMMAND... -s none -a EXTRA...` in `fuzz_dir`.
fn run_cargo_fuzz(toolchain: &Toolchain, fuzz_dir: &Path, subcommand: &[&str], extra: &[String]) -> Result<()> {
    // Plain `cargo`, not $CARGO: that one is a toolchain's own binary, which ignores `+nightly`.
    let mut cmd = Command::new("cargo");
    if let Toolchain::Nightly = toolchain {
        cmd.arg("+nightly");
    } else {
        cmd.env("RUSTC_BOOTSTRAP", "1");
    }
    let Some((name, args)) = subcommand.split_first() else { bail!("no cargo fuzz subcommand") };
    cmd.arg("fuzz").arg(name).args(["-s", "none", "-a"]).args(args).args(extra);
    cmd.current_dir(fuzz_dir).env_remove("CARGO").env_remove("RUSTUP_TOOLCHAIN");
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(())
}

/// The crash, leak, timeout and out-of-memory files of `target`.
fn artifacts(fuzz_dir: &Path, target: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fuzz_dir.join("artifacts").join(target))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map(|rd| rd.count()).unwrap_or(0)
}

// ------------------------------------------------------------------ seeds

/// Write the seeds of `target` into `dir` (emptied first); returns how many.
pub fn write_seeds(root: &Path, target: &str, dir: &Path) -> Result<usize> {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let seeds = seeds_for(root, target);
    for (i, seed) in seeds.iter().enumerate() {
        let path = dir.join(format!("seed-{i:04}"));
        std::fs::write(&path, seed).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(seeds.len())
}

/// Seed inputs for `target`, from the example config, the real-world cases and fixed examples.
fn seeds_for(root: &Path, target: &str) -> Vec<Vec<u8>> {
    let yaml = yaml_files(root);
    let mut seeds: Vec<Vec<u8>> = match target {
        "yaml" => yaml.iter().map(|(_, text)| text.clone().into_bytes()).chain(fixed(YAML_SEEDS)).collect(),
        "params" => yaml
            .iter()
            .filter(|(p, _)| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("parameters")))
            .map(|(_, text)| text.clone().into_bytes())
            .chain(fixed(PARAMS_SEEDS))
            .collect(),
        "keyed_by" => {
            yaml.iter().filter(|(_, text)| text.contains("by-")).map(|(_, text)| text.clone().into_bytes()).collect()
        }
        "format" => format_seeds(&yaml),
        "datestamp" => datestamp_seeds(&yaml),
        "jsonl" => jsonl_seeds(root),
        "try_syntax" => fixed(TRY_SEEDS).collect(),
        "index_file" => fixed(INDEX_SEEDS).collect(),
        "tc_response" => TC_SEEDS.iter().map(|(sel, body)| [&[*sel][..], body.as_bytes()].concat()).collect(),
        _ => Vec::new(),
    };
    seeds.retain(|s| s.len() <= MAX_LEN);
    seeds.sort();
    seeds.dedup();
    seeds
}

fn fixed(list: &'static [&'static str]) -> impl Iterator<Item = Vec<u8>> {
    list.iter().map(|s| s.as_bytes().to_vec())
}

/// Every `*.yml` under `kinds/` and `../shared/realworld/` (path, text), sorted by path.
fn yaml_files(root: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for dir in [root.join("kinds"), root.join("../shared/realworld")] {
        walk(&dir, &mut |p| {
            if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
                if let Ok(text) = std::fs::read_to_string(p) {
                    files.push((p.to_path_buf(), text));
                }
            }
        });
    }
    files.sort();
    files
}

fn walk(dir: &Path, visit: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, visit);
        } else {
            visit(&p);
        }
    }
}

/// The value of a `key: value` YAML line, unquoted (a cheap scan; seeds need not be exact).
fn yaml_line_value(line: &str) -> Option<&str> {
    let (_, value) = line.split_once(": ")?;
    let value = value.trim();
    let unquoted = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(value);
    (!unquoted.is_empty()).then_some(unquoted)
}

/// Templates with `{...}` from the YAML files, each followed by a line of fields.
fn format_seeds(yaml: &[(PathBuf, String)]) -> Vec<Vec<u8>> {
    const FIELDS: &str =
        r#"{"name":"linux64","level":"3","chunk":2,"flag":true,"list":["a",1],"map":{"a":"b","0":"z"},"nothing":null}"#;
    let mut out: Vec<Vec<u8>> = yaml
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter_map(yaml_line_value)
        .filter(|v| v.contains('{') && v.contains('}') && !v.contains("${"))
        .map(|t| format!("{t}\n{FIELDS}").into_bytes())
        .collect();
    out.extend(fixed(FORMAT_SEEDS));
    out
}

/// `*-after:` durations and `relative-datestamp` values from the YAML files, plus fixed stamps.
fn datestamp_seeds(yaml: &[(PathBuf, String)]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = yaml
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter(|l| l.contains("-after:") || l.contains("relative-datestamp"))
        .filter_map(yaml_line_value)
        .map(|v| v.as_bytes().to_vec())
        .collect();
    out.extend(fixed(DATESTAMP_SEEDS));
    out
}

/// JSON lines from the Python reference graphs: single tasks, small graphs, and items.
fn jsonl_seeds(root: &Path) -> Vec<Vec<u8>> {
    let mut graphs = vec![root.join("tests/golden/full-task-graph.json")];
    walk(&root.join("../shared/realworld"), &mut |p| {
        if p.file_name().is_some_and(|n| n == "full-task-graph.json" || n == "target-task-graph.json") {
            graphs.push(p.to_path_buf());
        }
    });
    let mut out = Vec::new();
    for path in graphs {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Ok(serde_json::Value::Object(tasks)) = serde_json::from_str::<serde_json::Value>(&text) else { continue };
        let lines: Vec<String> = tasks.values().filter_map(|t| serde_json::to_string(t).ok()).collect();
        // Single tasks (their dependencies dangle: a graph error), and the first few together.
        out.extend(lines.iter().take(8).map(|l| format!("{l}\n").into_bytes()));
        let small: String = lines.iter().take(6).map(|l| format!("{l}\n")).collect();
        out.push(small.into_bytes());
    }
    out.extend(fixed(JSONL_SEEDS));
    out
}

const YAML_SEEDS: &[&str] = &[
    "base: &b {a: 1, b: [x, y]}\nother: &o {b: 2, c: 3}\nm:\n  <<: [*b, *o]\n  c: 4\n",
    "a: yes\nb: off\nc: 0755\nd: 1_000\ne: 1:30\nf: ~\ng: 0x1f\nh: .inf\ni: 2001-12-14\nj: !!str 7\n",
    "? [complex, key]\n: value\n3: three\ntrue: t\nnull: n\n1.5: f\n",
    "- &a [*a]\n",
    "x: !!binary aGVsbG8=\ny: !!set {a, b}\nz: !!omap [a: 1]\n",
    "a: |\n  literal\n  text\nb: >-\n  folded\n  text\nc: \"esc\\u00e9\\n\"\n",
    "---\nfirst: doc\n---\nsecond: doc\n",
    "%YAML 1.1\n---\n[1, 2, {a: b}]\n",
];

const PARAMS_SEEDS: &[&str] = &[
    "{\"level\": \"1\", \"head_repository\": \"https://github.com/o/r\", \"head_rev\": \"abc\", \"repository_type\": \"git\"}",
    "level: '3'\nproject: fuzz\ncode-review: {phabricator-build-target: PHID-1}\nexisting_tasks: {a: b}\nenable_always_target: [docker-image]\n",
    "build_date: 1\npushdate: 0\noptimize_target_tasks: no\nfiles_changed: [a.py]\nnext_version: null\n",
];

const FORMAT_SEEDS: &[&str] = &[
    "{name}-{chunk:03d}\n{\"name\":\"t\",\"chunk\":7}",
    "{map[a]} {list[0]} {{literal}} {name!r:>10}\n",
    "{name:*^20s}|{chunk:<5}|{flag!s}\n",
    "no fields at all\n",
    "{missing}\n{}",
    "{map[deep][x][1]}\n",
];

const DATESTAMP_SEEDS: &[&str] = &[
    "1 day",
    "28 days",
    "1 year",
    "6 months",
    "90 seconds",
    "2 hours",
    "5min",
    "-1 day",
    "1.5 days",
    "0 seconds",
    "2030-01-01T00:00:00.000Z",
    "2024-02-29T23:59:59.999999Z",
    "1714566896",
    "2024-05-01T12:00:00+00:00",
    "{\"expires\": {\"relative-datestamp\": \"1 year\"}, \"l\": [{\"relative-datestamp\": \"1 day\"}]}",
    "{\"relative-datestamp\": {\"2 days\": {\"relative-datestamp\": \"1 hour\"}}}",
];

const JSONL_SEEDS: &[&str] = &[
    "{\"kind\":\"k\",\"label\":\"a\",\"task\":{}}\n{\"kind\":\"k\",\"label\":\"b\",\"dependencies\":{\"x\":\"a\"},\"task\":{}}\n",
    "{\"kind\":\"k\",\"label\":\"a\",\"dependencies\":{\"x\":\"b\"},\"task\":{}}\n{\"kind\":\"k\",\"label\":\"b\",\"dependencies\":{\"x\":\"a\"},\"task\":{}}\n",
    "{\"kind\":\"k\",\"label\":\"a\",\"task\":{}}\n{\"kind\":\"k\",\"label\":\"a\",\"task\":{}}\n",
    "{\"kind\":\"build\",\"name\":\"linux\",\"item\":{\"description\":\"d\",\"run\":{\"using\":\"run-task\"}}}\n",
    "\n\n{\"kind\":\"k\",\"label\":\"a\",\"task\":{},\"task_id\":\"abc\"}\n",
    "{\"kind\":\"k\",\"label\":\"a\",\"task\":{}}\n{\"kind\":\"k\",\"lab",
];

const TRY_SEEDS: &[&str] = &[
    "try: -b do -p all -u all -t none",
    "try: -b o -p linux64,win64 -u mochitest[linux64,-windows10-64],gtest-3 -t g1",
    "Bug 1 - fix\n\ntry: -b d -p linux64 -u reftest-e10s[Ubuntu] -j flake8 --rebuild 3",
    "try: -b do -p all -u none -t all --rebuild-talos 2 --setenv FOO=bar --tag x --no-retry -e -f",
    "try: --build=do --platform linux64 --unittests='mochitest-1 gtest' --include-nightly -i -w --geckoProfile",
    "try: -bdo -plinux64 -uall -- trailing words",
    "no delimiter here",
];

const INDEX_SEEDS: &[&str] = &[
    "{}",
    "{\"proj.cache.level-3.docker-images.v2.base.hash.abc\": {\"taskId\": \"Ee3pRbHfQ9KkFjnqi6aYdg\", \"status\": {\"state\": \"completed\", \"expires\": \"2030-01-01T00:00:00.000Z\"}}, \"proj.v3.zlib\": {\"taskId\": \"QbX2p7lqRv2n0x1m3e5k9g\"}}",
    "{\"a\": {\"taskId\": \"T\", \"status\": null}, \"b\": {\"taskId\": \"T\", \"status\": {\"state\": \"failed\"}}}",
    "{\"a\": {\"taskId\": \"\"}}",
    "{\"a\": {\"taskId\": \"T\", \"extra\": 1}}",
];

/// (selector byte, body): see the `tc_response` target for what the selector picks.
const TC_SEEDS: &[(u8, &str)] = &[
    (0, "{\"status\": {\"state\": \"completed\", \"expires\": \"2030-01-01T00:00:00.000Z\"}}"),
    (8, "{\"tasks\": [{\"namespace\": \"proj.v2.a\", \"taskId\": \"Ee3pRbHfQ9KkFjnqi6aYdg\"}]}"),
    (9, "{\"tasks\": [], \"continuationToken\": \"t1\"}"),
    (16, "{\"statuses\": [{\"taskId\": \"Ee3pRbHfQ9KkFjnqi6aYdg\", \"status\": {\"state\": \"running\"}}]}"),
    (24, "{\"taskId\": \"Ee3pRbHfQ9KkFjnqi6aYdg\"}"),
    (28, "{\"code\": \"ResourceNotFound\", \"message\": \"Indexed task not found\"}"),
    (32, "{\"status\": {}}"),
    (40, "{}"),
    (43, "{\"code\": \"InputError\", \"message\": \"bad task\"}"),
    (46, "<html>Service Unavailable</html>"),
    (1, "not json"),
    (3, ""),
];
