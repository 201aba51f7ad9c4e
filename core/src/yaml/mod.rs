//! YAML reading with PyYAML's semantics, as taskgraph sees its files.
//!
//! taskgraph reads YAML with PyYAML's `SafeLoader` (YAML 1.1). This module parses events with
//! `yaml-rust2` and builds JSON values with PyYAML's implicit resolvers (`yes`/`no`/`on`/`off`
//! booleans, `0755` octal, `1_000`, sexagesimal `1:30`, `~`), anchors and aliases, and `<<`
//! merge keys in PyYAML's order (merged keys first, the first mapping of a merge list winning,
//! explicit keys overriding). Mapping keys become JSON object keys the way `json.dumps` writes
//! them (`3` -> `"3"`, `true` -> `"true"`, `null` -> `"null"`). Errors name file, line, column.
//!
//! Writing is [`to_string`] (`emit.rs`): the one YAML writer, whose output this reader and
//! PyYAML read back as the same data.

mod emit;
pub use emit::to_string;

use crate::error::bad_input;
use crate::quote::capped;
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use std::path::Path;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A parsed node before PyYAML's construction rules are applied.
#[derive(Clone, Debug)]
enum Node {
    Scalar { text: String, style: TScalarStyle, tag: Option<Tag>, line: usize, col: usize },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>, usize),
}

/// Most nodes one document may expand to (aliases count their whole subtree), so that a
/// "billion laughs" document is an error rather than an out-of-memory.
pub const MAX_NODES: usize = 20_000_000;

/// Deepest nesting one document may have, aliases expanded (the parser bounds only flow
/// nesting, at 255 levels). Without this bound, deep block indentation or a chain of aliases
/// (`b: &b [*a]`, `c: &c [*b]`, ...) overflowed the stack; found while hardening the loader.
/// Downstream, JSON lines nest at most 128 levels (serde_json's limit) anyway.
pub const MAX_DEPTH: usize = 256;

/// Collects parser events into a node tree, resolving aliases by copying the anchored node.
#[derive(Default)]
struct TreeBuilder {
    stack: Vec<Frame>,
    /// Anchored nodes with their expanded size and depth.
    anchors: HashMap<usize, (Node, usize, usize)>,
    /// For each open collection, the depth of its deepest item so far.
    depths: Vec<usize>,
    /// Nodes built so far, aliases expanded.
    nodes: usize,
    root: Option<Node>,
    documents: usize,
    error: Option<String>,
}

/// An open collection: its items, anchor id, (mapping: line) and the node count at its start.
enum Frame {
    Seq(Vec<Node>, usize, usize),
    Map(Vec<Node>, usize, usize, usize),
}

impl TreeBuilder {
    fn push_node(&mut self, node: Node, anchor: usize, size: usize, depth: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size, depth));
        }
        if let Some(deepest) = self.depths.last_mut() {
            *deepest = (*deepest).max(depth);
        }
        match self.stack.last_mut() {
            Some(Frame::Seq(items, _, _)) => items.push(node),
            Some(Frame::Map(items, _, _, _)) => items.push(node),
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }
}

impl MarkedEventReceiver for TreeBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::DocumentStart => self.documents += 1,
            _ if self.error.is_some() => {}
            Event::Scalar(text, style, anchor, tag) => {
                self.nodes += 1;
                let node = Node::Scalar { text, style, tag, line: mark.line(), col: mark.col() + 1 };
                self.push_node(node, anchor, 1, 1);
            }
            Event::Alias(id) => match self.anchors.get(&id) {
                Some((_, _, depth)) if self.depths.len() + depth > MAX_DEPTH => {
                    self.error = Some(format!("line {}: aliases nest deeper than {MAX_DEPTH} levels", mark.line()));
                }
                Some((_, size, _)) if self.nodes + size > MAX_NODES => {
                    self.error = Some(format!("line {}: aliases expand to more than {MAX_NODES} nodes", mark.line()));
                }
                Some((node, size, depth)) => {
                    let (node, size, depth) = (node.clone(), *size, *depth);
                    self.nodes += size;
                    self.push_node(node, 0, size, depth);
                }
                None => self.error = Some(format!("line {}: unknown alias", mark.line())),
            },
            Event::SequenceStart(..) | Event::MappingStart(..) if self.depths.len() >= MAX_DEPTH => {
                self.error = Some(format!("line {}: nesting deeper than {MAX_DEPTH} levels", mark.line()));
            }
            Event::SequenceStart(anchor, _) => {
                self.depths.push(0);
                self.stack.push(Frame::Seq(Vec::new(), anchor, self.nodes))
            }
            Event::MappingStart(anchor, _) => {
                self.depths.push(0);
                self.stack.push(Frame::Map(Vec::new(), anchor, mark.line(), self.nodes))
            }
            Event::SequenceEnd => {
                let depth = self.depths.pop().unwrap_or(0) + 1;
                if let Some(Frame::Seq(items, anchor, start)) = self.stack.pop() {
                    self.nodes += 1;
                    self.push_node(Node::Seq(items), anchor, self.nodes - start, depth);
                }
            }
            Event::MappingEnd => {
                let depth = self.depths.pop().unwrap_or(0) + 1;
                if let Some(Frame::Map(items, anchor, line, start)) = self.stack.pop() {
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    self.nodes += 1;
                    self.push_node(Node::Map(pairs, line), anchor, self.nodes - start, depth);
                }
            }
            _ => {}
        }
    }
}

/// Parse the first YAML document of `text` (an empty document is `null`). `source` names the
/// file in error messages.
pub fn from_str(text: &str, source: &str) -> anyhow::Result<Value> {
    let mut builder = TreeBuilder::default();
    let mut parser = Parser::new_from_str(text);
    // The first document's events, one at a time: yaml-rust2's own `Parser::load` recurses once
    // per nesting level, which deep block indentation turned into a stack overflow.
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            let m = e.marker();
            bad_input(format!("{source}:{}:{}: malformed YAML: {}", m.line(), m.col() + 1, e.info()))
        })?;
        let last = matches!(event, Event::DocumentEnd | Event::StreamEnd);
        builder.on_event(event, mark);
        if last || builder.error.is_some() {
            break;
        }
    }
    if let Some(err) = builder.error {
        return Err(bad_input(format!("{source}: malformed YAML: {err}")));
    }
    match builder.root {
        None => Ok(Value::Null),
        Some(node) => construct(node, source),
    }
}

/// Read and parse a YAML file; an unreadable file is a usage/I-O error (exit 2).
pub fn load_file(path: &Path) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| crate::error::usage(format!("cannot read {}: {e}", path.display())))?;
    from_str(&text, &path.display().to_string())
}

fn construct(node: Node, source: &str) -> anyhow::Result<Value> {
    match node {
        Node::Scalar { text, style, tag, line, col } => {
            resolve_scalar(text, style, tag.as_ref()).map_err(|msg| bad_input(format!("{source}:{line}:{col}: {msg}")))
        }
        Node::Seq(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(construct(item, source)?);
            }
            Ok(Value::Array(out))
        }
        Node::Map(pairs, line) => {
            let pairs = flatten_merges(pairs, source, line)?;
            let mut out = Map::with_capacity(pairs.len());
            for (k, v) in pairs {
                let key = key_string(construct(k, source)?, source, line)?;
                out.insert(key, construct(v, source)?);
            }
            Ok(Value::Object(out))
        }
    }
}

fn is_merge_key(node: &Node) -> bool {
    matches!(node, Node::Scalar { text, style: TScalarStyle::Plain, tag: None, .. } if text == "<<")
}

/// PyYAML's `flatten_mapping`: merged pairs come first (for a list of mappings, the last one's
/// pairs first, so that earlier mappings override later ones), then the mapping's own pairs.
fn flatten_merges(pairs: Vec<(Node, Node)>, source: &str, line: usize) -> anyhow::Result<Vec<(Node, Node)>> {
    if !pairs.iter().any(|(k, _)| is_merge_key(k)) {
        return Ok(pairs);
    }
    let mut merged = Vec::new();
    let mut own = Vec::new();
    for (k, v) in pairs {
        if !is_merge_key(&k) {
            own.push((k, v));
            continue;
        }
        match v {
            Node::Map(sub, sub_line) => merged.extend(flatten_merges(sub, source, sub_line)?),
            Node::Seq(items) => {
                let mut subs = Vec::new();
                for item in items {
                    match item {
                        Node::Map(sub, sub_line) => subs.push(flatten_merges(sub, source, sub_line)?),
                        _ => {
                            return Err(bad_input(format!(
                                "{source}:{line}: while constructing a mapping: expected a mapping for merging"
                            )))
                        }
                    }
                }
                for sub in subs.into_iter().rev() {
                    merged.extend(sub);
                }
            }
            _ => {
                return Err(bad_input(format!(
                    "{source}:{line}: while constructing a mapping: expected a mapping or list of mappings for merging"
                )))
            }
        }
    }
    merged.extend(own);
    Ok(merged)
}

/// A mapping key as `json.dumps` would write it.
fn key_string(key: Value, source: &str, line: usize) -> anyhow::Result<String> {
    Ok(match key {
        Value::String(s) => s,
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Number(n) => n.to_string(),
        _ => return Err(bad_input(format!("{source}:{line}: unhashable mapping key (a list or mapping)"))),
    })
}

/// Resolve one scalar as PyYAML's SafeLoader does.
fn resolve_scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    if let Some(tag) = tag {
        return resolve_tagged(text, tag);
    }
    if style != TScalarStyle::Plain {
        return Ok(Value::String(text));
    }
    Ok(resolve_plain(&text)?.unwrap_or(Value::String(text)))
}

fn resolve_tagged(text: String, tag: &Tag) -> Result<Value, String> {
    let name = if tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:" {
        tag.suffix.as_str()
    } else {
        return Err(format!(
            "could not determine a constructor for the tag '{}{}'",
            capped(&tag.handle),
            capped(&tag.suffix)
        ));
    };
    match name {
        "str" => Ok(Value::String(text)),
        "int" => parse_int(&text)?.ok_or_else(|| format!("invalid !!int: {}", capped(&text))),
        "float" => parse_float(&text)?.ok_or_else(|| format!("invalid !!float: {}", capped(&text))),
        "bool" => parse_bool(&text).map(Value::Bool).ok_or_else(|| format!("invalid !!bool: {}", capped(&text))),
        "null" => Ok(Value::Null),
        other => Err(format!("could not determine a constructor for the tag '!!{}'", capped(other))),
    }
}

/// The implicit (plain scalar) resolvers of YAML 1.1, as PyYAML applies them.
fn resolve_plain(text: &str) -> Result<Option<Value>, String> {
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Ok(Some(Value::Null));
    }
    if let Some(b) = parse_bool(text) {
        return Ok(Some(Value::Bool(b)));
    }
    match parse_int(text)? {
        Some(v) => Ok(Some(v)),
        None => parse_float(text),
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

// A literal pattern, compiled once (the tests check it compiles: `int_and_float_patterns_compile`).
fn int_regex() -> Result<&'static regex::Regex, String> {
    static RE: std::sync::OnceLock<Result<regex::Regex, regex::Error>> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$",
        )
    })
    .as_ref()
    .map_err(|e| format!("the YAML int pattern: {e}"))
}

// A literal pattern, compiled once (the tests check it compiles: `int_and_float_patterns_compile`).
fn float_regex() -> Result<&'static regex::Regex, String> {
    static RE: std::sync::OnceLock<Result<regex::Regex, regex::Error>> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        regex::Regex::new(
            r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        )
    })
    .as_ref()
    .map_err(|e| format!("the YAML float pattern: {e}"))
}

/// PyYAML's `construct_yaml_int`: `None` when `text` is not an int.
fn parse_int(text: &str) -> Result<Option<Value>, String> {
    Ok(if int_regex()?.is_match(text) { int_value(text) } else { None })
}

/// The value of an int that matched the pattern.
fn int_value(text: &str) -> Option<Value> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let (sign, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (-1i128, rest.to_string()),
        None => (1i128, cleaned.trim_start_matches('+').to_string()),
    };
    let magnitude: i128 = if digits == "0" {
        0
    } else if let Some(b) = digits.strip_prefix("0b") {
        i128::from_str_radix(b, 2).ok()?
    } else if let Some(h) = digits.strip_prefix("0x") {
        i128::from_str_radix(h, 16).ok()?
    } else if digits.starts_with('0') {
        i128::from_str_radix(&digits, 8).ok()?
    } else if digits.contains(':') {
        digits.split(':').try_fold(0i128, |acc, part| acc.checked_mul(60)?.checked_add(part.parse::<i128>().ok()?))?
    } else {
        digits.parse().ok()?
    };
    let n = sign * magnitude;
    if let Ok(i) = i64::try_from(n) {
        Some(Value::Number(i.into()))
    } else {
        u64::try_from(n).ok().map(|u| Value::Number(u.into()))
    }
}

/// PyYAML's `construct_yaml_float`; infinities and NaN (which JSON cannot hold) stay strings.
fn parse_float(text: &str) -> Result<Option<Value>, String> {
    Ok(if float_regex()?.is_match(text) { float_value(text) } else { None })
}

/// The value of a float that matched the pattern.
fn float_value(text: &str) -> Option<Value> {
    let cleaned: String = text.chars().filter(|&c| c != '_').collect::<String>().to_lowercase();
    if cleaned.contains("inf") || cleaned.contains("nan") {
        return None;
    }
    let value = if cleaned.contains(':') {
        let (sign, rest) = match cleaned.strip_prefix('-') {
            Some(r) => (-1.0, r.to_string()),
            None => (1.0, cleaned.trim_start_matches('+').to_string()),
        };
        sign * rest.split(':').try_fold(0.0f64, |acc, part| Some(acc * 60.0 + part.parse::<f64>().ok()?))?
    } else {
        cleaned.parse::<f64>().ok()?
    };
    Number::from_f64(value).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn int_and_float_patterns_compile() {
        let (int, float) = (int_regex().unwrap(), float_regex().unwrap());
        assert!(int.is_match("0x1F") && !int.is_match("1.5"));
        assert!(float.is_match("1.5") && !float.is_match("12"));
    }

    #[test]
    fn a_huge_bad_tagged_scalar_is_capped_in_the_error() {
        let huge = "9".repeat(100_000) + "x";
        let err = from_str(&format!("a: !!int {huge}\n"), "big.yml").unwrap_err().to_string();
        assert!(err.contains("invalid !!int: 999"), "{err}");
        assert!(err.contains(&format!("… ({} bytes)", huge.len())), "{err}");
        assert!(err.len() < 1000, "{} bytes", err.len());
    }

    fn y(s: &str) -> Value {
        from_str(s, "t.yml").unwrap()
    }

    #[test]
    fn yaml_1_1_scalars() {
        // Expected values are what PyYAML 6 SafeLoader yields for the same document.
        let v = y("a: yes\nb: off\nc: 0755\nd: 1_000\ne: 1:30\nf: '0755'\ng: 0o17\nh: 1.5\ni: 1e3\nj: ~\nk:\nl: 0x1F\nm: 1.\nn: -0b11\n");
        assert_eq!(
            v,
            json!({"a": true, "b": false, "c": 493, "d": 1000, "e": 90, "f": "0755", "g": "0o17",
                   "h": 1.5, "i": "1e3", "j": null, "k": null, "l": 31, "m": 1.0, "n": -3})
        );
    }

    #[test]
    fn merge_keys_in_pyyaml_order() {
        let doc = "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  w: 0\n  <<: [*a, *b]\n  x: 9\n";
        let v = y(doc);
        assert_eq!(v["c"], json!({"y": 1, "z": 2, "x": 9, "w": 0}));
        let keys: Vec<_> = v["c"].as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["y", "z", "x", "w"]);
    }

    #[test]
    fn keys_are_written_like_json_dumps() {
        assert_eq!(y("3: a\ntrue: b\n~: c\n"), json!({"3": "a", "true": "b", "null": "c"}));
    }

    #[test]
    fn duplicate_keys_keep_first_position_and_last_value() {
        let v = y("a: 1\nb: 2\na: 3\n");
        assert_eq!(v, json!({"a": 3, "b": 2}));
        assert_eq!(v.as_object().unwrap().keys().next().unwrap(), "a");
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let e = from_str("a: [1, 2\nb: 3\n", "kinds/x/kind.yml").unwrap_err().to_string();
        assert!(e.starts_with("kinds/x/kind.yml:"), "{e}");
        assert!(e.contains("malformed YAML"), "{e}");
    }

    #[test]
    fn billion_laughs_is_an_error_not_an_out_of_memory() {
        let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            doc.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        let e = from_str(&doc, "lol.yml").unwrap_err().to_string();
        assert!(e.contains("aliases expand to more than"), "{e}");
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(y(""), Value::Null);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        #[test]
        fn never_panics_on_arbitrary_text(s in "\\PC{0,200}") {
            let _ = from_str(&s, "fuzz.yml");
        }

        #[test]
        fn never_panics_on_yamlish_text(s in "[-:{}\\[\\],&*!|>'\" \n#a-z0-9<]{0,120}") {
            let _ = from_str(&s, "fuzz.yml");
        }
    }
}
