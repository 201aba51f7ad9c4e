//! Lean tasks: what the whole-graph stages (resolve, optimize, morph) hold in memory.
//!
//! A [`Task`] parsed into [`serde_json::Value`]s takes ten times the bytes of its JSON line, and
//! those stages read little of it: labels, dependencies and a few fields of the definition. A
//! [`LeanTask`] keeps the graph fields typed, and `attributes` and `task` (the definition) as
//! JSON text ([`Canon`]) in exactly the form serde_json writes them, so that writing a lean task
//! gives the same bytes as writing the [`Task`] it stands for, by copying the text. Whatever a
//! stage reads of that text it takes with [`pick`] (a few members, the rest skipped unparsed), or
//! it parses the whole [`Task`] back ([`LeanTask::to_task`]) for the rare task it rewrites.
//!
//! Reading ([`read_lean`]) accepts and rejects exactly what reading [`Task`]s does, with the
//! same messages: a line that the lean road cannot take (a repeated key, an error) is read the
//! [`Task`] way ([`crate::jsonl::RawLine::record`]), which then either succeeds or names the
//! problem.

use crate::canonical::is_canonical;
use crate::error::bad_input;
use crate::graph::GraphNode;
use crate::jsonl::{JsonLinesReader, RawLine};
use crate::task::Task;
use indexmap::IndexMap;
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

/// A JSON text exactly as serde_json writes the value it holds (see [`crate::canonical`]).
#[derive(Clone, Debug)]
pub struct Canon(Box<RawValue>);

impl Canon {
    /// `raw` itself when it is canonical, else its value written out again; `None` when it does
    /// not parse as a `Value` (the caller then reports the error the `Task` way).
    fn from_raw(raw: Box<RawValue>) -> Option<Canon> {
        if is_canonical(raw.get()) {
            return Some(Canon(raw));
        }
        let value: Value = serde_json::from_str(raw.get()).ok()?;
        serde_json::value::to_raw_value(&value).ok().map(Canon)
    }

    /// The canonical text of `value`.
    pub fn of<T: Serialize + ?Sized>(value: &T) -> anyhow::Result<Canon> {
        Ok(Canon(serde_json::value::to_raw_value(value)?))
    }

    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The text parsed (a canonical text always parses into what it was written from).
    pub fn parse<T: DeserializeOwned>(&self) -> anyhow::Result<T> {
        serde_json::from_str(self.get()).map_err(|e| {
            bad_input(format!("cannot read back a task field: {}", crate::quote::capped_message(&e.to_string())))
        })
    }
}

impl Serialize for Canon {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

/// A task as the whole-graph stages keep it; `view` is what the stage took from its JSON.
/// Serializes exactly as the [`Task`] it stands for.
#[derive(Clone, Debug, Serialize)]
pub struct LeanTask<V = ()> {
    pub kind: String,
    pub label: String,
    pub description: String,
    pub attributes: Canon,
    pub dependencies: IndexMap<String, String>,
    pub soft_dependencies: Vec<String>,
    pub if_dependencies: Vec<String>,
    /// Boxed: usually null, and a `Value` is large.
    pub optimization: Option<Box<Value>>,
    pub task: Canon,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    #[serde(skip)]
    pub view: V,
}

impl<V> LeanTask<V> {
    /// The lean form of a parsed task.
    pub fn from_task(task: &Task, view: V) -> anyhow::Result<LeanTask<V>> {
        Ok(LeanTask {
            kind: task.kind.clone(),
            label: task.label.clone(),
            description: task.description.clone(),
            attributes: Canon::of(&task.attributes)?,
            dependencies: task.dependencies.clone(),
            soft_dependencies: task.soft_dependencies.clone(),
            if_dependencies: task.if_dependencies.clone(),
            optimization: task.optimization.clone().map(Box::new),
            task: Canon::of(&task.task)?,
            task_id: task.task_id.clone(),
            view,
        })
    }

    /// The whole task, parsed.
    pub fn to_task(&self) -> anyhow::Result<Task> {
        Ok(Task {
            kind: self.kind.clone(),
            label: self.label.clone(),
            description: self.description.clone(),
            attributes: self.attributes.parse()?,
            dependencies: self.dependencies.clone(),
            soft_dependencies: self.soft_dependencies.clone(),
            if_dependencies: self.if_dependencies.clone(),
            optimization: self.optimization.as_deref().cloned(),
            task: self.task.parse()?,
            task_id: self.task_id.clone(),
        })
    }

    /// Write the task as one JSON object (no newline) with new `dependencies`, `task_id`, and a
    /// definition given as pieces of canonical JSON text: the bytes `serde_json` writes for the
    /// [`Task`] with those fields.
    pub fn write_line(
        &self,
        out: &mut impl Write,
        dependencies: &IndexMap<String, String>,
        task: &[&str],
        task_id: Option<&str>,
    ) -> std::io::Result<()> {
        fn json<T: Serialize + ?Sized>(out: &mut impl Write, value: &T) -> std::io::Result<()> {
            serde_json::to_writer(out, value).map_err(std::io::Error::from)
        }
        out.write_all(b"{\"kind\":")?;
        json(out, &self.kind)?;
        out.write_all(b",\"label\":")?;
        json(out, &self.label)?;
        out.write_all(b",\"description\":")?;
        json(out, &self.description)?;
        out.write_all(b",\"attributes\":")?;
        out.write_all(self.attributes.get().as_bytes())?;
        out.write_all(b",\"dependencies\":")?;
        json(out, dependencies)?;
        out.write_all(b",\"soft_dependencies\":")?;
        json(out, &self.soft_dependencies)?;
        out.write_all(b",\"if_dependencies\":")?;
        json(out, &self.if_dependencies)?;
        out.write_all(b",\"optimization\":")?;
        json(out, &self.optimization)?;
        out.write_all(b",\"task\":")?;
        for piece in task {
            out.write_all(piece.as_bytes())?;
        }
        if let Some(id) = task_id {
            out.write_all(b",\"task_id\":")?;
            json(out, id)?;
        }
        out.write_all(b"}")
    }

    /// The attributes, parsed.
    pub fn attributes(&self) -> anyhow::Result<Map<String, Value>> {
        self.attributes.parse()
    }

    /// The same task with another view.
    pub fn with_view<W>(self, view: W) -> LeanTask<W> {
        LeanTask {
            kind: self.kind,
            label: self.label,
            description: self.description,
            attributes: self.attributes,
            dependencies: self.dependencies,
            soft_dependencies: self.soft_dependencies,
            if_dependencies: self.if_dependencies,
            optimization: self.optimization,
            task: self.task,
            task_id: self.task_id,
            view,
        }
    }
}

impl<V> GraphNode for LeanTask<V> {
    fn label(&self) -> &str {
        &self.label
    }

    fn dependencies(&self) -> &IndexMap<String, String> {
        &self.dependencies
    }
}

/// The fields of a task line, `attributes` and `task` left as text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    kind: String,
    label: String,
    #[serde(default)]
    description: String,
    #[serde(default, deserialize_with = "present")]
    attributes: Option<Box<RawValue>>,
    #[serde(default)]
    dependencies: IndexMap<String, String>,
    #[serde(default)]
    soft_dependencies: Vec<String>,
    #[serde(default)]
    if_dependencies: Vec<String>,
    #[serde(default)]
    optimization: Option<Box<Value>>,
    task: Box<RawValue>,
    #[serde(default)]
    task_id: Option<String>,
}

/// `Some` for a member that is there, `null` included (plain `Option` makes `null` absent).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

impl Wire {
    /// The lean task, or `None` when this line must be read the `Task` way.
    fn into_lean(self) -> Option<LeanTask> {
        let attributes = match self.attributes {
            None => Canon(serde_json::value::to_raw_value(&Map::new()).ok()?),
            // `Task.attributes` is a mapping: anything else is an error, reported the Task way.
            Some(raw) if raw.get().starts_with('{') => Canon::from_raw(raw)?,
            Some(_) => return None,
        };
        Some(LeanTask {
            kind: self.kind,
            label: self.label,
            description: self.description,
            attributes,
            dependencies: self.dependencies,
            soft_dependencies: self.soft_dependencies,
            if_dependencies: self.if_dependencies,
            optimization: self.optimization,
            task: Canon::from_raw(self.task)?,
            task_id: self.task_id,
            view: (),
        })
    }
}

/// One line as a lean task: accepted and rejected exactly as `line.record::<Task>()` would.
pub fn lean_from_line(line: &RawLine) -> anyhow::Result<LeanTask> {
    if let Some(lean) = serde_json::from_str::<Wire>(line.text).ok().and_then(Wire::into_lean) {
        return Ok(lean);
    }
    let task: Task = line.record()?;
    LeanTask::from_task(&task, ())
}

/// Every task of a JSON-lines source, lean, each with the view `view` takes from it; stops at
/// the first bad line with the message reading [`Task`]s gives.
pub fn read_lean<R: BufRead, V>(
    input: R,
    source: &str,
    end: crate::stream::EndRule,
    mut view: impl FnMut(&LeanTask) -> anyhow::Result<V>,
) -> anyhow::Result<Vec<LeanTask<V>>> {
    let mut reader = JsonLinesReader::new(input, source).requiring_end(end);
    let mut tasks = Vec::new();
    while let Some(line) = reader.next_raw()? {
        let lean = lean_from_line(&line)?;
        let v = view(&lean)?;
        tasks.push(lean.with_view(v));
    }
    Ok(tasks)
}

/// What to take of a member of a JSON object ([`pick`]).
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// The whole value.
    Whole,
    /// Some of its members, when it is an object.
    Members(&'static [(&'static str, Want)]),
}

/// What [`pick`] found for one wanted member.
#[derive(Debug, Clone, PartialEq)]
pub enum Got {
    /// Not there.
    Absent,
    /// The whole value ([`Want::Whole`]).
    Value(Value),
    /// The wanted members of an object ([`Want::Members`]), in the order asked for.
    Object(Vec<Got>),
    /// There, but not an object ([`Want::Members`] of a non-object).
    Other,
}

impl Got {
    /// The value, if taken whole.
    pub fn value(&self) -> Option<&Value> {
        match self {
            Got::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The value, if taken whole.
    pub fn into_value(self) -> Option<Value> {
        match self {
            Got::Value(v) => Some(v),
            _ => None,
        }
    }

    /// Member `i` of an object taken by members.
    pub fn member(&self, i: usize) -> &Got {
        match self {
            Got::Object(members) => members.get(i).unwrap_or(&Got::Absent),
            _ => &Got::Absent,
        }
    }

    /// True unless absent.
    pub fn is_present(&self) -> bool {
        !matches!(self, Got::Absent)
    }
}

/// Take the members `wanted` of the JSON object `text` (nested as asked), skipping the rest
/// without building it. As with a parsed `Value`, a repeated key counts with its last value.
/// `Got::Other` when `text` is not an object.
pub fn pick(text: &str, wanted: &'static [(&'static str, Want)]) -> anyhow::Result<Got> {
    let mut de = serde_json::Deserializer::from_str(text);
    let got = PickSeed(wanted).deserialize(&mut de).map_err(|e| {
        bad_input(format!("cannot read a task field: {}", crate::quote::capped_message(&e.to_string())))
    })?;
    Ok(got)
}

struct PickSeed(&'static [(&'static str, Want)]);

impl<'de> DeserializeSeed<'de> for PickSeed {
    type Value = Got;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Got, D::Error> {
        d.deserialize_any(PickVisitor(self.0))
    }
}

struct PickVisitor(&'static [(&'static str, Want)]);

impl<'de> Visitor<'de> for PickVisitor {
    type Value = Got;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Got, A::Error> {
        let mut out: Vec<Got> = vec![Got::Absent; self.0.len()];
        while let Some(i) = map.next_key_seed(KeySeed(self.0))? {
            // `KeySeed` answers positions in `self.0`, which `out` has as many of.
            match i.and_then(|i| Some((out.get_mut(i)?, &self.0.get(i)?.1))) {
                Some((slot, want)) => {
                    *slot = match want {
                        Want::Whole => Got::Value(map.next_value()?),
                        Want::Members(inner) => map.next_value_seed(PickSeed(inner))?,
                    }
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Got::Object(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Got, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Got::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Got, E> {
        Ok(Got::Other)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Got, E> {
        Ok(Got::Other)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Got, E> {
        Ok(Got::Other)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Got, E> {
        Ok(Got::Other)
    }

    fn visit_str<E>(self, _: &str) -> Result<Got, E> {
        Ok(Got::Other)
    }

    fn visit_unit<E>(self) -> Result<Got, E> {
        Ok(Got::Other)
    }
}

/// A key, as its position among the wanted names (no allocation).
struct KeySeed(&'static [(&'static str, Want)]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Option<usize>, E> {
        Ok(self.0.iter().position(|(name, _)| *name == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> anyhow::Result<Vec<LeanTask>> {
        read_lean(text.as_bytes(), "<stdin>", crate::stream::EndRule::Optional, |_| Ok(()))
    }

    fn read_tasks(text: &str) -> anyhow::Result<Vec<Task>> {
        JsonLinesReader::new(text.as_bytes(), "<stdin>").read_all()
    }

    /// Lean reading writes what Task reading writes, and fails with the same message.
    fn same_as_tasks(text: &str) {
        match (read(text), read_tasks(text)) {
            (Ok(lean), Ok(tasks)) => {
                let a: Vec<String> = lean.iter().map(|t| serde_json::to_string(t).unwrap()).collect();
                let b: Vec<String> = tasks.iter().map(|t| serde_json::to_string(t).unwrap()).collect();
                assert_eq!(a, b, "{text}");
                for (l, t) in lean.iter().zip(&tasks) {
                    assert_eq!(&l.to_task().unwrap(), t);
                }
            }
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
            (a, b) => panic!("{text}: lean {:?} vs tasks {:?}", a.map(|_| ()), b.map(|_| ())),
        }
    }

    #[test]
    fn lean_reading_matches_task_reading() {
        let lines = [
            r#"{"kind":"k","label":"a","task":{"x":1}}"#,
            r#"{"kind":"k","label":"a","description":"d","attributes":{"b":[1,2.5]},"dependencies":{"n":"b"},"soft_dependencies":["s"],"if_dependencies":["i"],"optimization":{"never":null},"task":{"x":{"task-reference":"<n>"}},"task_id":"abc"}"#,
            r#"{"kind": "k", "label": "a", "task": {"x" : 1, "y": "\u00e9\/"}}"#,
            r#"{"kind":"k","label":"a","attributes":{"a":1,"a":2},"task":{"x":1,"x":[]}}"#,
            r#"{"kind":"k","label":"a","label":"b","task":{}}"#,
            r#"{"kind":"k","label":"a","attributes":null,"task":{}}"#,
            r#"{"kind":"k","label":"a","attributes":[],"task":{}}"#,
            r#"{"kind":"k","label":"a","task":null}"#,
            r#"{"kind":"k","label":"a"}"#,
            r#"{"kind":"k","label":"a","task":{},"extra":1}"#,
            r#"{"kind":"k","label":"a","task":{"n":1e999}}"#,
            r#"{"kind":"k","label":"a","task":{"s":"\ud800"}}"#,
            r#"{"kind":"k","label":"a","optimization":null,"task":{},"task_id":null}"#,
            r#"{"kind":"k","label":1,"task":{}}"#,
            r#"[1]"#,
            r#"{"kind":"k""#,
        ];
        for line in lines {
            same_as_tasks(&format!("{line}\n"));
        }
        let deep = format!("{{\"kind\":\"k\",\"label\":\"a\",\"task\":{}1{}}}\n", "[".repeat(140), "]".repeat(140));
        same_as_tasks(&deep);
        let deep_ok = format!("{{\"kind\":\"k\",\"label\":\"a\",\"task\":{}1{}}}\n", "[".repeat(110), "]".repeat(110));
        same_as_tasks(&deep_ok);
    }

    #[test]
    fn write_line_writes_what_serde_writes() {
        let line = r#"{"kind":"k","label":"a\"b","description":"d","attributes":{"b":[1,2.5]},"dependencies":{"n":"b"},"soft_dependencies":["s"],"if_dependencies":["i"],"optimization":{"never":null},"task":{"x":1}}"#;
        let lean = &read(&format!("{line}\n")).unwrap()[0];
        let mut task = lean.to_task().unwrap();
        let deps: IndexMap<String, String> = [("n".to_string(), "ID".to_string())].into();
        let mut buf = Vec::new();
        lean.write_line(&mut buf, &deps, &[r#"{"x":1"#, r#","y":[]}"#], Some("T")).unwrap();
        task.dependencies = deps;
        task.task = serde_json::json!({"x": 1, "y": []});
        task.task_id = Some("T".into());
        assert_eq!(String::from_utf8(buf).unwrap(), serde_json::to_string(&task).unwrap());
        let mut buf = Vec::new();
        lean.write_line(&mut buf, &lean.dependencies, &[lean.task.get()], None).unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), line);
    }

    #[test]
    fn pick_takes_members_like_a_value() {
        const WANT: &[(&str, Want)] = &[("a", Want::Whole), ("p", Want::Members(&[("c", Want::Whole)]))];
        let got = pick(r#"{"a":1,"b":{"z":[1]},"p":{"c":[2],"d":3},"a":4}"#, WANT).unwrap();
        assert_eq!(got.member(0).value(), Some(&serde_json::json!(4)));
        assert_eq!(got.member(1).member(0).value(), Some(&serde_json::json!([2])));
        let got = pick(r#"{"p":"text"}"#, WANT).unwrap();
        assert_eq!(got.member(0), &Got::Absent);
        assert_eq!(got.member(1), &Got::Other);
        assert_eq!(pick("[1,{}]", WANT).unwrap(), Got::Other);
        let got = pick(r#"{"a":null}"#, WANT).unwrap();
        assert_eq!(got.member(0).value(), Some(&Value::Null));
    }
}
