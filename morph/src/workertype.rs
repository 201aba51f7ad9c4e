//! Worker aliases: taskgraph's `get_worker_type(graph_config, alias, level)`.
//!
//! `workers.aliases` is looked up by alias (an exact key, else every key that matches as a
//! regular expression `re.match(key + "$")`, else `default`; more than one match is an error),
//! then `provisioner` and `worker-type` are evaluated by level (`by-level`, same rules) and
//! formatted with `{alias}`, `{level}` and `{trust-domain}`. The built-in aliases
//! `always-optimized` and `succeed` bypass the config.

use regex::Regex;
use serde_json::{Map, Value};
use tg_core::config::GraphConfig;

/// `(provisionerId, workerType)` for an alias at a level.
pub fn get_worker_type(config: &GraphConfig, alias: &str, level: &str) -> Result<(String, String), String> {
    match alias {
        "always-optimized" => return Ok(("invalid".into(), "always-optimized".into())),
        "succeed" => return Ok(("built-in".into(), "succeed".into())),
        _ => {}
    }
    let aliases = config.get("workers").and_then(|w| w.get("aliases")).cloned().unwrap_or(Value::Object(Map::new()));
    let by_alias = Value::Object(Map::from_iter([("by-alias".to_string(), aliases)]));
    let worker = evaluate_keyed_by(&by_alias, "graph_config.workers.aliases", &[("alias", alias)])?;
    let field = |name: &str| -> Result<String, String> {
        let value = worker.get(name).ok_or_else(|| format!("workers.aliases.{alias}.{name}: required key missing"))?;
        let value = evaluate_keyed_by(value, alias, &[("level", level)])?;
        let Value::String(template) = value else {
            return Err(format!("workers.aliases.{alias}.{name}: expected a string, got {value}"));
        };
        python_format(&template, &[("alias", alias), ("level", level), ("trust-domain", config.trust_domain())])
            .map_err(|e| format!("workers.aliases.{alias}.{name}: {e}"))
    };
    Ok((field("provisioner")?, field("worker-type")?))
}

/// taskgraph's `evaluate_keyed_by` for string attributes.
pub fn evaluate_keyed_by(value: &Value, item_name: &str, attributes: &[(&str, &str)]) -> Result<Value, String> {
    let mut value = value.clone();
    loop {
        let Value::Object(map) = &value else { return Ok(value) };
        let mut entries = map.iter();
        let (Some((key, alternatives)), None) = (entries.next(), entries.next()) else { return Ok(value) };
        let Some(keyed_by) = key.strip_prefix("by-") else { return Ok(value) };
        let Value::Object(alternatives) = alternatives else {
            return Err(format!("{key} of {item_name}: expected a mapping"));
        };
        if alternatives.len() == 1 && alternatives.contains_key("default") {
            return Err(format!(
                "Keyed-by '{keyed_by}' unnecessary with only value 'default' found, when determining item {item_name}"
            ));
        }
        let attribute = attributes.iter().find(|(k, _)| *k == keyed_by).map(|(_, v)| *v);
        let Some(attribute) = attribute else {
            match alternatives.get("default") {
                Some(v) => {
                    value = v.clone();
                    continue;
                }
                None => {
                    return Err(format!(
                        "No attribute {keyed_by} and no value for 'default' found while determining item {item_name}"
                    ))
                }
            }
        };
        let matches = keymatch(alternatives, attribute)?;
        match matches.as_slice() {
            [] => {
                return Err(format!(
                    "No {keyed_by} matching '{attribute}' nor 'default' found while determining item {item_name}"
                ))
            }
            [only] => value = (*only).clone(),
            _ => {
                return Err(format!(
                    "Multiple matching values for {keyed_by} '{attribute}' found while determining item {item_name}"
                ))
            }
        }
    }
}

/// taskgraph's `keymatch`: an exact key, else regex keys, else `default`.
fn keymatch<'a>(alternatives: &'a Map<String, Value>, target: &str) -> Result<Vec<&'a Value>, String> {
    if let Some(v) = alternatives.get(target) {
        return Ok(vec![v]);
    }
    let mut matches = Vec::new();
    for (key, v) in alternatives {
        let re = Regex::new(&format!("^(?:{key}$)")).map_err(|e| format!("key {key:?} is not a valid pattern: {e}"))?;
        if re.is_match(target) {
            matches.push(v);
        }
    }
    if matches.is_empty() {
        if let Some(v) = alternatives.get("default") {
            matches.push(v);
        }
    }
    Ok(matches)
}

/// Python `str.format(**kwargs)` for plain `{name}` fields and `{{`/`}}` escapes.
pub fn python_format(template: &str, kwargs: &[(&str, &str)]) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut chars = template.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '}' => return Err(format!("Single '}}' encountered in format string {template:?}")),
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some(ch) => name.push(ch),
                        None => return Err(format!("Single '{{' encountered in format string {template:?}")),
                    }
                }
                if name.contains([':', '!', '[', '.']) {
                    return Err(format!("unsupported format field {{{name}}} in {template:?}"));
                }
                let value = kwargs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| *v)
                    .ok_or_else(|| format!("KeyError: '{name}' in format string {template:?}"))?;
                out.push_str(value);
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(aliases: Value) -> GraphConfig {
        let mut map = Map::new();
        map.insert("trust-domain".into(), json!("td"));
        map.insert("workers".into(), json!({ "aliases": aliases }));
        GraphConfig { config: map, root_dir: ".".into() }
    }

    #[test]
    fn resolves_aliases_like_taskgraph() {
        let c = config(json!({
            "misc": {"provisioner": "{trust-domain}-{level}", "worker-type": {"by-level": {"3": "misc-{alias}-l3", "default": "misc-t"}}},
            "b-.*": {"provisioner": "p", "worker-type": "w"}
        }));
        assert_eq!(get_worker_type(&c, "misc", "3").unwrap(), ("td-3".into(), "misc-misc-l3".into()));
        assert_eq!(get_worker_type(&c, "misc", "1").unwrap(), ("td-1".into(), "misc-t".into()));
        assert_eq!(get_worker_type(&c, "b-linux", "1").unwrap(), ("p".into(), "w".into()));
        assert_eq!(get_worker_type(&c, "succeed", "1").unwrap(), ("built-in".into(), "succeed".into()));
        let e = get_worker_type(&c, "other", "1").unwrap_err();
        assert_eq!(
            e,
            "No alias matching 'other' nor 'default' found while determining item graph_config.workers.aliases"
        );
    }

    #[test]
    fn formats_like_python() {
        assert_eq!(python_format("{a}-{{x}}-{b}", &[("a", "1"), ("b", "2")]).unwrap(), "1-{x}-2");
        assert!(python_format("{c}", &[]).unwrap_err().contains("KeyError"));
    }
}
