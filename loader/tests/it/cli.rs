//! tg-load through the real binary: exit codes, stdout and stderr pinned for good and bad input.
//! Fixtures are built in temp dirs; expected error texts are ours (taskgraph's own messages are
//! Python tracebacks), but line/column of YAML errors are PyYAML's for the same file.

use crate::common;

use assert_cmd::Command;
use common::TempRoot;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

fn tg_load() -> Command {
    Command::cargo_bin("tg-load").expect("tg-load binary")
}

/// Run `tg-load -r ROOT -p ROOT/parameters.yml ARGS...`; returns (exit code, stdout, stderr).
fn run_in(root: &TempRoot, args: &[&str]) -> (i32, String, String) {
    let params = root.at("parameters.yml");
    let out = tg_load().args(["-r", &root.at(""), "-p", &params]).args(args).output().expect("run tg-load");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Assert a failure: exit code, no records on stdout, and exactly this one stderr line.
fn assert_fails(result: (i32, String, String), code: i32, message: &str) {
    let (status, stdout, stderr) = result;
    assert_eq!(stdout, "", "no partial output on error");
    assert_eq!(stderr, format!("tg-load: error: {message}\n"));
    assert_eq!(status, code, "{stderr}");
}

#[test]
fn loads_items_in_order_with_defaults_and_names() {
    let root = TempRoot::with_config("good");
    root.kind("a", "task-defaults: {x: [1]}\ntasks:\n  one: {x: [2]}\ntasks-from: [more.yml]\n");
    root.write("kinds/a/more.yml", "task-defaults: {y: 1}\ntwo: {}\n");
    root.kind("b", "kind-dependencies: [a]\ntasks:\n  three: {}\n");
    let (status, stdout, stderr) = run_in(&root, &[]);
    assert_eq!(status, 0, "{stderr}");
    assert_eq!(stderr, "tg-load: loaded 3 items from 2 kinds\n");
    // stdout is a pipe: the items, then tg-load's end-of-stream record as the last line.
    assert_eq!(
        testkit::unsealed(&stdout, "tg-load"),
        "{\"kind\":\"a\",\"name\":\"one\",\"item\":{\"x\":[1,2],\"task-from\":\"kind.yml\",\"name\":\"one\"}}\n\
         {\"kind\":\"a\",\"name\":\"two\",\"item\":{\"x\":[1],\"y\":1,\"task-from\":\"more.yml\",\"name\":\"two\"}}\n\
         {\"kind\":\"b\",\"name\":\"three\",\"item\":{\"task-from\":\"kind.yml\",\"name\":\"three\"}}\n"
    );
    let (status, _, stderr) = run_in(&root, &["-q"]);
    assert_eq!((status, stderr.as_str()), (0, ""));
}

#[test]
fn stored_python_reference_matches_byte_for_byte() {
    // expected.jsonl was produced by Python taskgraph's loaders (see the fixture's README).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/semantics");
    let expected = std::fs::read_to_string(dir.join("expected.jsonl")).expect("fixture");
    let out = tg_load().args(["-q", "-r"]).arg(&dir).output().expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(testkit::unsealed(&String::from_utf8_lossy(&out.stdout), "tg-load"), expected);
}

#[test]
fn malformed_yaml_names_file_line_and_column() {
    let root = TempRoot::with_config("malformed");
    let file = root.kind("a", "tasks:\n  a: {x: [1, 2}\n");
    // PyYAML on the same file: "did not find expected ',' or ']' in kind.yml, line 2, column 15".
    assert_fails(
        run_in(&root, &[]),
        1,
        &format!("{}:2:15: malformed YAML: while parsing a flow sequence, expected ',' or ']'", file.display()),
    );
}

#[test]
fn malformed_tasks_from_file_names_that_file() {
    let root = TempRoot::with_config("malformed-tasks-from");
    root.kind("a", "tasks-from: [t.yml]\n");
    let file = root.write("kinds/a/t.yml", "a:\n  b: 1\n c: 2\n");
    let (status, stdout, stderr) = run_in(&root, &[]);
    assert_eq!((status, stdout.as_str()), (1, ""));
    assert!(stderr.starts_with(&format!("tg-load: error: {}:3:", file.display())), "{stderr}");
}

#[test]
fn missing_config_yml_is_a_usage_error() {
    let root = TempRoot::empty("no-config");
    let out = tg_load().args(["-r", &root.at("")]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("tg-load: error: couldn't find taskgraph configuration: {}\n", root.path.join("config.yml").display())
    );
}

#[test]
fn wrong_type_in_config_yml_names_the_field() {
    let root = TempRoot::with_config("bad-config");
    root.write("config.yml", &common::CONFIG.replace("trust-domain: test", "trust-domain: [1]"));
    assert_fails(
        run_in(&root, &[]),
        1,
        &format!("{}: invalid graph configuration: trust-domain: expected a string, got a list", root.at("config.yml")),
    );
}

#[test]
fn missing_kind_yml_for_a_target_kind() {
    let root = TempRoot::with_config("missing-kind");
    root.kind("a", "tasks: {}\n");
    assert_fails(
        run_in(&root, &["-k", "nope"]),
        1,
        &format!("kind nope not found: no {}", root.path.join("kinds").join("nope").join("kind.yml").display()),
    );
}

#[test]
fn missing_tasks_from_file_is_named() {
    let root = TempRoot::with_config("missing-tasks-from");
    let kind_file = root.kind("a", "tasks-from: [gone.yml]\n");
    assert_fails(
        run_in(&root, &[]),
        1,
        &format!(
            "{}: kind a: tasks-from file gone.yml not found: {}",
            kind_file.display(),
            root.path.join("kinds").join("a").join("gone.yml").display()
        ),
    );
}

#[test]
fn unknown_kind_dependency_is_named() {
    let root = TempRoot::with_config("unknown-dep");
    root.kind("a", "kind-dependencies: [zz]\n");
    root.kind("b", "tasks: {}\n");
    assert_fails(run_in(&root, &[]), 1, "kind a: unknown kind dependency \"zz\" (available kinds: a, b)");
}

#[test]
fn kind_cycle_is_named() {
    let root = TempRoot::with_config("cycle");
    root.kind("a", "kind-dependencies: [b]\n");
    root.kind("b", "kind-dependencies: [a]\n");
    root.kind("c", "tasks: {}\n");
    assert_fails(run_in(&root, &[]), 1, "kind dependency cycle involving: a, b");
}

#[test]
fn duplicate_task_name_names_kind_and_name() {
    let root = TempRoot::with_config("dup");
    root.kind("a", "tasks:\n  x: {}\ntasks-from: [one.yml, two.yml]\n");
    root.write("kinds/a/one.yml", "y: {}\n");
    let two = root.write("kinds/a/two.yml", "y: {}\n");
    assert_fails(
        run_in(&root, &[]),
        1,
        &format!("{}: kind a: duplicate task name \"y\" (already defined in one.yml)", two.display()),
    );
    root.write("kinds/a/two.yml", "x: {}\n");
    assert_fails(
        run_in(&root, &[]),
        1,
        &format!("{}: kind a: duplicate task name \"x\" (already defined in kind.yml)", two.display()),
    );
}

#[test]
fn non_mapping_task_names_file_kind_and_task() {
    let root = TempRoot::with_config("scalar-task");
    let file = root.kind("a", "tasks:\n  x: just a string\n");
    assert_fails(
        run_in(&root, &[]),
        1,
        &format!("{}: kind a, task x: expected a mapping, got a string", file.display()),
    );
    root.kind("a", "tasks:\n");
    assert_fails(run_in(&root, &[]), 1, &format!("{}: kind a: tasks: expected a mapping, got null", file.display()));
}

#[test]
fn unreadable_parameters_file_is_a_usage_error() {
    let root = TempRoot::with_config("params-unreadable");
    root.kind("a", "tasks: {}\n");
    let dir_as_params = root.at("kinds");
    let out = tg_load().args(["-r", &root.at(""), "-p", &dir_as_params]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with(&format!("tg-load: error: cannot read parameters file {dir_as_params}: ")), "{stderr}");
    let missing = root.at("nope.yml");
    let out = tg_load().args(["-r", &root.at(""), "-p", &missing]).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("tg-load: error: cannot read parameters file {missing}: No such file or directory (os error 2)\n")
    );
}

/// Parameters a project adds are accepted, as `taskgraph full -p FILE` accepts them
/// (`Parameters(strict=False)`); `--strict-parameters` refuses them, as taskgraph's strict mode.
#[test]
fn unknown_parameters_are_accepted_unless_strict() {
    let root = TempRoot::with_config("params-unknown");
    root.write("parameters.yml", &format!("{}pull_request_number: 7\n", common::PARAMETERS));
    root.kind("a", "tasks: {x: {}}\n");
    let (status, stdout, _) = run_in(&root, &[]);
    assert_eq!((status, testkit::records(&stdout).lines().count()), (0, 1));
    assert_fails(
        run_in(&root, &["--strict-parameters"]),
        1,
        &format!(
            "{}: invalid parameters: unknown parameters: pull_request_number (pass --allow-unknown-parameters to accept parameters a project adds)",
            root.at("parameters.yml")
        ),
    );
    let (status, stdout, _) = run_in(&root, &["--strict-parameters", "--allow-unknown-parameters"]);
    assert_eq!((status, testkit::records(&stdout).lines().count()), (0, 1));
    // A mistyped known parameter stays an error either way.
    root.write("parameters.yml", &common::PARAMETERS.replace("level: '3'", "level: 3"));
    assert_fails(
        run_in(&root, &["--allow-unknown-parameters"]),
        1,
        &format!("{}: invalid parameters: level: expected a string, got an integer", root.at("parameters.yml")),
    );
}

#[test]
fn unknown_loader_names_kind_and_loader_and_suggests_kinds() {
    let root = TempRoot::with_config("loader");
    root.kind("docker-image", "loader: taskgraph.loader.transform:loader\ntasks: {img: {}}\n");
    root.kind("custom", "loader: my_project.loader:load\n");
    root.kind("build", "kind-dependencies: [docker-image]\ntasks: {b: {}}\n");
    root.kind("after", "kind-dependencies: [custom]\n");
    // The project loader runs in the Python worker (tg-bridge); here the module does not exist.
    let (status, stdout, stderr) = run_in(&root, &[]);
    assert_eq!((status, stdout.as_str()), (1, ""), "{stderr}");
    assert!(
        stderr.starts_with(
            "tg-load: error: kind custom: loader my_project.loader:load (project code, run in Python) failed; \
             to load the other kinds, pass -k docker-image -k build: "
        ),
        "{stderr}"
    );
    let (status, stdout, stderr) = run_in(&root, &["-k", "build", "-k", "docker-image"]);
    assert_eq!(status, 0, "{stderr}");
    let names: Vec<&str> =
        testkit::records(&stdout).lines().map(|l| if l.contains("\"img\"") { "img" } else { "b" }).collect();
    assert_eq!(names, ["img", "b"]);
}

#[test]
fn default_loader_rejects_transforms_it_appends() {
    let root = TempRoot::with_config("default-loader");
    let file = root.kind("a", "transforms: [taskgraph.transforms.run:transforms]\ntasks: {x: {}}\n");
    assert_fails(
        run_in(&root, &[]),
        1,
        &format!(
            "{}: kind a: transform taskgraph.transforms.run:transforms is appended by the default loader \
             (taskgraph.loader.default:loader) and must not be listed in the kind (or set loader: \
             taskgraph.loader.transform:loader)",
            file.display()
        ),
    );
}

#[test]
fn bad_flag_is_a_usage_error() {
    let out = tg_load().arg("--no-such-flag").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_shows_flags_and_a_pipeline_example() {
    let out = tg_load().arg("--help").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "-r, --root",
        "-p, --parameters",
        "-k, --kind",
        "--allow-unknown-parameters",
        "Example:",
        "tg-load -r taskcluster -p parameters.yml | tg-transform",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
}

#[test]
fn closed_pipe_downstream_is_success() {
    let root = TempRoot::with_config("pipe");
    let tasks: String = (0..20_000).map(|i| format!("  task-{i}: {{description: number {i}}}\n")).collect();
    root.kind("a", &format!("tasks:\n{tasks}"));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("tg-load"))
        .args(["-q", "-r", &root.at(""), "-p", &root.at("parameters.yml")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    {
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout).read_line(&mut first).expect("read one line");
    } // like `| head -1`: the reader goes away
    let out = child.wait_with_output().expect("wait");
    assert!(first.starts_with("{\"kind\":\"a\",\"name\":\"task-0\""), "{first}");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
