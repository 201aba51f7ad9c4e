//! The README's "as a pipeline" block (action/README.md) creates exactly the createTask
//! requests `tg-action test add-new-jobs` prints: the block is taken from the README and run
//! with bash, with tg-optimize and tg-submit given the same `--seed` and clock as tg-action
//! (and tg-submit a dry run), on the world's decisions.
//!
//! Needs jq and the tg-resolve, tg-optimize and tg-submit binaries next to tg-action (built by
//! `cargo build`); skips loudly without them, and fails under CI (`testkit::require`).

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const NOW: &str = "2026-02-01T00:00:00.000Z";

/// The first ```sh block after the README's pipeline heading.
fn readme_pipeline() -> String {
    let readme = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let after = readme.split_once("### The same, as a pipeline").expect("pipeline heading").1;
    let block = after.split_once("```sh\n").expect("sh block").1;
    block.split_once("```").expect("end of block").0.to_string()
}

fn stage_binaries() -> Option<PathBuf> {
    let dir = assert_cmd::cargo::cargo_bin("tg-action").parent().unwrap().to_path_buf();
    let missing: Vec<&str> =
        ["tg-resolve", "tg-optimize", "tg-submit"].into_iter().filter(|b| !dir.join(b).is_file()).collect();
    let built = testkit::require(
        missing.is_empty(),
        format!("{} not built in {} (cargo build first)", missing.join(", "), dir.display()),
    );
    (built && testkit::require_command("jq", "the README's pipeline runs jq")).then_some(dir)
}

/// A decision directory of the fixture world.
fn decision_dir(work: &Path, decision: &str) -> (PathBuf, String) {
    let world = World::from_fixture();
    let id = world_ids()[decision]["decision"].as_str().unwrap().to_string();
    let dir = work.join(format!("decision-{decision}"));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in &world.tasks[&id].artifacts {
        std::fs::write(dir.join(name.trim_start_matches("public/")), bytes).unwrap();
    }
    (dir, id)
}

fn run_both(bin: &Path, work: &Path, decision: &str, labels: &[&str], task_id: Option<&str>) {
    let (d, id) = decision_dir(work, decision);
    let out_dir = work.join(format!("run-{decision}-{}", labels.len()));
    std::fs::create_dir_all(&out_dir).unwrap();
    let request = serde_json::to_string(labels).unwrap();
    let block = readme_pipeline().replace(r#"'["lint-audit"]'"#, &format!("'{request}'"));
    let prelude = format!(
        "set -euo pipefail\nexport PATH={bin}:$PATH\n\
         tg-optimize() {{ command tg-optimize -q \"$@\" --seed 7; }}\n\
         tg-submit() {{ command tg-submit -q \"$@\" --now {NOW} --dry-run --dry-run-dir queue; }}\n\
         tg-resolve() {{ command tg-resolve -q \"$@\"; }}\n",
        bin = bin.display()
    );
    let mut cmd = Command::new("bash");
    cmd.arg("-c").arg(format!("{prelude}{block}")).current_dir(&out_dir);
    cmd.env("D", &d).env("DECISION", &id).env("ROOT", kinds());
    match task_id {
        Some(t) => cmd.env("TASK_ID", t),
        None => cmd.env_remove("TASK_ID"),
    };
    for var in ["TASKCLUSTER_PROXY_URL", "TASKCLUSTER_ROOT_URL"] {
        cmd.env_remove(var);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "pipeline failed: {}", text(&out.stderr));

    let input = out_dir.join("input.json");
    std::fs::write(&input, serde_json::json!({"tasks": labels}).to_string()).unwrap();
    let kinds = kinds();
    let params = d.join("parameters.yml");
    let art = out_dir.join("tg-action-artifacts");
    let args = [
        "test",
        "-q",
        "-r",
        kinds.to_str().unwrap(),
        "-p",
        params.to_str().unwrap(),
        "--decision-dir",
        d.to_str().unwrap(),
        "--decision-task-id",
        &id,
        "--input",
        input.to_str().unwrap(),
        "--seed",
        "7",
        "--now",
        NOW,
        "--artifacts",
        art.to_str().unwrap(),
        "add-new-jobs",
    ];
    let env: Vec<(&str, String)> = task_id.map(|t| vec![("TASK_ID", t.to_string())]).unwrap_or_default();
    let ours = tg_action(&args, &env, &out_dir);
    assert!(ours.status.success(), "{}", text(&ours.stderr));
    let piped = std::fs::read_to_string(out_dir.join("queue/createTask.jsonl")).unwrap();
    assert!(!piped.is_empty());
    assert_eq!(text(&ours.stdout), piped, "{decision} {labels:?}: the pipeline's requests differ from tg-action's");
    for name in ["label-to-taskid.json", "to-run.json"] {
        let a: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(art.join(name)).unwrap()).unwrap();
        let b: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out_dir.join("artifacts").join(name)).unwrap()).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn readme_pipeline_equals_tg_action() {
    let Some(bin) = stage_binaries() else { return };
    let work = temp_dir("pipeline");
    run_both(&bin, &work, "main", &["lint-audit"], None);
    run_both(&bin, &work, "partial", &["test-unit-linux64-1", "signing-linux64-opt"], Some("ActionTaskBBBBBBBBBBBB"));
}
