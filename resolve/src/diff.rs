//! tg-diff: compare two saved graphs of any stage, task by task, by label.
//!
//! Each input may be JSON lines (tasks, or label strings as `tg-resolve --labels` prints), a
//! JSON object keyed by label or by taskId (`taskgraph full|target|target-graph|morphed --json`),
//! or a JSON list of tasks or labels. Before comparing, each side is normalised as
//! `shared/tools/compare_graphs.py` does: every taskId (a task's `task_id`, or the key of an
//! entry keyed by taskId) is replaced, wherever it occurs in keys or strings, by
//! `<TASKID:label>`, so graphs with different random taskIds compare equal when they point at
//! the same tasks; and the set-like lists `soft_dependencies`, `if_dependencies` and
//! `task.dependencies` are sorted.
//!
//! Output: `+ label` (only in NEW), `- label` (only in OLD), `~ label` followed by one indented
//! line per differing field path (`task.payload.env.FOO: "a" -> "b"`); with `--json`, one JSON
//! object per task instead. Exit 0 when equal, 1 when different, 2 when an input cannot be read.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use tg_core::error::usage;

/// The binary's name.
pub const PROGRAM: &str = "tg-diff";

const AFTER_HELP: &str = "\
Example:
  tg-load -p params.yml | tg-transform -p params.yml > today.jsonl && tg-diff yesterday.jsonl today.jsonl

Inputs: JSON lines (tasks or label strings), or a JSON object keyed by label or taskId, or a JSON
list of tasks or labels: any stage of tg-* or taskgraph's --json output.
Output: '+ LABEL' added in NEW, '- LABEL' removed, '~ LABEL' changed, then '    PATH: OLD -> NEW'
per differing field; a summary line on stderr.
Exit codes: 0 equal, 1 different, 2 unreadable or malformed input (as diff(1)).

Example:
  tg-resolve -p a.yml < tasks.jsonl > a.jsonl; tg-resolve -p b.yml < tasks.jsonl > b.jsonl; tg-diff a.jsonl b.jsonl";

/// Command-line options of `tg-diff`.
#[derive(clap::Parser, Debug, Clone)]
#[command(name = "tg-diff", version, about = "Compare two saved task graphs by label", after_help = AFTER_HELP)]
pub struct DiffOptions {
    /// The old graph.
    pub old: PathBuf,
    /// The new graph.
    pub new: PathBuf,
    /// Ignore a field in every task (dotted path, `*` for any key or index), e.g. task.deadline.
    #[arg(long, value_name = "PATH")]
    pub ignore: Vec<String>,
    /// At most this many differing paths per task (0: all).
    #[arg(long, default_value_t = 0)]
    pub max_paths: usize,
    /// One JSON object per added/removed/changed task instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print nothing; only the exit code tells.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Tasks of one input, keyed by label, normalised.
pub type Tasks = BTreeMap<String, Value>;

/// Read and normalise one input.
pub fn load(path: &Path) -> anyhow::Result<Tasks> {
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    let source = path.display().to_string();
    let raw = parse(&text, &source)?;
    Ok(normalise(raw))
}

/// Entries (key, task) of a document or stream, in file order.
fn parse(text: &str, source: &str) -> anyhow::Result<Vec<(String, Value)>> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) if map.values().all(Value::is_object) && !looks_like_one_task(&map) => {
            Ok(map.into_iter().collect())
        }
        Ok(Value::Array(items)) => {
            items.into_iter().enumerate().map(|(i, v)| entry(v, source, i + 1, "entry")).collect()
        }
        Ok(single) => Ok(vec![entry(single, source, 1, "line")?]),
        Err(_) => {
            let mut out = Vec::new();
            for (n, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line)
                    .map_err(|e| usage(format!("{source}:{}: neither JSON nor JSON lines: {e}", n + 1)))?;
                out.push(entry(v, source, n + 1, "line")?);
            }
            Ok(out)
        }
    }
}

/// A one-line JSON-lines file holds a task, not a mapping of tasks: tell them apart by its
/// `label` string.
fn looks_like_one_task(map: &Map<String, Value>) -> bool {
    map.get("label").is_some_and(Value::is_string) && map.get("task").is_some()
}

/// `(key, task)` of one list item or line: a task object, or a bare label.
fn entry(v: Value, source: &str, n: usize, what: &str) -> anyhow::Result<(String, Value)> {
    match v {
        Value::String(label) => Ok((label.clone(), serde_json::json!({ "label": label }))),
        Value::Object(map) => {
            let key = map
                .get("label")
                .or_else(|| map.get("task_id"))
                .and_then(Value::as_str)
                .ok_or_else(|| usage(format!("{source}:{what} {n}: task without a label")))?
                .to_string();
            Ok((key, Value::Object(map)))
        }
        _ => Err(usage(format!("{source}:{what} {n}: neither a task object nor a label"))),
    }
}

/// Key by label, map taskIds to labels, sort set-like lists.
fn normalise(raw: Vec<(String, Value)>) -> Tasks {
    let mut ids: HashMap<String, String> = HashMap::new();
    for (key, task) in &raw {
        let label = task.get("label").and_then(Value::as_str).unwrap_or(key).to_string();
        if let Some(id) = task.get("task_id").and_then(Value::as_str) {
            ids.insert(id.to_string(), label.clone());
        }
        if *key != label {
            ids.insert(key.clone(), label);
        }
    }
    let replacer = Replacer::new(ids);
    let mut out = Tasks::new();
    for (key, task) in raw {
        let label = task.get("label").and_then(Value::as_str).unwrap_or(&key).to_string();
        let mut task = replacer.apply(task);
        sort_set_like(&mut task);
        out.insert(label, task);
    }
    out
}

/// Replaces known taskIds inside strings and keys.
struct Replacer {
    ids: HashMap<String, String>,
    lengths: Vec<usize>,
    runs: Option<regex::Regex>,
}

impl Replacer {
    fn new(ids: HashMap<String, String>) -> Replacer {
        let mut lengths: Vec<usize> = ids.keys().map(String::len).collect::<BTreeSet<_>>().into_iter().rev().collect();
        lengths.retain(|l| *l > 0);
        let runs = lengths.last().and_then(|short| regex::Regex::new(&format!("[A-Za-z0-9_-]{{{short},}}")).ok());
        Replacer { ids, lengths, runs }
    }

    fn apply(&self, v: Value) -> Value {
        if self.ids.is_empty() {
            return v;
        }
        match v {
            Value::String(s) => Value::String(self.string(&s)),
            Value::Array(a) => Value::Array(a.into_iter().map(|x| self.apply(x)).collect()),
            Value::Object(m) => Value::Object(m.into_iter().map(|(k, x)| (self.string(&k), self.apply(x))).collect()),
            other => other,
        }
    }

    fn string(&self, s: &str) -> String {
        if let Some(label) = self.ids.get(s) {
            return format!("<TASKID:{label}>");
        }
        match &self.runs {
            Some(re) => re.replace_all(s, |c: &regex::Captures| self.in_run(&c[0])).into_owned(),
            None => s.to_string(),
        }
    }

    /// Replace every known taskId inside one run of slug characters, left to right, longest first.
    fn in_run(&self, run: &str) -> String {
        let mut out = String::with_capacity(run.len());
        let mut i = 0;
        // Slug characters are ASCII, so byte offsets are character offsets here.
        'outer: while i < run.len() {
            for &len in &self.lengths {
                if let Some(piece) = run.get(i..i + len) {
                    if let Some(label) = self.ids.get(piece) {
                        out.push_str(&format!("<TASKID:{label}>"));
                        i += len;
                        continue 'outer;
                    }
                }
            }
            out.push_str(&run[i..i + 1]);
            i += 1;
        }
        out
    }
}

/// Sort the lists whose order means nothing.
fn sort_set_like(task: &mut Value) {
    let sort = |v: Option<&mut Value>| {
        if let Some(Value::Array(a)) = v {
            a.sort_by_key(|x| crate::output::sorted(x.clone()).to_string());
        }
    };
    sort(task.get_mut("soft_dependencies"));
    sort(task.get_mut("if_dependencies"));
    sort(task.get_mut("task").and_then(|t| t.get_mut("dependencies")));
}

/// Mask the value(s) at a dotted path (`*` matches any key or index) in every task.
fn mask(v: &mut Value, parts: &[&str]) {
    let Some((head, rest)) = parts.split_first() else { return };
    let children: Vec<&mut Value> = match v {
        Value::Object(m) => m.iter_mut().filter(|(k, _)| *head == "*" || k.as_str() == *head).map(|(_, x)| x).collect(),
        Value::Array(a) => {
            let index = head.trim_start_matches('[').trim_end_matches(']').parse::<usize>().ok();
            a.iter_mut().enumerate().filter(|(i, _)| *head == "*" || Some(*i) == index).map(|(_, x)| x).collect()
        }
        _ => Vec::new(),
    };
    for child in children {
        if rest.is_empty() {
            *child = Value::String("<ignored>".into());
        } else {
            mask(child, rest);
        }
    }
}

/// One differing field.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// A path component as the report prints it.
fn key_part(k: &str) -> String {
    let simple = !k.is_empty()
        && k.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if simple {
        format!(".{k}")
    } else {
        format!("[{}]", Value::String(k.to_string()))
    }
}

/// Every differing path between `a` and `b` (keys sorted, lists index by index).
pub fn changes(a: &Value, b: &Value, path: &str, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = format!("{path}{}", key_part(k));
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(w)) => changes(u, w, &p, out),
                    (u, w) => out.push(Change { path: p, old: u.cloned(), new: w.cloned() }),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(u), Some(w)) => changes(u, w, &p, out),
                    (u, w) => out.push(Change { path: p, old: u.cloned(), new: w.cloned() }),
                }
            }
        }
        _ if a == b && same_number_kind(a, b) => {}
        _ => out.push(Change { path: path.to_string(), old: Some(a.clone()), new: Some(b.clone()) }),
    }
}

/// `1` and `1.0` differ in JSON even where they compare equal.
fn same_number_kind(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.is_f64() == y.is_f64(),
        _ => true,
    }
}

/// The comparison of two inputs.
#[derive(Debug, Default)]
pub struct Report {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<(String, Vec<Change>)>,
    pub unchanged: usize,
}

impl Report {
    pub fn is_equal(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// Compare two normalised inputs, after masking `ignore` paths.
pub fn compare(mut old: Tasks, mut new: Tasks, ignore: &[String]) -> Report {
    for path in ignore {
        let parts: Vec<&str> = path.trim_start_matches('$').trim_start_matches('.').split('.').collect();
        for t in old.values_mut().chain(new.values_mut()) {
            mask(t, &parts);
        }
    }
    let mut report = Report::default();
    let labels: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for label in labels {
        match (old.get(label), new.get(label)) {
            (Some(_), None) => report.removed.push(label.clone()),
            (None, Some(_)) => report.added.push(label.clone()),
            (Some(a), Some(b)) => {
                let mut found = Vec::new();
                changes(a, b, "", &mut found);
                for c in &mut found {
                    c.path = c.path.trim_start_matches('.').to_string();
                }
                if found.is_empty() {
                    report.unchanged += 1;
                } else {
                    report.changed.push((label.clone(), found));
                }
            }
            (None, None) => {}
        }
    }
    report
}

/// A value in a report line (`<absent>` when missing), cut to a readable length.
fn show(v: &Option<Value>) -> String {
    let Some(v) = v else { return "<absent>".into() };
    let s = crate::output::sorted(v.clone()).to_string();
    if s.chars().count() > 200 {
        format!("{}...", s.chars().take(197).collect::<String>())
    } else {
        s
    }
}

/// Write the report as text or JSON lines.
pub fn write_report(report: &Report, opts: &DiffOptions, out: impl Write) -> anyhow::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    let limit = |n: usize| if opts.max_paths == 0 { n } else { n.min(opts.max_paths) };
    let mut rows: Vec<(&str, char, Option<&Vec<Change>>)> = Vec::new();
    rows.extend(report.removed.iter().map(|l| (l.as_str(), '-', None)));
    rows.extend(report.added.iter().map(|l| (l.as_str(), '+', None)));
    rows.extend(report.changed.iter().map(|(l, c)| (l.as_str(), '~', Some(c))));
    rows.sort_by(|a, b| a.0.cmp(b.0));
    for (label, mark, found) in rows {
        if opts.json {
            let status = match mark {
                '-' => "removed",
                '+' => "added",
                _ => "changed",
            };
            let mut rec = serde_json::Map::new();
            rec.insert("label".into(), label.into());
            rec.insert("status".into(), status.into());
            if let Some(found) = found {
                let list: Vec<Value> = found
                    .iter()
                    .take(limit(found.len()))
                    .map(|c| serde_json::json!({"path": c.path, "old": c.old, "new": c.new}))
                    .collect();
                rec.insert("changes".into(), Value::Array(list));
            }
            serde_json::to_writer(&mut out, &Value::Object(rec)).map_err(std::io::Error::from)?;
            writeln!(out)?;
            continue;
        }
        writeln!(out, "{mark} {label}")?;
        if let Some(found) = found {
            for c in found.iter().take(limit(found.len())) {
                writeln!(out, "    {}: {} -> {}", c.path, show(&c.old), show(&c.new))?;
            }
            if limit(found.len()) < found.len() {
                writeln!(out, "    ... {} more", found.len() - limit(found.len()))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// `tg-diff`: compare, print, and return whether the inputs were equal.
pub fn run(opts: &DiffOptions, out: impl Write) -> anyhow::Result<bool> {
    let old = load(&opts.old)?;
    let new = load(&opts.new)?;
    let report = compare(old, new, &opts.ignore);
    if !opts.quiet {
        match write_report(&report, opts, out) {
            // The reader went away (`tg-diff A B | head`): the answer is still the exit code.
            Err(e) if tg_core::error::is_broken_pipe(&e) => return Ok(report.is_equal()),
            other => other?,
        }
        eprintln!(
            "{PROGRAM}: {} added, {} removed, {} changed, {} unchanged",
            report.added.len(),
            report.removed.len(),
            report.changed.len(),
            report.unchanged
        );
    }
    Ok(report.is_equal())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tasks(text: &str) -> Tasks {
        normalise(parse(text, "t").unwrap())
    }

    #[test]
    fn reads_every_input_shape() {
        let lines = "{\"label\":\"a\",\"task\":{}}\n{\"label\":\"b\",\"task\":{}}\n";
        let object = r#"{"a": {"label": "a", "task": {}}, "b": {"label": "b", "task": {}}}"#;
        let list = r#"[{"label": "a", "task": {}}, {"label": "b", "task": {}}]"#;
        for text in [lines, object, list] {
            assert_eq!(tasks(text).keys().collect::<Vec<_>>(), ["a", "b"], "{text}");
        }
        assert_eq!(tasks("\"x\"\n\"y\"\n").keys().collect::<Vec<_>>(), ["x", "y"]);
        assert_eq!(tasks("{\"label\":\"only\",\"task\":{}}\n").keys().collect::<Vec<_>>(), ["only"]);
    }

    #[test]
    fn task_ids_become_labels() {
        let old = r#"{"AAAAAAAAAAAAAAAAAAAAAA": {"label": "build", "task_id": "AAAAAAAAAAAAAAAAAAAAAA", "task": {}},
                      "BBBBBBBBBBBBBBBBBBBBBB": {"label": "test", "dependencies": {"build": "AAAAAAAAAAAAAAAAAAAAAA"},
                        "task": {"dependencies": ["AAAAAAAAAAAAAAAAAAAAAA"], "env": "x-AAAAAAAAAAAAAAAAAAAAAA/y"}}}"#;
        let new = r#"{"CCCCCCCCCCCCCCCCCCCCCC": {"label": "build", "task_id": "CCCCCCCCCCCCCCCCCCCCCC", "task": {}},
                      "DDDDDDDDDDDDDDDDDDDDDD": {"label": "test", "dependencies": {"build": "CCCCCCCCCCCCCCCCCCCCCC"},
                        "task": {"dependencies": ["CCCCCCCCCCCCCCCCCCCCCC"], "env": "x-CCCCCCCCCCCCCCCCCCCCCC/y"}}}"#;
        let (a, b) = (tasks(old), tasks(new));
        assert_eq!(a["test"]["task"]["env"], json!("x-<TASKID:build>/y"));
        let report = compare(a, b, &[]);
        assert!(report.changed.iter().all(|(_, c)| c.iter().all(|c| c.path == "task_id")), "{report:?}");
    }

    #[test]
    fn reports_paths_and_ignores() {
        let a = tasks("{\"label\":\"t\",\"soft_dependencies\":[\"y\",\"x\"],\"task\":{\"n\":1,\"l\":[1],\"odd key\":1}}\n{\"label\":\"gone\",\"task\":{}}\n");
        let b = tasks("{\"label\":\"t\",\"soft_dependencies\":[\"x\",\"y\"],\"task\":{\"n\":1.0,\"l\":[1,2],\"odd key\":2}}\n{\"label\":\"new\",\"task\":{}}\n");
        let report = compare(a.clone(), b.clone(), &[]);
        assert_eq!(report.added, ["new"]);
        assert_eq!(report.removed, ["gone"]);
        let paths: Vec<&str> = report.changed[0].1.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["task.l[1]", "task.n", "task[\"odd key\"]"]);
        let report = compare(a, b, &["task.*".into()]);
        assert!(report.changed.is_empty(), "{report:?}");
    }
}
