//! `tg-resolve --target-tasks-method try_syntax` over the messages of `fixtures/try/cases.json`:
//! the selected labels, the attributes the method sets and the notification routes must be what
//! legacy Firefox's try_option_syntax.py gives on the same graph (the file's `about` says how
//! that was produced); where Python fails, or where tg-resolve deliberately refuses (`deviation`),
//! tg-resolve must exit 1 with a message containing `ours`.

use crate::common::*;
use serde_json::Value;
use std::collections::BTreeSet;

#[test]
fn try_messages_select_what_firefox_selects() {
    let doc = read_json(&fixture("try/cases.json"));
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 20, "at least 20 messages");
    let input = std::fs::read(fixture("try/full-task-graph.jsonl")).expect("graph");
    let root = fixture("try/taskcluster").display().to_string();
    let params = fixture("try/parameters.yml").display().to_string();
    let mut checked = 0;
    for case in cases {
        let message = case["message"].as_str().expect("message");
        let args = ["-q", "-r", root.as_str(), "-p", params.as_str(), "--target", "--message", message];
        let (code, out, err) = run_sealed("tg-resolve", &args, &input);
        if let Some(ours) = case.get("ours").and_then(Value::as_str) {
            assert_eq!((code, out.as_str()), (1, ""), "{message:?}: {err}");
            assert!(err.contains(ours), "{message:?}: want {ours:?} in {err:?}");
            assert!(
                case["python"].get("error").is_some() || case.get("deviation").is_some(),
                "{message:?}: an error where Python has none must be a documented deviation"
            );
            checked += 1;
            continue;
        }
        let python = &case["python"];
        assert!(
            python.get("error").is_none(),
            "{message:?}: Python failed ({}) but no 'ours' expectation",
            python["error"]
        );
        assert_eq!(code, 0, "{message:?}: {err}");
        let ours = jsonl_by_label(&out);
        let labels: Vec<&String> = ours.keys().collect::<BTreeSet<_>>().into_iter().collect();
        let want: Vec<&str> = python["labels"].as_array().expect("labels").iter().filter_map(Value::as_str).collect();
        assert_eq!(labels, want, "{message:?}");
        for (label, annotations) in python["annotations"].as_object().expect("annotations") {
            let attrs = &ours[label]["attributes"];
            for key in ["env", "no_retry", "tag", "task_duplicates", "profile"] {
                assert_eq!(attrs.get(key), annotations.get(key), "{message:?}: {label}: attributes.{key}");
            }
        }
        let routes = python["routes"].as_array().expect("routes");
        for (label, task) in &ours {
            let mut got: Vec<&Value> =
                task["task"].get("routes").and_then(Value::as_array).map(|r| r.iter().collect()).unwrap_or_default();
            got.sort_by_key(|v| v.to_string());
            assert_eq!(got, routes.iter().collect::<Vec<_>>(), "{message:?}: {label}: routes");
        }
        checked += 1;
    }
    println!("try syntax: {checked} messages checked against Firefox's try_option_syntax.py");
}

#[test]
fn try_syntax_from_the_parameters_file_and_the_target_graph() {
    // `message` in the parameters file, no --allow-unknown-parameters needed; the target graph
    // adds the builds' docker image and toolchain.
    let text = std::fs::read_to_string(fixture("try/parameters.yml")).expect("params");
    let dir = std::env::temp_dir().join(format!("tg-resolve-try-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let params = dir.join("parameters.yml");
    std::fs::write(&params, format!("{text}message: 'Bug 1 - fix. try: -b o -p linux64_gecko -u gaia-build'\n"))
        .expect("write");
    let input = std::fs::read(fixture("try/full-task-graph.jsonl")).expect("graph");
    let root = fixture("try/taskcluster").display().to_string();
    let p = params.display().to_string();
    let (code, out, err) =
        run_sealed("tg-resolve", &["-q", "-r", &root, "-p", &p, "--labels", "--stage", "target-graph"], &input);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        label_lines(&out),
        ["build-linux64_gecko/opt", "docker-image-base", "test-linux64_gecko/opt-gaia-build", "toolchain-clang"]
    );
}
