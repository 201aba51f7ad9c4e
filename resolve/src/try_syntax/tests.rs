//! Unit tests of try-syntax parsing and resolution.
//!
//! `parse_message.json` holds what legacy Firefox's `parse_message` returns for each message
//! (made by running that Python code; see the file's `about`). The resolution tests port cases
//! of Firefox's own `test_try_option_syntax.py` (same graph, same expected values).

use super::*;
use serde_json::json;

const PARSE_CASES: &str = include_str!("../../tests/fixtures/try/parse_message.json");

/// The fields of Python's `vars(args)`, from our `TryArgs`.
fn as_python_vars(a: &TryArgs) -> Value {
    json!({
        "build_types": a.build_types, "platforms": a.platforms, "unittests": a.unittests, "talos": a.talos,
        "interactive": a.interactive, "notifications": a.notifications, "jobs": a.jobs,
        "talos_trigger_tests": a.talos_trigger_tests, "env": a.env, "profile": a.profile, "tag": a.tag,
        "no_retry": a.no_retry, "include_nightly": a.include_nightly, "taskcluster_worker": a.taskcluster_worker,
        "trigger_tests": a.trigger_tests,
    })
}

#[test]
fn parse_message_matches_firefox() {
    let doc: Value = serde_json::from_str(PARSE_CASES).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let message = case["message"].as_str().unwrap();
        let ours = parse_message(message);
        if !message.contains(TRY_DELIMITER) {
            // Deliberate difference: Python returns the defaults; we refuse.
            assert!(ours.unwrap_err().starts_with("no \"try:\" in the message parameter"), "{message:?}");
            continue;
        }
        match case.get("error").and_then(Value::as_str) {
            Some(err) => {
                let want = err.split_once("error: ").map_or(err, |(_, e)| e);
                let got = ours.expect_err(message);
                assert!(got.contains(want), "{message:?}: want {want:?}, got {got:?}");
            }
            None => {
                let got = ours.unwrap_or_else(|e| panic!("{message:?}: {e}"));
                assert_eq!(as_python_vars(&got), case["args"], "{message:?}");
            }
        }
    }
}

/// Firefox's test graph: (label, kind attrs) with `unittest_task`/`talos_task` shapes.
fn firefox_test_graph() -> Vec<Task> {
    let mut specs: Vec<(&str, &str, &str, bool)> = vec![
        ("mochitest-browser-chrome", "linux/opt", "opt", false),
        ("mochitest-browser-chrome-e10s", "linux64/opt", "opt", false),
        ("mochitest-chrome", "linux/debug", "debug", false),
        ("mochitest-webgl", "linux/debug", "debug", false),
        ("extra1", "linux", "debug/opt", false),
        ("extra2", "win32/opt", "opt", false),
        ("crashtest-e10s", "linux/other", "opt", false),
        ("gtest", "linux64/asan", "opt", false),
        ("dromaeojs", "linux64/psan", "opt", true),
        ("extra3", "linux/opt", "opt", false),
        ("extra4", "linux64/debug", "debug", false),
        ("extra5", "linux/this", "opt", false),
        ("extra6", "linux/that", "opt", false),
        ("extra7", "linux/other", "opt", false),
        ("extra8", "linux64/asan", "opt", false),
        ("extra9", "linux64/psan", "opt", true),
    ];
    specs.push(("linux-ridealong-test", "linux-ridealong", "opt", false));
    specs.push(("linux64-ridealong-test", "linux64-ridealong", "opt", false));
    specs
        .into_iter()
        .map(|(n, tp, bt, talos)| {
            let name_attr = if talos { "talos_try_name" } else { "unittest_try_name" };
            serde_json::from_value(json!({
                "kind": "test", "label": n, "task": {},
                "attributes": {name_attr: n, "test_platform": tp.split('/').next().unwrap(), "build_type": bt, "kind": "test"}
            }))
            .unwrap()
        })
        .collect()
}

fn resolve_options(message: &str) -> TryOptionSyntax {
    let tasks = firefox_test_graph();
    let refs: Vec<&Task> = tasks.iter().collect();
    let config = json!({"try": {"ridealong-builds": {"linux": ["linux-ridealong"], "linux64": ["linux64-ridealong"]}}});
    let args = parse_message(message).unwrap();
    TryOptionSyntax::new(&args, &refs, config.as_object().unwrap()).unwrap()
}

fn spec(test: &str, platforms: Option<&[&str]>, chunks: Option<&[&str]>) -> TestSpec {
    TestSpec {
        test: test.into(),
        platforms: platforms.map(|p| p.iter().map(|s| s.to_string()).collect()),
        only_chunks: chunks.map(|c| c.iter().map(|s| s.to_string()).collect()),
    }
}

fn sorted_specs(mut specs: Vec<TestSpec>) -> Vec<TestSpec> {
    for s in &mut specs {
        if let Some(p) = s.platforms.as_mut() {
            p.sort();
        }
    }
    specs.sort_by(|a, b| a.test.cmp(&b.test));
    specs
}

/// Expected values from Firefox's test_try_option_syntax.py.
#[test]
fn resolution_matches_firefox_tests() {
    assert_eq!(resolve_options("try: -b do").build_types, ["debug", "opt"]);
    assert_eq!(resolve_options("try: -b dx").build_types, ["debug"]);
    assert_eq!(resolve_options("try: --doubledash -z extra").build_types, Vec::<String>::new());
    assert_eq!(resolve_options("try: --doubledash -z extra").jobs, Some(vec![]));
    assert_eq!(resolve_options("try: -j job1,job2").jobs, Some(vec!["job1".into(), "job2".into()]));
    assert_eq!(resolve_options("try: -j all").jobs, None);
    assert_eq!(resolve_options("try: -p all").platforms, None);
    assert_eq!(resolve_options("try: -p linux").platforms, Some(vec!["linux".into(), "linux-ridealong".into()]));
    let mut p = resolve_options("try: -p linux,linux64").platforms.unwrap();
    p.sort();
    assert_eq!(p, ["linux", "linux-ridealong", "linux64", "linux64-ridealong"]);
    assert_eq!(resolve_options("try: -u none").unittests, vec![]);
    assert_eq!(resolve_options("try: -u mochitest-webgl").unittests, vec![spec("mochitest-webgl", None, None)]);
    assert_eq!(resolve_options("try: -u mochitest-gl").unittests, vec![spec("mochitest-webgl", None, None)]);
    let e10s: Vec<String> = resolve_options("try: -u e10s").unittests.into_iter().map(|s| s.test).collect();
    assert_eq!(e10s, ["crashtest-e10s", "mochitest-browser-chrome-e10s"]);
    assert_eq!(
        sorted_specs(resolve_options("try: -u mochitest-webgl,gtest").unittests),
        vec![spec("gtest", None, None), spec("mochitest-webgl", None, None)]
    );
    assert_eq!(resolve_options("try: -u gtest-3,gtest-4").unittests, vec![spec("gtest", None, Some(&["3", "4"]))]);
    assert_eq!(resolve_options("try: -u gtest[linux]").unittests, vec![spec("gtest", Some(&["linux"]), None)]);
    assert_eq!(
        resolve_options("try: -u gtest[linux,win32]").unittests,
        vec![spec("gtest", Some(&["linux", "win32"]), None)]
    );
    assert_eq!(
        resolve_options("try: -u gtest[Ubuntu]").unittests,
        vec![spec("gtest", Some(&["linux32", "linux64", "linux64-asan", "linux64-stylo-sequential"]), None)]
    );
    assert_eq!(resolve_options("try: -u gtest[Ubuntu,-x64]").unittests, vec![spec("gtest", Some(&["linux32"]), None)]);
    assert_eq!(
        resolve_options("try: -u gtest-1[linux,win32]").unittests,
        vec![spec("gtest", Some(&["linux", "win32"]), Some(&["1"]))]
    );
    let negated = resolve_options("try: -u gtest[-linux]").unittests;
    let mut platforms = negated[0].platforms.clone().unwrap();
    platforms.sort();
    assert_eq!(platforms, ["linux-ridealong", "linux64", "linux64-ridealong", "win32"]);
    let all: Vec<String> = resolve_options("try: -u all").unittests.into_iter().map(|s| s.test).collect();
    assert_eq!(all.len(), 16);
    let talos: Vec<String> = resolve_options("try: -t all").talos.into_iter().map(|s| s.test).collect();
    assert_eq!(talos, ["dromaeojs", "extra9"]);
    assert_eq!(resolve_options("try: -t none").talos, vec![]);
    assert_eq!(resolve_options("try: --rebuild 10").trigger_tests, 10);
    assert_eq!(resolve_options("try: --rebuild-talos 10").talos_trigger_tests, 10);
    assert!(resolve_options("try: --interactive").interactive);
    assert_eq!(resolve_options("try: --all-emails").notifications.as_deref(), Some("all"));
    assert_eq!(resolve_options("try: --failure-emails").notifications.as_deref(), Some("failure"));
    assert_eq!(resolve_options("try:").notifications, None);
    assert_eq!(
        resolve_options("try: --setenv VAR1=value1 --setenv VAR2=value2").env,
        Some(vec!["VAR1=value1".into(), "VAR2=value2".into()])
    );
    assert!(resolve_options("try: --geckoProfile").profile);
    assert_eq!(resolve_options("try: --tag tagName").tag.as_deref(), Some("tagName"));
    assert!(resolve_options("try: --no-retry").no_retry);
}

#[test]
fn helpers() {
    assert_eq!(extract("a\nb try: -b o\nc"), Some("try: -b o"));
    assert_eq!(extract("none"), None);
    assert_eq!(escape_whitespace_in_brackets("x[a b] c"), "x[a\\ b] c");
    assert!(check_brackets("a[b],c[d]").is_ok());
    assert!(check_brackets("a[b[c]]").is_err());
}
