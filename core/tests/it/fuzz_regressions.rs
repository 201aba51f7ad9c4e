//! Regression tests for what fuzzing and hardening found in tg-core (see fuzz/ and
//! `cargo xtask fuzz`). Each test names the input that used to fail and how.

use serde_json::Value;
use tg_core::jsonl::{JsonLinesReader, JsonLinesWriter};

/// Run `f` on a thread with a small stack, as rayon workers and test threads have: deep input
/// must be refused before it uses more stack than this.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("no stack overflow or panic")
}

/// fuzz/artifacts/yaml/crash-86b65d31...: `-222...2.10222` (a long float) read from YAML
/// came back 1 ULP off after a pass through JSON lines (serde_json's default float parser is not
/// correctly rounded; tg-core now enables `float_roundtrip`). Python's json reads it exactly:
/// `repr(json.loads("-2.222222222222222e141"))` is `-2.222222222222222e+141`.
#[test]
fn floats_survive_a_json_lines_round_trip() {
    let yaml = tg_core::yaml::from_str("x: -2.222222222222222e+141\ny: 7.777777777777777e+96\n", "f.yml").unwrap();
    let mut out = Vec::new();
    let mut writer = JsonLinesWriter::new(&mut out);
    writer.write(&yaml).unwrap();
    writer.finish().unwrap();
    // The same text as Python's `json.dumps(..., separators=(",", ":"))`.
    assert_eq!(String::from_utf8_lossy(&out), "{\"x\":-2.222222222222222e+141,\"y\":7.777777777777777e+96}\n");
    let back = JsonLinesReader::new(out.as_slice(), "<t>").next_value().unwrap().unwrap();
    assert_eq!(back, yaml);
    assert_eq!(back["x"].as_f64(), Some(-2.222222222222222e141));
}

/// Block indentation nests without the parser's flow-level limit: 5000 nested mappings used to
/// overflow the stack (yaml-rust2's recursive `Parser::load`, then our tree walk) and abort.
#[test]
fn deep_block_nesting_is_an_error_not_a_stack_overflow() {
    let mut doc = String::new();
    for i in 0..5000 {
        doc.push_str(&" ".repeat(i));
        doc.push_str(&format!("k{i}:\n"));
    }
    let err = on_small_stack(move || tg_core::yaml::from_str(&doc, "deep.yml").unwrap_err().to_string());
    assert_eq!(err, "deep.yml: malformed YAML: line 257: nesting deeper than 256 levels");
    let seqs = format!("{}x\n", "- ".repeat(5000));
    let err = on_small_stack(move || tg_core::yaml::from_str(&seqs, "seqs.yml").unwrap_err().to_string());
    assert!(err.starts_with("seqs.yml: malformed YAML: line 1: nesting deeper than 256"), "{err}");
}

/// A chain of aliases nests one level per line (`a1: &a1 [*a0]`, `a2: &a2 [*a1]`, ...): 3000
/// of them used to take a gigabyte and then overflow the stack.
#[test]
fn alias_chains_are_bounded_in_depth() {
    let mut doc = String::from("a0: &a0 []\n");
    for i in 1..3000 {
        doc.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
    }
    let err = on_small_stack(move || tg_core::yaml::from_str(&doc, "chain.yml").unwrap_err().to_string());
    assert!(err.starts_with("chain.yml: malformed YAML: line 256: aliases nest deeper than 256 levels"), "{err}");
}

/// Nesting up to the limit still loads, aliases included.
#[test]
fn nesting_within_the_limit_loads() {
    let mut doc = String::from("a0: &a0 [leaf]\n");
    for i in 1..200 {
        doc.push_str(&format!("a{i}: &a{i} [*a{}]\n", i - 1));
    }
    let value = on_small_stack(move || tg_core::yaml::from_str(&doc, "ok.yml").unwrap());
    let mut v = &value["a199"];
    let mut depth = 0;
    while let Value::Array(items) = v {
        v = &items[0];
        depth += 1;
    }
    assert_eq!((depth, v), (200, &Value::String("leaf".into())));
}

/// JSON lines nest at most 128 levels (serde_json's recursion limit): 100k `[` is a clear
/// error naming the line, not a stack overflow.
#[test]
fn deeply_nested_json_line_is_an_error() {
    let line = format!("{{\"kind\":\"k\",\"label\":\"l\",\"task\":{}}}\n", "[".repeat(100_000));
    let err =
        on_small_stack(move || JsonLinesReader::new(line.as_bytes(), "<stdin>").next_value().unwrap_err().to_string());
    assert!(err.starts_with("<stdin>:1: malformed JSON: recursion limit exceeded"), "{err}");
}

/// fuzz/artifacts/yaml/crash-ff97290e...: a YAML 1.1 sexagesimal integer with 40 digits before
/// the colon (`time: 36000000000000200000000004444444444448:2`) overflowed i128 while being
/// multiplied by 60 and panicked. It now gets what any integer beyond 64 bits gets (it stays a
/// string), while ordinary base-60 values keep PyYAML's values:
/// `yaml.safe_load("a: 1:30\nb: 190:20:30\nc: -1:0\n")` is `{'a': 90, 'b': 685230, 'c': -60}`.
#[test]
fn huge_sexagesimal_integer_does_not_overflow() {
    let huge = "36000000000000200000000004444444444448:2";
    let value = tg_core::yaml::from_str(&format!("time: {huge}\nbig: 99999999999999999999999\n"), "t.yml").unwrap();
    assert_eq!(value["time"], Value::String(huge.into()));
    assert_eq!(value["big"], Value::String("99999999999999999999999".into()));
    let small = tg_core::yaml::from_str("a: 1:30\nb: 190:20:30\nc: -1:0\n", "s.yml").unwrap();
    assert_eq!(small, serde_json::json!({"a": 90, "b": 685230, "c": -60}));
}
