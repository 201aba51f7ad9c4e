//! Generated malformed kind.yml files through the library's `run` (in-process, no spawning):
//! never a panic, always an error with a message, never a record on the output.
//!
//! Three generators:
//! - syntax: a valid generated kind.yml with one fragment that no YAML parser accepts (an
//!   unclosed flow collection or quote, an undefined alias, `a: b: c`, an unknown tag, a bad
//!   `!!int`, a merge of a scalar) inserted at a random line;
//! - shape: well-formed YAML of the wrong shape for taskgraph (tasks not a mapping, a task that is
//!   a scalar, a missing or malformed `tasks-from` file, unknown kind-dependency, custom loader…);
//! - soup: arbitrary text over YAML's punctuation — whatever the outcome, no panic, and any
//!   output is well-formed item lines.

use crate::common;

use clap::Parser;
use common::TempRoot;
use proptest::prelude::*;
use proptest::test_runner::{TestError, TestRunner};
use tg_loader::{run, Options};

/// Options for loading the temp root's kinds with its parameters.
fn options(root: &TempRoot) -> Options {
    Options::parse_from(["tg-load", "-q", "-r", &root.at(""), "-p", &root.at("parameters.yml")])
}

/// Run on the root and return (error message or None, stdout bytes).
fn load(root: &TempRoot) -> (Option<String>, Vec<u8>) {
    let mut out = Vec::new();
    let result = run(&options(root), &mut out);
    (result.err().map(|e| tg_core::cli::render_chain(&e)), out)
}

/// A plain scalar that YAML 1.1 reads as a string and that has no YAML punctuation.
fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}"
}

/// A valid kind.yml: a few tasks with nested mappings and block lists, maybe task-defaults.
fn valid_kind_yml() -> impl Strategy<Value = String> {
    let task = prop::collection::vec((word(), prop::collection::vec(word(), 0..3)), 0..4);
    (prop::collection::vec((word(), task), 1..5), prop::bool::ANY).prop_map(|(tasks, defaults)| {
        let mut text = String::new();
        if defaults {
            text.push_str("task-defaults:\n  worker-type: linux\n  run:\n    using: run-task\n");
        }
        text.push_str("tasks:\n");
        for (name, fields) in tasks {
            text.push_str(&format!("  {name}:\n    description: {name}\n"));
            for (key, items) in fields {
                if items.is_empty() {
                    text.push_str(&format!("    {key}: {key}\n"));
                } else {
                    text.push_str(&format!("    {key}:\n"));
                    for item in items {
                        text.push_str(&format!("      - {item}\n"));
                    }
                }
            }
        }
        text
    })
}

/// One line that makes any document it is inserted into (at column 0) malformed.
fn broken_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        word().prop_map(|w| format!("zz-frag: [{w}, unclosed")),
        word().prop_map(|w| format!("zz-frag: {{{w}: unclosed")),
        word().prop_map(|w| format!("zz-frag: *{w}-undefined")),
        word().prop_map(|w| format!("zz-frag: '{w} unterminated")),
        word().prop_map(|w| format!("zz-frag: \"{w} unterminated")),
        word().prop_map(|w| format!("zz-frag: {w}: {w}")),
        word().prop_map(|w| format!("zz-frag: !!python/object:os.system {w}")),
        word().prop_map(|w| format!("zz-frag: !custom {w}")),
        word().prop_map(|w| format!("zz-frag: !!int {w}x")),
        word().prop_map(|w| format!("zz-frag: !!float {w}")),
        word().prop_map(|w| format!("zz-frag:\n  <<: {w}")),
        word().prop_map(|w| format!("zz-frag: &{w} [*{w}]")),
        word().prop_map(|w| format!("zz-frag:\n  ? [{w}]\n  : value")),
        Just("zz-frag: %".to_string()),
        Just("zz-frag: @reserved".to_string()),
    ]
}

/// A valid kind.yml with a broken fragment at a random line boundary.
fn syntax_error_kind_yml() -> impl Strategy<Value = String> {
    (valid_kind_yml(), broken_fragment(), any::<prop::sample::Index>()).prop_map(|(text, fragment, at)| {
        let mut lines: Vec<&str> = text.lines().collect();
        let at = at.index(lines.len() + 1);
        lines.insert(at, &fragment);
        lines.join("\n") + "\n"
    })
}

/// A YAML value that is not a mapping (and is truthy, so taskgraph would not ignore it).
fn non_mapping() -> impl Strategy<Value = String> {
    prop_oneof![
        word(),
        (1..1000i64).prop_map(|n| n.to_string()),
        Just("true".to_string()),
        word().prop_map(|w| format!("[{w}]")),
        Just("'some string'".to_string()),
    ]
}

/// A YAML value that is neither a list nor null.
fn non_list() -> impl Strategy<Value = String> {
    prop_oneof![word(), (1..1000i64).prop_map(|n| n.to_string()), word().prop_map(|w| format!("{{{w}: 1}}"))]
}

/// Well-formed YAML whose shape taskgraph's loader rejects; the second element, if any, is
/// the content of `extra.yml` in the kind directory.
fn shape_error_kind_yml() -> impl Strategy<Value = (String, Option<String>)> {
    prop_oneof![
        non_mapping().prop_map(|v| (format!("tasks: {v}\n"), None)),
        Just(("tasks:\n".to_string(), None)),
        (word(), non_mapping()).prop_map(|(n, v)| (format!("tasks:\n  {n}: {v}\n"), None)),
        word().prop_map(|n| (format!("tasks:\n  {n}:\n"), None)),
        non_mapping().prop_map(|v| (format!("task-defaults: {v}\ntasks: {{a: {{}}}}\n"), None)),
        non_mapping().prop_map(|v| (format!("tasks-from: {v}\n"), None)),
        word().prop_map(|w| (format!("tasks-from: [{w}-missing.yml]\n"), None)),
        non_mapping().prop_map(|v| (format!("kind-dependencies: {v}\n"), None)),
        word().prop_map(|w| (format!("kind-dependencies: [{w}-unknown]\n"), None)),
        Just(("kind-dependencies: [a]\n".to_string(), None)),
        word().prop_map(|w| (format!("loader: {w}.loader:load\n"), None)),
        non_list().prop_map(|v| (format!("transforms: {v}\n"), None)),
        Just(("transforms: [taskgraph.transforms.task:transforms]\n".to_string(), None)),
        non_mapping().prop_map(|v| (v + "\n", None)),
        Just((String::new(), None)),
        Just(("# only a comment\n".to_string(), None)),
        non_mapping().prop_map(|v| ("tasks-from: [extra.yml]\n".to_string(), Some(format!("{v}\n")))),
        non_mapping()
            .prop_map(|v| ("tasks-from: [extra.yml]\n".to_string(), Some(format!("task-defaults: {v}\nt: {{}}\n")))),
        syntax_error_kind_yml().prop_map(|t| ("tasks-from: [extra.yml]\n".to_string(), Some(t))),
        word().prop_map(|w| (format!("tasks: {{{w}: {{}}}}\ntasks-from: [extra.yml]\n"), Some(format!("{w}: {{}}\n")))),
    ]
}

/// Text over YAML's punctuation and a few words.
fn soup() -> impl Strategy<Value = String> {
    const PIECES: &[&str] = &[
        ":",
        ": ",
        "-",
        "- ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a",
        "*a",
        "!!",
        "!!str",
        "|",
        ">",
        "'",
        "\"",
        "#",
        "%",
        "@",
        "`",
        "?",
        "<<",
        " ",
        "  ",
        "\n",
        "\t",
        "tasks",
        "task-defaults",
        "tasks-from",
        "x",
        "0x1F",
        "1e3",
        "~",
        "yes",
        "\u{feff}",
        "é",
        "\\",
    ];
    prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|p| p.concat())
}

/// `cases` generated inputs, no regression files written into the source tree.
fn runner(cases: u32) -> TestRunner {
    TestRunner::new(ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() })
}

/// Unwrap a proptest run, showing the minimal failing input.
fn check<T: std::fmt::Debug>(result: Result<(), TestError<T>>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn syntax_errors_are_reported_with_file_and_position() {
    let root = TempRoot::with_config("prop-syntax");
    check(runner(2000).run(&syntax_error_kind_yml(), |text| {
        let file = root.kind("k", &text);
        let (err, out) = load(&root);
        let Some(err) = err else {
            return Err(TestCaseError::fail(format!("accepted malformed YAML:\n{text}")));
        };
        prop_assert!(out.is_empty());
        prop_assert!(err.starts_with(&format!("{}:", file.display())), "{err}\n---\n{text}");
        Ok(())
    }));
}

#[test]
fn wrong_shapes_are_reported() {
    let root = TempRoot::with_config("prop-shape");
    check(runner(1500).run(&shape_error_kind_yml(), |(kind_yml, extra)| {
        root.kind("k", &kind_yml);
        let extra_path = root.path.join("kinds/k/extra.yml");
        match &extra {
            Some(text) => drop(root.write("kinds/k/extra.yml", text)),
            None => drop(std::fs::remove_file(&extra_path)),
        }
        let (err, out) = load(&root);
        let Some(err) = err else {
            return Err(TestCaseError::fail(format!("accepted:\n{kind_yml}\n--- extra.yml:\n{extra:?}")));
        };
        prop_assert!(out.is_empty());
        prop_assert!(err.contains("kind") || err.contains("kinds/k/"), "{err}");
        Ok(())
    }));
}

#[test]
fn arbitrary_text_never_panics() {
    let root = TempRoot::with_config("prop-soup");
    check(runner(2000).run(&soup(), |text| {
        root.kind("k", &text);
        let (err, out) = load(&root);
        match err {
            Some(msg) => {
                prop_assert!(!msg.trim().is_empty());
                prop_assert!(out.is_empty());
            }
            None => {
                let out = String::from_utf8(out).map_err(|e| TestCaseError::fail(e.to_string()))?;
                for line in out.lines() {
                    let item: tg_core::item::Item =
                        serde_json::from_str(line).map_err(|e| TestCaseError::fail(format!("{e}: {line}")))?;
                    prop_assert_eq!(item.kind.as_str(), "k");
                }
            }
        }
        Ok(())
    }));
}
