//! Checking an action's input against the action's JSON schema (with the `jsonschema` crate),
//! before anything is fetched or created. (In Taskcluster the hook checks it when the action is
//! triggered; taskgraph's callbacks trust it. Checking here turns a bad `ACTION_INPUT` into one
//! clear message instead of a failure halfway through.)

use serde_json::Value;
use tg_core::quote::{capped, capped_message};

/// Check `input` against `schema`; the error names the path (`input.times`) and the rule.
pub fn validate(input: &Value, schema: &Value) -> Result<(), String> {
    let validator = jsonschema::validator_for(schema).map_err(|e| format!("the action's schema is invalid: {e}"))?;
    let first = validator.iter_errors(input).next().map(|error| {
        let path = dotted_path(&error.instance_path.to_string());
        format!("{}: {}", capped(&path), capped_message(&error.to_string()))
    });
    first.map_or(Ok(()), Err)
}

/// `/tasks/0` -> `input.tasks[0]`.
fn dotted_path(pointer: &str) -> String {
    let mut out = String::from("input");
    for part in pointer.split('/').skip(1) {
        let part = part.replace("~1", "/").replace("~0", "~");
        if part.chars().all(|c| c.is_ascii_digit()) && !part.is_empty() {
            out.push_str(&format!("[{part}]"));
        } else {
            out.push('.');
            out.push_str(&part);
        }
    }
    out
}
