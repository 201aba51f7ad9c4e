//! `tg-transform --trace REGEX`: what each transform step did to the tasks whose final label
//! matches, as field paths (`+` added, `-` removed, `~` changed).
//!
//! While a kind runs, [`KindTrace`] keeps the task dicts after every step and, for each output
//! dict, the input dict it came from (its *parent*). Once the kind's final labels are known, the
//! matching tasks are followed back through those parents and each step's change is printed
//! as the difference between the dict and its parent.
//!
//! Lineage rule (a step maps N input dicts to M output dicts, see [`attribute`]):
//! 1. an output whose `name` (else `label`) equals an input's is that input's child (the first
//!    such input not yet claimed, else the first such input: 1→N splits keeping the name);
//! 2. otherwise, when the step kept the count (N = M), position i's output is position i's
//!    child (renames);
//! 3. otherwise the input whose name is the longest prefix of the output's name (`test` →
//!    `test-linux64`: matrix, chunking);
//! 4. otherwise, when the step had a single input, that input (1→N: from_deps, matrix);
//! 5. otherwise the parent of the nearest preceding attributed output (steps keep input order),
//!    else of the nearest following one; a step with no input has no parents (new task).
//!
//! Paths: `a.b`, list items `a.b[2]`, keys that are not identifiers quoted: `a["x.y"]`.
//! Lists of equal length are compared item by item, others as a whole value.

use regex::Regex;
use serde_json::{Map, Value};
use std::io::Write;

/// A task dict.
pub type TaskDict = Map<String, Value>;

/// Where trace output goes and which final labels it follows.
pub struct Tracer {
    pattern: Regex,
    out: Box<dyn Write + Send>,
}

impl Tracer {
    /// Follow tasks whose final label matches `pattern` (a regex, searched anywhere in the
    /// label), writing to `out`.
    pub fn new(pattern: &str, out: Box<dyn Write + Send>) -> anyhow::Result<Tracer> {
        let pattern =
            Regex::new(pattern).map_err(|e| tg_core::usage(format!("--trace: bad regular expression: {e}")))?;
        Ok(Tracer { pattern, out })
    }

    /// Whether `label` is followed.
    pub fn matches(&self, label: &str) -> bool {
        self.pattern.is_match(label)
    }
}

/// One step's outputs and their parents in the previous list.
struct StepRecord {
    name: String,
    how: &'static str,
    outputs: Vec<TaskDict>,
    parents: Vec<Option<usize>>,
}

/// The history of one kind's dicts, step by step.
pub struct KindTrace {
    kind: String,
    initial: Vec<TaskDict>,
    steps: Vec<StepRecord>,
}

impl KindTrace {
    /// Start with the kind's loaded items.
    pub fn new(kind: &str, items: &[TaskDict]) -> KindTrace {
        KindTrace { kind: kind.to_string(), initial: items.to_vec(), steps: Vec::new() }
    }

    /// The dicts the last recorded step produced (the items before any step).
    fn current(&self) -> &[TaskDict] {
        self.steps.last().map_or(&self.initial, |s| &s.outputs)
    }

    /// Record a step's output. `how` says who ran it (`native`, `python`, `exec`).
    pub fn record(&mut self, name: &str, how: &'static str, outputs: &[TaskDict]) {
        let parents = attribute(self.current(), outputs);
        self.steps.push(StepRecord { name: name.to_string(), how, outputs: outputs.to_vec(), parents });
    }

    /// Write the trace of every final task (by position in the last step's output, whose
    /// label is `labels[i]`) that the tracer follows.
    pub fn finish(&self, labels: &[String], tracer: &mut Tracer) -> anyhow::Result<()> {
        for (i, label) in labels.iter().enumerate() {
            if tracer.matches(label) {
                let text = self.render(i, label);
                tracer.out.write_all(text.as_bytes())?;
            }
        }
        tracer.out.flush()?;
        Ok(())
    }

    /// The trace of final task `index` as text.
    fn render(&self, index: usize, label: &str) -> String {
        // Walk back: chain[k] = position in step k's outputs; origin = item position.
        let mut chain: Vec<Option<usize>> = Vec::with_capacity(self.steps.len());
        let mut pos = Some(index);
        for step in self.steps.iter().rev() {
            chain.push(pos);
            pos = pos.and_then(|p| step.parents.get(p).copied().flatten());
        }
        chain.reverse();
        let origin = if self.steps.is_empty() { Some(index) } else { pos };
        let empty = Map::new();
        let mut text = format!("trace: kind {}, task {label}\n", self.kind);
        let mut previous: &TaskDict = match origin.and_then(|o| self.initial.get(o)) {
            Some(item) => {
                let name = item.get("name").and_then(Value::as_str).unwrap_or("?");
                text.push_str(&format!("  item {name}\n"));
                for (key, value) in item {
                    text.push_str(&format!("    {} = {}\n", path_key("", key), render_value(value)));
                }
                item
            }
            None => &empty,
        };
        for (step, at) in self.steps.iter().zip(chain) {
            let Some(current) = at.and_then(|p| step.outputs.get(p)) else { continue };
            let is_new = at.is_some_and(|p| step.parents.get(p).copied().flatten().is_none());
            let before = if is_new { &empty } else { previous };
            let mut changes = Vec::new();
            diff("", &Value::Object(before.clone()), &Value::Object(current.clone()), &mut changes);
            let note = if is_new { ", new task (no input attributed)" } else { "" };
            if changes.is_empty() {
                text.push_str(&format!("  step {} ({}{note}): no change\n", step.name, step.how));
            } else {
                text.push_str(&format!("  step {} ({}{note}):\n", step.name, step.how));
                for change in changes {
                    text.push_str(&format!("    {change}\n"));
                }
            }
            previous = current;
        }
        text
    }
}

/// For each output, the position of the input it came from (the lineage rule above).
pub fn attribute(inputs: &[TaskDict], outputs: &[TaskDict]) -> Vec<Option<usize>> {
    if inputs.is_empty() {
        return vec![None; outputs.len()];
    }
    let names_in: Vec<Option<&str>> = inputs.iter().map(name_of).collect();
    let by_name = parents_by_name(&names_in, outputs);
    let settled: Vec<Option<usize>> = by_name
        .iter()
        .zip(outputs)
        .enumerate()
        .map(|(j, (parent, out))| parent.or_else(|| parent_by_shape(j, out, &names_in, outputs.len())))
        .collect();
    settled
        .iter()
        .enumerate()
        .map(|(j, parent)| {
            parent.or_else(|| {
                let before = settled.iter().take(j).rev().find_map(|p| *p);
                before.or_else(|| settled.iter().skip(j + 1).find_map(|p| *p))
            })
        })
        .collect()
}

/// Rule 1: the input of the same name, the first not yet claimed by an earlier output, else
/// the first.
fn parents_by_name(names_in: &[Option<&str>], outputs: &[TaskDict]) -> Vec<Option<usize>> {
    let mut claimed = vec![false; names_in.len()];
    outputs
        .iter()
        .map(|out| {
            let name = name_of(out)?;
            let same: Vec<usize> = (0..names_in.len()).filter(|&i| names_in.get(i) == Some(&Some(name))).collect();
            let i = same.iter().copied().find(|&i| claimed.get(i) == Some(&false)).or(same.first().copied())?;
            if let Some(c) = claimed.get_mut(i) {
                *c = true;
            }
            Some(i)
        })
        .collect()
}

/// Rules 2-4 for output `j` (`n_out` outputs): same count → same position; one input → it;
/// else the input whose name is the longest prefix of the output's.
fn parent_by_shape(j: usize, out: &TaskDict, names_in: &[Option<&str>], n_out: usize) -> Option<usize> {
    if names_in.len() == n_out {
        return Some(j);
    }
    if names_in.len() == 1 {
        return Some(0);
    }
    let name = name_of(out)?;
    names_in
        .iter()
        .enumerate()
        .filter(|(_, n)| n.is_some_and(|n| name.starts_with(n)))
        .max_by_key(|(_, n)| n.map_or(0, str::len))
        .map(|(i, _)| i)
}

fn name_of(task: &TaskDict) -> Option<&str> {
    task.get("name").or_else(|| task.get("label")).and_then(Value::as_str)
}

/// The changes from `old` to `new` under `path`, as `+ p = v`, `- p`, `~ p: a -> b` lines.
pub fn diff(path: &str, old: &Value, new: &Value, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, va) in a {
                let p = path_key(path, k);
                match b.get(k) {
                    None => out.push(format!("- {p}")),
                    Some(vb) => diff(&p, va, vb, out),
                }
            }
            for (k, vb) in b {
                if !a.contains_key(k) {
                    out.push(format!("+ {} = {}", path_key(path, k), render_value(vb)));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                diff(&format!("{path}[{i}]"), va, vb, out);
            }
        }
        _ if old != new => out.push(format!("~ {path}: {} -> {}", render_value(old), render_value(new))),
        _ => {}
    }
}

/// `path.key`, or `path["key"]` for keys that are not plain identifiers.
fn path_key(path: &str, key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    match (path.is_empty(), plain) {
        (true, true) => key.to_string(),
        (false, true) => format!("{path}.{key}"),
        (_, false) => format!("{path}[{}]", Value::String(key.to_string())),
    }
}

/// Compact JSON, clipped to 160 characters.
fn render_value(v: &Value) -> String {
    crate::worker::clip(&v.to_string(), 160)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dicts(v: Value) -> Vec<TaskDict> {
        v.as_array().unwrap().iter().map(|t| t.as_object().unwrap().clone()).collect()
    }

    #[test]
    fn lineage_by_name_position_prefix_and_order() {
        let ins = dicts(json!([{"name": "a"}, {"name": "b"}]));
        // rename with same count: position
        assert_eq!(attribute(&ins, &dicts(json!([{"name": "x"}, {"name": "y"}]))), [Some(0), Some(1)]);
        // reorder: by name
        assert_eq!(attribute(&ins, &dicts(json!([{"name": "b"}, {"name": "a"}]))), [Some(1), Some(0)]);
        // split by prefix
        let outs = dicts(json!([{"name": "a-1"}, {"name": "a-2"}, {"name": "b-linux"}]));
        assert_eq!(attribute(&ins, &outs), [Some(0), Some(0), Some(1)]);
        // 1->N keeping the name
        let outs = dicts(json!([{"name": "a"}, {"name": "a"}, {"name": "b"}]));
        assert_eq!(attribute(&ins, &outs), [Some(0), Some(0), Some(1)]);
        // unnamed: nearest preceding
        let outs = dicts(json!([{"name": "b"}, {"x": 1}, {"y": 2}]));
        assert_eq!(attribute(&ins, &outs), [Some(1), Some(1), Some(1)]);
        assert_eq!(attribute(&[], &outs), [None, None, None]);
        // one input: every output is its child
        let one = dicts(json!([{"name": "unit"}]));
        assert_eq!(attribute(&one, &dicts(json!([{"name": "docs"}, {"name": "linux"}]))), [Some(0), Some(0)]);
    }

    #[test]
    fn unnamed_outputs_before_any_attributed_one_take_the_following_parent() {
        let ins = dicts(json!([{"name": "a"}, {"name": "b"}]));
        let outs = dicts(json!([{"x": 1}, {"y": 2}, {"name": "b"}]));
        assert_eq!(attribute(&ins, &outs), [Some(1), Some(1), Some(1)]);
        // both names claimed once each, a third "a" goes back to the first "a"
        let outs = dicts(json!([{"name": "a"}, {"name": "b"}, {"name": "a"}]));
        assert_eq!(attribute(&ins, &outs), [Some(0), Some(1), Some(0)]);
        // no attribution at all: no parents
        assert_eq!(attribute(&ins, &dicts(json!([{"x": 1}, {"y": 2}, {"z": 3}]))), [None, None, None]);
    }

    #[test]
    fn diff_paths() {
        let mut out = Vec::new();
        diff(
            "",
            &json!({"a": {"b": 1, "c": [1, 2]}, "gone": true, "l": [1]}),
            &json!({"a": {"b": 2, "c": [1, 3], "d": "x"}, "l": [1, 2], "x.y": null}),
            &mut out,
        );
        assert_eq!(
            out,
            ["~ a.b: 1 -> 2", "~ a.c[1]: 2 -> 3", "+ a.d = \"x\"", "- gone", "~ l: [1] -> [1,2]", "+ [\"x.y\"] = null"]
        );
    }

    #[test]
    fn render_follows_a_split_and_rename() {
        let items = dicts(json!([{"name": "t", "v": 1}]));
        let mut kt = KindTrace::new("k", &items);
        kt.record("split", "native", &dicts(json!([{"name": "t-a", "v": 1}, {"name": "t-b", "v": 1}])));
        kt.record(
            "label",
            "python",
            &dicts(json!([{"name": "t-a", "label": "k-t-a"}, {"name": "t-b", "label": "k-t-b", "v": 1}])),
        );
        let text = kt.render(1, "k-t-b");
        assert_eq!(
            text,
            "trace: kind k, task k-t-b\n  item t\n    name = \"t\"\n    v = 1\n  step split (native):\n    ~ name: \"t\" -> \"t-b\"\n  step label (python):\n    + label = \"k-t-b\"\n"
        );
    }
}
