//! The real binary on every real-world case with the case's own parameters.yml, as a user would
//! run it: `tg-load -r <repo>/config/taskcluster -p <repo>/parameters.yml`.
//!
//! - Parameters with project-specific keys fail with a message naming the keys and the
//!   `--allow-unknown-parameters` flag; with the flag they load.
//! - Kinds with a custom loader run it in the project's Python worker; these data-only copies have
//!   no project code, so the run fails naming kind and loader; the `-k` flags the message
//!   suggests then load every other kind.

use crate::common;

use assert_cmd::Command;
use tg_core::item::Item;

/// Exit code, stdout, stderr of `tg-load ARGS`.
fn run(args: &[String]) -> (i32, String, String) {
    let out = Command::cargo_bin("tg-load").expect("binary").args(args).output().expect("run tg-load");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `-k KIND` flags at the end of a "loader not built in" message.
fn suggested_flags(stderr: &str) -> Vec<String> {
    let tail = stderr.split_once("to load the other kinds, pass ").map(|(_, t)| t).unwrap_or("");
    let tail = tail.split_once(": ").map_or(tail, |(flags, _)| flags);
    tail.split_whitespace().map(str::to_string).collect()
}

#[test]
fn every_realworld_case_loads_with_its_parameters() {
    let Some(cases) = common::realworld_cases() else { return };
    assert!(!cases.is_empty(), "no real-world cases found");
    let mut report = Vec::new();
    for case in cases {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let root = case.join("config/taskcluster").display().to_string();
        let params = case.join("parameters.yml").display().to_string();
        let mut args = vec!["-r".to_string(), root, "-p".to_string(), params];
        let mut notes = Vec::new();

        let (mut status, mut stdout, mut stderr) = run(&args);
        if status == 1 && stderr.contains("unknown parameters: ") {
            assert!(stderr.contains("(pass --allow-unknown-parameters"), "{name}: {stderr}");
            assert!(stdout.is_empty(), "{name}: partial output");
            notes.push(format!(
                "needs --allow-unknown-parameters ({})",
                stderr
                    .rsplit_once("unknown parameters: ")
                    .and_then(|(_, t)| t.split_once(" (pass"))
                    .map_or("", |(keys, _)| keys)
            ));
            args.push("--allow-unknown-parameters".into());
            (status, stdout, stderr) = run(&args);
        }
        if status == 1 && stderr.contains(" (project code, run in Python) failed") {
            assert!(stdout.is_empty(), "{name}: partial output");
            let flags = suggested_flags(&stderr);
            assert!(!flags.is_empty(), "{name}: no -k suggestion in {stderr}");
            let custom =
                stderr.split_once("error: ").and_then(|(_, t)| t.split_once(" (project code")).map_or("", |(c, _)| c);
            notes.push(format!("custom loaders: {custom}; loaded with {}", flags.join(" ")));
            args.extend(flags);
            (status, stdout, stderr) = run(&args);
        }
        assert_eq!(status, 0, "{name}: {stderr}");
        let items: Vec<Item> = testkit::unsealed(&stdout, "tg-load")
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}: {l}")))
            .collect();
        assert!(!items.is_empty(), "{name}: no items");
        for item in &items {
            assert_eq!(item.item.get("name").and_then(|v| v.as_str()), Some(item.name.as_str()), "{name}");
            assert!(item.item.get("task-from").is_some_and(|v| v.is_string()), "{name}: {}", item.name);
        }
        let mut kinds: Vec<&str> = items.iter().map(|i| i.kind.as_str()).collect();
        kinds.dedup();
        report.push(format!(
            "{name}: {} items, {} kinds{}",
            items.len(),
            kinds.len(),
            if notes.is_empty() { String::new() } else { format!(" [{}]", notes.join("; ")) }
        ));
    }
    println!("tg-load on real-world cases:\n  {}", report.join("\n  "));
}
