//! Pieces of the task transforms: the schemas, the payload builders, treeherder and index
//! routes, Dockerfile volumes, and the per-kind context and small Python-like dict helpers
//! they share.

pub mod payload;
pub mod routes;
pub mod schema;
pub mod volumes;

use crate::TransformConfig;
use serde_json::{Map, Value};
use tg_core::py::value::python_str;
use volumes::VolumeCache;

/// What every step of the task transforms reads, computed once per kind.
pub struct Ctx<'a> {
    /// The kind's transform config.
    pub config: &'a TransformConfig<'a>,
    /// Dockerfile VOLUME lines of in-tree images.
    pub volumes: VolumeCache<'a>,
    /// `os.environ.get("TASK_ID", "")`: the decision task, written to `extra.parent`.
    pub parent: String,
    /// The run-task cache-name suffix (first 20 hex digits of run-task's sha256).
    pub run_task_suffix: String,
    /// Worker-type lookups already made.
    worker_types: tg_core::workertypes::Memo,
}

impl<'a> Ctx<'a> {
    /// The context of one kind.
    pub fn new(config: &'a TransformConfig<'a>) -> Self {
        Ctx {
            config,
            volumes: VolumeCache::new(config.graph_config),
            parent: std::env::var("TASK_ID").unwrap_or_default(),
            run_task_suffix: crate::util::run_task_files::run_task_suffix(),
            worker_types: Default::default(),
        }
    }

    /// [`get_worker_type`](tg_core::workertypes::get_worker_type), remembered.
    pub fn worker_type(&self, alias: &str, level: &str) -> Result<(String, String), String> {
        self.worker_types.worker_type(self.config.graph_config, alias, level)
    }

    /// [`worker_type_implementation`](tg_core::workertypes::worker_type_implementation), remembered.
    pub fn implementation(&self, worker_type: &str) -> Result<(String, Option<String>), String> {
        self.worker_types.implementation(self.config.graph_config, worker_type)
    }

    /// `config.params[key]`.
    pub fn param(&self, key: &str) -> Result<&'a Value, String> {
        self.config.params.get(key).ok_or_else(|| format!("KeyError: parameter '{key}' is not set"))
    }

    /// `str(config.params[key])`.
    pub fn param_str(&self, key: &str) -> Result<String, String> {
        self.param(key).map(python_str)
    }

    /// `int(config.params["level"])`.
    pub fn level_int(&self) -> Result<i64, String> {
        python_int(self.param("level")?).map_err(|e| format!("parameter level: {e}"))
    }

    /// `config.graph_config[key]`.
    pub fn graph(&self, key: &str) -> Result<&'a Value, String> {
        self.config.graph_config.get(key).ok_or_else(|| format!("KeyError: config.yml has no '{key}'"))
    }

    /// `config.graph_config["trust-domain"]`, as `str.format` prints it.
    pub fn trust_domain(&self) -> Result<String, String> {
        self.graph("trust-domain").map(python_str)
    }
}

/// Python's `int(value)` for the values parameters hold (ints, integral strings, floats).
pub fn python_int(value: &Value) -> Result<i64, String> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.is_finite()).map(|f| f.trunc() as i64))
            .ok_or_else(|| format!("cannot convert {n} to an integer")),
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::String(s) => {
            let t = s.trim().replace('_', "");
            t.parse::<i64>()
                .map_err(|_| format!("ValueError: invalid literal for int() with base 10: {}", python_str(value)))
        }
        other => Err(format!("TypeError: int() argument must be a string or a number, not {}", type_name(other))),
    }
}

pub use tg_core::py::truthy;
pub use tg_core::py::value::type_name;

/// `bool(m.get(key))`.
pub fn truthy_key(m: &Map<String, Value>, key: &str) -> bool {
    m.get(key).is_some_and(truthy)
}

/// `m.setdefault(key, {})`, which must be a mapping; `what` names it in the error.
pub fn dict_entry<'m>(
    m: &'m mut Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<&'m mut Map<String, Value>, String> {
    match m.entry(key.to_string()).or_insert_with(|| Value::Object(Map::new())) {
        Value::Object(inner) => Ok(inner),
        other => Err(format!("{what}: expected a mapping, got {}", type_name(other))),
    }
}

/// `m.setdefault(key, [])`, which must be a list.
pub fn list_entry<'m>(m: &'m mut Map<String, Value>, key: &str, what: &str) -> Result<&'m mut Vec<Value>, String> {
    match m.entry(key.to_string()).or_insert_with(|| Value::Array(Vec::new())) {
        Value::Array(inner) => Ok(inner),
        other => Err(format!("{what}: expected a list, got {}", type_name(other))),
    }
}

/// `m[key]` as a mapping (present and a mapping), for code that indexes without a default.
pub fn dict_at<'m>(m: &'m Map<String, Value>, key: &str, what: &str) -> Result<&'m Map<String, Value>, String> {
    match m.get(key) {
        Some(Value::Object(inner)) => Ok(inner),
        Some(other) => Err(format!("{what}: expected a mapping, got {}", type_name(other))),
        None => Err(format!("{what}: KeyError: '{key}'")),
    }
}

/// `m[key]`, which must be present.
pub fn required<'m>(m: &'m Map<String, Value>, key: &str, what: &str) -> Result<&'m Value, String> {
    m.get(key).ok_or_else(|| format!("{what}: KeyError: '{key}'"))
}

/// A mapping key as `json.dumps` writes a Python dict key (`None` -> `null`).
pub fn json_key(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

/// Fill a `str.format` template from (name, value) pairs.
pub fn format_with(template: &str, fields: &[(&str, Value)]) -> Result<String, String> {
    let map: Map<String, Value> = fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    tg_core::py::format::format(template, &map)
}
