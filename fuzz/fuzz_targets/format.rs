//! The `str.format` engine (`tg_core::py::format`): the first line is the template, the
//! rest a JSON object of fields (or, when it is not one, a fixed set of every JSON type).
//! Formatting returns text or an error; a template without replacement fields is itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tg_core::py::format::format;
use tg_core::py::value::{python_repr, python_str};

fuzz_target!(|data: &[u8]| {
    let Some(text) = tg_fuzz::text(data) else { return };
    let (template, body) = tg_fuzz::split_first_line(text);
    let fields = match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(m)) => m,
        _ => tg_fuzz::sample_fields(),
    };
    let result = format(template, &fields);
    if !template.contains(['{', '}']) {
        assert_eq!(result.as_deref(), Ok(template), "a template without braces changed");
    }
    for value in fields.values().take(8) {
        let _ = python_str(value);
        let _ = python_repr(value);
    }
});
