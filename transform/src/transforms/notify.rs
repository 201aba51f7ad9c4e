//! taskgraph.transforms.notify: Taskcluster notify routes and `extra.notify` content.
//!
//! Schema (`NotifySchema`, unknown fields allowed; `notify` and `notifications` exclusive):
//! * `notify`: `NotifyConfig`:
//!   * `recipients` (required): list of recipients, each tagged by `type`:
//!     `email` (`address`, optionally keyed by project/level), `matrix-room` (`room-id`),
//!     `pulse` (`routing-key`), `slack-channel` (`channel-id`); each with an optional
//!     `status-type` (one of on-completed, on-defined, on-exception, on-failed, on-pending,
//!     on-resolved, on-running; default on-completed). No other keys.
//!   * `content`: `{email: {subject, content, link: {text, href}}, matrix: {body,
//!     formatted-body, format, msg-type}, slack: {text, blocks, attachments}}`.
//! * `notifications` (legacy): `emails` (list of str, optionally keyed by project/level),
//!   `subject` (str), `message` (str), `status-types` (list of status types).
//!
//! Step `add_notifications`: legacy settings become email recipients (one per address and
//! status type) with email content; strings in recipients and content (through nested
//! mappings, not lists) are formatted with `task` (the task) and `config` (kind, path, config,
//! params, graph_config); email addresses are resolved by project/level; each recipient adds
//! the route `notify.<type>.<key>.<status-type>`; content goes to `extra.notify`, with matrix
//! and slack keys renamed (`matrix` `formatted-body` -> `matrixFormattedBody`).

use crate::util::task_dict::setdefault_object;
use crate::{task_error, TaskDict, TransformConfig};
use serde_json::{json, Map, Value};
use tg_core::py::format::format;
use tg_core::py::keyed_by::{resolve_keyed_by, KeyedByOptions};
use tg_core::py::msgspec::{validate, validate_struct, Field, StructDef, Ty, OPT_STR};
use tg_core::py::value::python_str;
use tg_core::py::value::type_name;

const STATUS_TYPE: Ty = Ty::Literal(&[
    "on-completed",
    "on-defined",
    "on-exception",
    "on-failed",
    "on-pending",
    "on-resolved",
    "on-running",
]);
const OPT_STATUS: Ty = Ty::Union(&[STATUS_TYPE, Ty::Null]);

/// Recipients by tag: (type, primary key used in the route, struct without `type`/keyed field).
const RECIPIENTS: &[(&str, &str, StructDef)] = &[
    (
        "email",
        "address",
        StructDef {
            fields: &[
                Field::req("type", Ty::Str),
                Field::req("address", Ty::Any),
                Field::opt("status-type", OPT_STATUS),
            ],
            forbid_unknown: true,
            post_init: None,
        },
    ),
    (
        "matrix-room",
        "room-id",
        StructDef {
            fields: &[
                Field::req("type", Ty::Str),
                Field::req("room-id", Ty::Str),
                Field::opt("status-type", OPT_STATUS),
            ],
            forbid_unknown: true,
            post_init: None,
        },
    ),
    (
        "pulse",
        "routing-key",
        StructDef {
            fields: &[
                Field::req("type", Ty::Str),
                Field::req("routing-key", Ty::Str),
                Field::opt("status-type", OPT_STATUS),
            ],
            forbid_unknown: true,
            post_init: None,
        },
    ),
    (
        "slack-channel",
        "channel-id",
        StructDef {
            fields: &[
                Field::req("type", Ty::Str),
                Field::req("channel-id", Ty::Str),
                Field::opt("status-type", OPT_STATUS),
            ],
            forbid_unknown: true,
            post_init: None,
        },
    ),
];

const EMAIL_LINK: StructDef = StructDef {
    fields: &[Field::req("text", Ty::Str), Field::req("href", Ty::Str)],
    forbid_unknown: true,
    post_init: None,
};
const EMAIL_CONTENT: StructDef = StructDef {
    fields: &[
        Field::opt("subject", OPT_STR),
        Field::opt("content", OPT_STR),
        Field::opt("link", Ty::Union(&[Ty::Struct(&EMAIL_LINK), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};
const MATRIX_CONTENT: StructDef = StructDef {
    fields: &[
        Field::opt("body", OPT_STR),
        Field::opt("formatted-body", OPT_STR),
        Field::opt("format", OPT_STR),
        Field::opt("msg-type", OPT_STR),
    ],
    forbid_unknown: true,
    post_init: None,
};
const OPT_LIST: Ty = Ty::Union(&[Ty::List(&Ty::Any), Ty::Null]);
const SLACK_CONTENT: StructDef = StructDef {
    fields: &[Field::opt("text", OPT_STR), Field::opt("blocks", OPT_LIST), Field::opt("attachments", OPT_LIST)],
    forbid_unknown: true,
    post_init: None,
};
const CONTENT: StructDef = StructDef {
    fields: &[
        Field::opt("email", Ty::Union(&[Ty::Struct(&EMAIL_CONTENT), Ty::Null])),
        Field::opt("matrix", Ty::Union(&[Ty::Struct(&MATRIX_CONTENT), Ty::Null])),
        Field::opt("slack", Ty::Union(&[Ty::Struct(&SLACK_CONTENT), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};
const NOTIFY_CONFIG: StructDef = StructDef {
    fields: &[
        Field::req("recipients", Ty::List(&Ty::Any)),
        Field::opt("content", Ty::Union(&[Ty::Struct(&CONTENT), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};
const LEGACY: StructDef = StructDef {
    fields: &[
        Field::req("emails", Ty::Any),
        Field::req("subject", Ty::Str),
        Field::opt("message", OPT_STR),
        Field::opt("status-types", Ty::Union(&[Ty::List(&STATUS_TYPE), Ty::Null])),
    ],
    forbid_unknown: true,
    post_init: None,
};
/// `NotifySchema`.
const NOTIFY_SCHEMA: StructDef = StructDef {
    fields: &[
        Field::opt("notify", Ty::Union(&[Ty::Struct(&NOTIFY_CONFIG), Ty::Null])),
        Field::opt("notifications", Ty::Union(&[Ty::Struct(&LEGACY), Ty::Null])),
    ],
    forbid_unknown: false,
    post_init: None,
};

/// The module's transform sequence: validate, then add notifications.
pub fn transforms(config: &TransformConfig<'_>, tasks: Vec<TaskDict>) -> anyhow::Result<Vec<TaskDict>> {
    let format_config = config_fields(config);
    let mut out = Vec::with_capacity(tasks.len());
    for task in tasks {
        validate_task(&task).map_err(|e| task_error(config, &task, e))?;
        let name_source = task.clone();
        out.push(add_notifications(config, &format_config, task).map_err(|e| task_error(config, &name_source, e))?);
    }
    Ok(out)
}

/// `NotifySchema` plus what msgspec checks through tags and `optionally_keyed_by`.
fn validate_task(task: &TaskDict) -> Result<(), String> {
    validate_struct(&NOTIFY_SCHEMA, task, "$")?;
    let present = |k: &str| task.get(k).is_some_and(|v| !v.is_null());
    if present("notify") && present("notifications") {
        return Err("'notify' and 'notifications' are mutually exclusive".into());
    }
    if let Some(Value::Array(recipients)) = task.get("notify").and_then(|n| n.get("recipients")) {
        for (i, r) in recipients.iter().enumerate() {
            validate_recipient(r, &format!("$.notify.recipients[{i}]"))?;
        }
    }
    if let Some(emails) = task.get("notifications").and_then(|n| n.get("emails")) {
        validate_keyed_by(emails, &Ty::List(&Ty::Str), "$.notifications.emails")?;
    }
    Ok(())
}

/// One tagged recipient.
fn validate_recipient(r: &Value, path: &str) -> Result<(), String> {
    let Value::Object(m) = r else {
        return Err(format!("Expected `object`, got `{}` - at `{path}`", type_name(r)));
    };
    let tag = match m.get("type") {
        None => return Err(format!("Object missing required field `type` - at `{path}`")),
        Some(Value::String(t)) => t.as_str(),
        Some(other) => return Err(format!("Expected `str`, got `{}` - at `{path}.type`", type_name(other))),
    };
    let (_, _, def) = RECIPIENTS
        .iter()
        .find(|(t, _, _)| *t == tag)
        .ok_or_else(|| format!("Invalid value '{tag}' - at `{path}.type`"))?;
    validate_struct(def, m, path)?;
    if tag == "email" {
        validate_keyed_by(m.get("address").unwrap_or(&Value::Null), &Ty::Str, &format!("{path}.address"))?;
    }
    Ok(())
}

/// `optionally_keyed_by("project", "level", ty)`.
fn validate_keyed_by(value: &Value, ty: &Ty, path: &str) -> Result<(), String> {
    if let Value::Object(m) = value {
        if m.len() == 1 {
            let (k, alternatives) = m.iter().next().ok_or("empty mapping")?;
            if k == "by-project" || k == "by-level" {
                let Value::Object(alternatives) = alternatives else {
                    return Err(format!("Expected `object`, got `{}` - at `{path}.{k}`", type_name(alternatives)));
                };
                return alternatives.values().try_for_each(|v| validate_keyed_by(v, ty, path));
            }
        }
    }
    validate(ty, value, path)
}

/// `config.__dict__` as format strings can reach it (`{config[params][project]}`).
fn config_fields(config: &TransformConfig<'_>) -> Value {
    json!({
        "kind": config.kind,
        "path": config.path.display().to_string(),
        "config": config.config,
        "params": config.params.values,
        "graph_config": config.graph_config.config,
        "write_artifacts": false,
    })
}

/// taskgraph's local `substitute(ctx)`: format the strings of a mapping and of nested mappings
/// (lists are left alone).
fn substitute(ctx: &mut Map<String, Value>, fields: &Map<String, Value>) -> Result<(), String> {
    for (_, value) in ctx.iter_mut() {
        match value {
            Value::String(s) => *s = format(s, fields)?,
            Value::Object(m) => substitute(m, fields)?,
            _ => {}
        }
    }
    Ok(())
}

/// `level` and `project`, the values email addresses may be keyed by.
fn keyed_by_values(config: &TransformConfig<'_>) -> Map<String, Value> {
    let mut m = Map::new();
    for key in ["level", "project"] {
        m.insert(key.into(), config.params.get(key).cloned().unwrap_or(Value::Null));
    }
    m
}

/// `_convert_legacy`: the legacy settings as a `notify` mapping.
fn convert_legacy(config: &TransformConfig<'_>, mut legacy: Map<String, Value>, label: &str) -> Result<Value, String> {
    resolve_keyed_by(&mut legacy, "emails", label, &keyed_by_values(config), KeyedByOptions::default())?;
    let subject = legacy.get("subject").cloned().unwrap_or(Value::Null);
    let status_types = match legacy.get("status-types") {
        None => vec![Value::String("on-completed".into())],
        Some(Value::Array(s)) => s.clone(),
        Some(_) => Vec::new(),
    };
    let emails = match legacy.get("emails") {
        Some(Value::Array(e)) => e.clone(),
        other => {
            return Err(format!(
                "notifications.emails: '{}' object is not iterable",
                type_name(other.unwrap_or(&Value::Null))
            ))
        }
    };
    if !emails.is_empty() && !matches!(legacy.get("status-types"), None | Some(Value::Array(_))) {
        return Err("notifications.status-types: 'NoneType' object is not iterable".into());
    }
    let mut recipients = Vec::new();
    for email in &emails {
        for status_type in &status_types {
            recipients.push(json!({"type": "email", "address": email, "status-type": status_type}));
        }
    }
    let content = legacy.get("message").cloned().unwrap_or_else(|| subject.clone());
    Ok(json!({
        "recipients": recipients,
        "content": {"email": {"subject": subject, "content": content}},
    }))
}

/// `_convert_content`: Taskcluster's `extra.notify` shape.
fn convert_content(mut content: Map<String, Value>) -> Result<Map<String, Value>, String> {
    let mut tc = Map::new();
    if let Some(email) = content.shift_remove("email") {
        tc.insert("email".into(), email);
    }
    for (key, obj) in content {
        let Value::Object(obj) = obj else {
            return Err(format!("content.{key}: '{}' object has no attribute 'keys'", type_name(&obj)));
        };
        for (name, value) in obj {
            let tc_name: String = name.split('-').map(capitalize).collect();
            tc.insert(format!("{key}{tc_name}"), value);
        }
    }
    Ok(tc)
}

/// Python's `str.capitalize()`: first character upper-cased, the rest lower-cased.
fn capitalize(part: &str) -> String {
    let mut chars = part.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
    }
}

/// `add_notifications` for one task.
fn add_notifications(
    config: &TransformConfig<'_>,
    config_fields: &Value,
    mut task: TaskDict,
) -> Result<TaskDict, String> {
    let label = format!("{}-{}", config.kind, python_str(task.get("name").unwrap_or(&Value::Null)));
    let notify = if task.contains_key("notifications") {
        match task.shift_remove("notifications") {
            Some(Value::Object(legacy)) => Some(convert_legacy(config, legacy, &label)?),
            _ => return Err("notifications: 'NoneType' object is not subscriptable".into()),
        }
    } else {
        task.shift_remove("notify")
    };
    let Some(Value::Object(mut notify)) = notify.filter(tg_core::py::value::truthy) else { return Ok(task) };

    if !task.contains_key("routes") {
        task.insert("routes".into(), Value::Array(Vec::new()));
    }
    let recipients = match notify.get_mut("recipients") {
        Some(Value::Array(r)) => std::mem::take(r),
        _ => Vec::new(),
    };
    for recipient in recipients {
        let Value::Object(mut recipient) = recipient else { continue };
        let kind = python_str(recipient.get("type").unwrap_or(&Value::Null));
        recipient.entry("status-type").or_insert_with(|| Value::String("on-completed".into()));
        substitute(&mut recipient, &format_fields(&task, config_fields))?;
        if kind == "email" {
            resolve_keyed_by(&mut recipient, "address", &label, &keyed_by_values(config), KeyedByOptions::default())?;
        }
        let route_key = RECIPIENTS.iter().find(|(t, _, _)| *t == kind).map(|(_, k, _)| *k).unwrap_or("type");
        let route = format!(
            "notify.{kind}.{}.{}",
            python_str(recipient.get(route_key).unwrap_or(&Value::Null)),
            python_str(recipient.get("status-type").unwrap_or(&Value::Null)),
        );
        match task.get_mut("routes") {
            Some(Value::Array(routes)) => routes.push(Value::String(route)),
            Some(other) => return Err(format!("routes: '{}' object has no attribute 'append'", type_name(other))),
            None => {}
        }
    }

    if let Some(content) = notify.shift_remove("content") {
        let Value::Object(mut content) = content else {
            return Err("notify.content: 'NoneType' object has no attribute 'items'".into());
        };
        substitute(&mut content, &format_fields(&task, config_fields))?;
        let converted = convert_content(content)?;
        let extra = setdefault_object(&mut task, "extra")?;
        extra.insert("notify".into(), Value::Object(converted));
    }
    Ok(task)
}

/// The fields format strings see: `task` (as it is at that point) and `config`.
fn format_fields(task: &TaskDict, config_fields: &Value) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("task".into(), Value::Object(task.clone()));
    m.insert("config".into(), config_fields.clone());
    m
}
