//! The one YAML writer (`tg_core::yaml::to_string`) against both readers: generated values,
//! YAML 1.1 traps included, must read back as exactly the same data with our reader and with
//! PyYAML's `safe_load` (what taskgraph and every action task use on `parameters.yml`).

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value};
use std::io::Write;
use std::process::{Command, Stdio};

/// Strings YAML 1.1 resolves as something else, or that break plain or quoted scalars.
const TRAPS: &[&str] = &[
    "yes",
    "Yes",
    "NO",
    "on",
    "Off",
    "y",
    "n",
    "true",
    "False",
    "null",
    "Null",
    "~",
    "",
    "1_000",
    "1:30",
    "190:20:30",
    "2024-01-01",
    "2001-12-14t21:59:43.10-05:00",
    "2024-01-01 10:00:00",
    "0755",
    "0o17",
    "0x1F",
    "0b101",
    "+1",
    "-1",
    "1.",
    ".5",
    "1e3",
    "1.0e+3",
    "-.Inf",
    ".inf",
    ".NaN",
    "=",
    "<<",
    "- a",
    "a: b",
    "a:",
    "#c",
    "a #b",
    " lead",
    "trail ",
    "\"q\"",
    "'s'",
    "{x}",
    "[1]",
    "&a",
    "*a",
    "!tag",
    "%x",
    "@x",
    "`x",
    "|",
    ">",
    "?",
    ":",
    "-",
    "---",
    "...",
    "a\nb",
    "\n",
    "\t",
    "a\tb",
    "\r\n",
    "\u{85}",
    "\u{2028}",
    "\u{feff}x",
    "é",
    "日本",
    "😀",
    "\u{7f}",
    "\u{0}",
    "\u{1b}[0m",
    "\\",
    "\\n",
    "https://hg.mozilla.org/try",
    "1_000_000",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(TRAPS).prop_map(|s| json!(s)),
        "[ -~\\n\\t\u{85}\u{a0}\u{2028}é日😀]{0,12}".prop_map(Value::String),
        "[a-z][a-z0-9_./:-]{0,10}".prop_map(Value::String),
        any::<i64>().prop_map(|i| json!(i)),
        any::<u64>().prop_map(|u| json!(u)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        prop::sample::select(&[0.1, 1e20, -2.5e-7, 1.0, 0.0, 123456789.125][..]).prop_map(|f| json!(f)),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..5).prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![prop::sample::select(TRAPS).prop_map(str::to_string), "[a-z_][a-z0-9_-]{0,8}"]
}

/// `count` generated documents (top level: a mapping, as parameters are), from a fixed seed.
fn generated(count: usize) -> Vec<Value> {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let strategy = prop::collection::vec((key(), value()), 0..8);
    (0..count)
        .map(|_| {
            let pairs = strategy.new_tree(&mut runner).expect("generate a value").current();
            Value::Object(pairs.into_iter().collect::<Map<String, Value>>())
        })
        .collect()
}

#[test]
fn our_reader_reads_back_what_the_writer_wrote() {
    for doc in generated(3000) {
        let text = tg_core::yaml::to_string(&doc);
        let back = tg_core::yaml::from_str(&text, "parameters.yml").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back, doc, "read back differently:\n{text}");
    }
}

/// PyYAML (installed with taskgraph) reads every document back as the same data, and where
/// PyYAML's own dump needs no folding or float formatting (single-line strings, no floats), it
/// writes exactly our bytes. One interpreter for all of them.
#[test]
fn pyyaml_reads_back_what_the_writer_wrote() {
    if !python_has_yaml() {
        return;
    }
    let docs = generated(3000);
    let texts: Vec<String> = docs.iter().map(tg_core::yaml::to_string).collect();
    let script = "import sys, json, yaml\nfor line in sys.stdin:\n    text, value = json.loads(line)\n    \
                  print(json.dumps([yaml.safe_load(text), \
                  yaml.safe_dump(value, default_flow_style=False, allow_unicode=True)]))\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python3");
    let input: String =
        docs.iter().zip(&texts).map(|(d, t)| format!("{}\n", serde_json::to_string(&json!([t, d])).unwrap())).collect();
    // Write from another thread: python answers as it reads, and both pipes are bounded.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "python3 failed");
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), docs.len());
    let mut same_bytes = 0;
    for ((doc, text), line) in docs.iter().zip(&texts).zip(lines) {
        let (back, dumped): (Value, String) = serde_json::from_str(line).unwrap();
        assert_eq!(&back, doc, "PyYAML reads back differently:\n{text}");
        if simple(doc) {
            assert_eq!(text, &dumped, "PyYAML writes {doc} differently");
            same_bytes += 1;
        }
    }
    assert!(same_bytes > 500, "only {same_bytes} documents compared byte for byte");
}

/// No floats, and every string (keys too) on one printable line: PyYAML neither folds nor
/// formats a float there.
fn simple(v: &Value) -> bool {
    let plain = |s: &str| {
        s.chars().all(|c| {
            (' '..='~').contains(&c) || (c > '\u{a0}' && c != '\u{2028}' && c != '\u{2029}' && c != '\u{feff}')
        })
    };
    match v {
        Value::Number(n) => !n.is_f64(),
        Value::String(s) => plain(s),
        Value::Array(items) => items.iter().all(simple),
        Value::Object(map) => map.iter().all(|(k, v)| plain(k) && simple(v)),
        _ => true,
    }
}

/// True when python3 imports PyYAML (it comes with taskgraph); under CI its absence fails.
fn python_has_yaml() -> bool {
    let ok = Command::new("python3").args(["-c", "import yaml"]).status().is_ok_and(|s| s.success());
    testkit::require(ok, "python3 with PyYAML (pip install taskcluster-taskgraph==24.5.1)")
}
