//! target graph -> tg-optimize (empty index) -> tg-morph, against Python taskgraph 24.5.1's
//! `taskgraph morphed --json` (index look-ups stubbed as "nothing found"), for every real-world
//! repository in ../shared/realworld and for the kinds/ example (tests/golden).
//!
//! tg-optimize runs in-process through its library (Cargo gives a test only its own package's
//! binaries); tg-morph runs as the real binary. tg-optimize's own tests run its binary.

use crate::common;

use assert_cmd::Command;
use std::path::Path;
use tg_core::cli::{CommonArgs, Log, StageContext};
use tg_optimize::index::EmptyIndex;
use tg_optimize::references::ArtifactUrls;
use tg_optimize::strategy::Registry;
use tg_optimize::taskids::TaskIdGenerator;

fn common_args(root: &Path, params: &Path) -> CommonArgs {
    CommonArgs {
        root: root.to_path_buf(),
        parameters: Some(params.to_path_buf()),
        verbose: 0,
        quiet: true,
        strict_parameters: false,
    }
}

/// The optimized graph of a target graph, as `tg-optimize --index empty --seed 1` writes it.
fn optimize(root: &Path, params: &Path, target_graph: &Path, target_tasks: Option<&Path>) -> Vec<u8> {
    let ctx = StageContext::load(&common_args(root, params), true).unwrap();
    let opts = tg_optimize::Options {
        parameters: ctx.parameters,
        target_tasks: target_tasks.map(|p| tg_optimize::read_target_tasks(p).unwrap()),
        registry: Registry::builtin(),
        decision_task_id: tg_optimize::DEFAULT_DECISION_TASK_ID.into(),
        urls: ArtifactUrls { root_url: Some("https://tc.example.com".into()), ..Default::default() },
        now: tg_core::time::now_micros(),
        log: Log::quiet("tg-optimize"),
    };
    let input = common::json_graph_to_lines(target_graph);
    let mut out = Vec::new();
    let mut index = EmptyIndex::silent(Log::quiet("tg-optimize"));
    tg_optimize::run(&opts, &mut index, &mut TaskIdGenerator::seeded(1), input.as_bytes(), "<stdin>", &mut out)
        .unwrap();
    out
}

fn morph(root: &Path, params: &Path, optimized: Vec<u8>) -> String {
    let out = Command::cargo_bin("tg-morph")
        .unwrap()
        .env_remove("TASKGRAPH_HEAD_REPOSITORY")
        .env_remove("TASKGRAPH_HEAD_REV")
        .arg("-q")
        .arg("-r")
        .arg(root)
        .arg("-p")
        .arg(params)
        .args(["--seed", "1"])
        .write_stdin(testkit::sealed(String::from_utf8(optimized).unwrap()))
        .assert()
        .success();
    // stdout is a pipe: the morphed graph, then tg-morph's end-of-stream record.
    testkit::unsealed(&String::from_utf8(out.get_output().stdout.clone()).unwrap(), "tg-morph")
}

#[test]
fn realworld_morphed_graphs_match_python() {
    let Some(shared) = common::shared_dir() else { return };
    let cases = common::realworld_cases(&shared);
    assert_eq!(cases.len(), 8, "expected the 8 real-world repositories");
    let mut total = (0, 0);
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let root = case.join("config/taskcluster");
        let params = case.join("parameters.yml");
        let optimized = optimize(&root, &params, &case.join("reference/target-task-graph.json"), None);
        let ours = morph(&root, &params, optimized);
        let (same, all, differing) =
            common::compare_with_reference(&case.join("reference/morphed-task-graph.json"), &ours);
        eprintln!("{name}: identical {same}/{all}");
        assert!(differing.is_empty(), "{name}: differing tasks {differing:?}");
        total = (total.0 + same, total.1 + all);
    }
    eprintln!("identical: {}/{} tasks", total.0, total.1);
}

#[test]
fn golden_morphed_graph_matches_python() {
    let root = common::repo_root();
    let golden = root.join("tests/golden");
    // Part of the repository: missing is a failure, never a skip.
    assert!(golden.join("morphed-task-graph.json").is_file(), "tests/golden/morphed-task-graph.json not found");
    let params = golden.join("parameters.yml");
    let target_tasks = golden.join("target-tasks.json");
    let optimized = optimize(&root.join("kinds"), &params, &golden.join("target-task-graph.json"), Some(&target_tasks));
    let ours = morph(&root.join("kinds"), &params, optimized);
    let (same, all, differing) = common::compare_with_reference(&golden.join("morphed-task-graph.json"), &ours);
    assert!(differing.is_empty(), "differing tasks {differing:?} ({same}/{all})");
}

#[test]
fn morph_input_must_be_optimized() {
    let root = common::repo_root();
    let golden = root.join("tests/golden");
    assert!(golden.is_dir(), "tests/golden not found");
    let out = Command::cargo_bin("tg-morph")
        .unwrap()
        .arg("-r")
        .arg(root.join("kinds"))
        .arg("-p")
        .arg(golden.join("parameters.yml"))
        .write_stdin(testkit::sealed("{\"kind\":\"k\",\"label\":\"a\",\"task\":{}}\n"))
        .assert()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(stderr.contains("tg-morph: error: task a has no task_id"), "{stderr}");
}
