//! Treeherder metadata and index routes (task.py's `process_treeherder_metadata`,
//! `add_index_routes` and the `generic` index builder).

use super::{dict_entry, python_int, truthy, type_name, Ctx};
use crate::util::treeherder::{split_symbol, treeherder_defaults};
use crate::TaskDict;
use serde_json::{json, Map, Value};
use tg_core::py::value::python_str;

/// Root of the treeherder routes.
const TREEHERDER_ROUTE_ROOT: &str = "tc-treeherder";

/// Index route templates of the `generic` index builder (filled with the parameters plus
/// job-name, build_date_long, product, trust-domain and branch_rev).
const V2_ROUTE_TEMPLATES: &[&str] = &[
    "index.{trust-domain}.v2.{project}.latest.{product}.{job-name}",
    "index.{trust-domain}.v2.{project}.pushdate.{build_date_long}.{product}.{job-name}",
    "index.{trust-domain}.v2.{project}.pushlog-id.{pushlog_id}.{product}.{job-name}",
    "index.{trust-domain}.v2.{project}.revision.{branch_rev}.{product}.{job-name}",
];

/// Longest treeherder symbol or group symbol.
const MAX_SYMBOL_LEN: usize = 25;

/// The treeherder project: the base repository's name plus `-pr` for pull requests, else the
/// `project` parameter.
pub fn treeherder_project(ctx: &Ctx<'_>) -> Result<(String, &'static str), String> {
    if ctx.param_str("tasks_for")?.starts_with("github-pull-request") {
        let base = ctx.param_str("base_repository")?;
        let last = base.rsplit('/').next().unwrap_or_default();
        let name = last.strip_suffix(".git").unwrap_or(last);
        Ok((name.to_string(), "-pr"))
    } else {
        Ok((ctx.param_str("project")?, ""))
    }
}

/// `process_treeherder_metadata`: from `treeherder` (true or a mapping merged over the
/// kind's defaults) fill `extra.treeherder` (machine, collection, groupSymbol/groupName,
/// symbol, jobKind, tier) and `extra.treeherder-platform`, and add the `tc-treeherder` route.
/// `routes` and `extra` are (re)set on every task.
pub fn process_treeherder_metadata(ctx: &Ctx<'_>, task: &mut TaskDict) -> Result<(), String> {
    let mut routes = task.get("routes").cloned().unwrap_or_else(|| json!([]));
    let mut extra = task.get("extra").cloned().unwrap_or_else(|| json!({}));
    if let Some(task_th) = task.get("treeherder").filter(|v| truthy(v)) {
        let mut merged = treeherder_defaults(ctx.config.kind)?;
        if let Value::Object(given) = task_th {
            for (k, v) in given {
                merged.insert(k.clone(), v.clone());
            }
        }
        let Value::Object(extra_map) = &mut extra else {
            return Err(format!("extra: expected a mapping, got {}", type_name(&extra)));
        };
        let platform = match merged.get("platform") {
            Some(Value::String(p)) => p.clone(),
            other => {
                return Err(format!(
                    "treeherder.platform: expected a string, got {}",
                    other.map_or("nothing", type_name)
                ))
            }
        };
        dict_entry(extra_map, "treeherder", "extra.treeherder")?;
        extra_map.entry("treeherder-platform").or_insert_with(|| json!(platform));
        let treeherder = dict_entry(extra_map, "treeherder", "extra.treeherder")?;
        let (machine, collection) = platform.split_once('/').ok_or_else(|| {
            format!("treeherder.platform {platform:?}: ValueError: not enough values to unpack (expected 2, got 1)")
        })?;
        treeherder.insert("machine".into(), json!({"platform": machine}));
        treeherder.insert("collection".into(), json!({collection: true}));

        let symbol = match merged.get("symbol") {
            Some(Value::String(s)) => s.clone(),
            other => {
                return Err(format!("treeherder.symbol: expected a string, got {}", other.map_or("nothing", type_name)))
            }
        };
        let (group_symbol, symbol) = split_symbol(&symbol)?;
        if group_symbol != "?" {
            treeherder.insert("groupSymbol".into(), json!(group_symbol));
            let group_name =
                group_names(ctx)?.and_then(|names| names.get(&group_symbol)).cloned().ok_or_else(|| {
                    let from = task.get("task-from").map(python_str).unwrap_or_default();
                    let path = ctx.config.path.join(&from);
                    format!(
                        "Treeherder group {group_symbol} (from {}) has no name; add it to taskcluster/config.yml",
                        path.display()
                    )
                })?;
            treeherder.insert("groupName".into(), group_name);
        }
        treeherder.insert("symbol".into(), json!(symbol));
        if symbol.chars().count() > MAX_SYMBOL_LEN || group_symbol.chars().count() > MAX_SYMBOL_LEN {
            return Err(format!(
                "Treeherder group and symbol names must not be longer than 25 characters: {symbol} (see https://github.com/taskcluster/taskcluster-treeherder/blob/master/schemas/task-treeherder-config.yml)"
            ));
        }
        treeherder.insert("jobKind".into(), merged.get("kind").cloned().unwrap_or(Value::Null));
        treeherder.insert("tier".into(), merged.get("tier").cloned().unwrap_or(Value::Null));

        let (project, suffix) = treeherder_project(ctx)?;
        let route = format!(
            "{TREEHERDER_ROUTE_ROOT}.v2.{project}{suffix}.{}.{}",
            ctx.param_str("head_rev")?,
            ctx.param_str("pushlog_id")?
        );
        match &mut routes {
            Value::Array(r) => r.push(json!(route)),
            other => return Err(format!("routes: expected a list, got {}", type_name(other))),
        }
    }
    task.insert("routes".into(), routes);
    task.insert("extra".into(), extra);
    Ok(())
}

/// config.yml's `treeherder.group-names` (None when not configured).
fn group_names<'c>(ctx: &Ctx<'c>) -> Result<Option<&'c Map<String, Value>>, String> {
    let Some(th) = ctx.config.graph_config.get("treeherder") else { return Ok(None) };
    let Value::Object(th) = th else { return Err("config.yml treeherder: expected a mapping".into()) };
    match th.get("group-names") {
        None => Ok(None),
        Some(Value::Object(names)) => Ok(Some(names)),
        Some(_) => Err("config.yml treeherder.group-names: expected a mapping".into()),
    }
}

/// `add_index_routes`: `extra.index.rank` (by tier: 0 below tier 1, else the build date;
/// `build_date`; or the given integer), then the index builder's routes; `index` is removed.
pub fn add_index_routes(ctx: &Ctx<'_>, task: &mut TaskDict) -> Result<(), String> {
    let index = match task.get("index") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(other) => {
            return Err(format!("index: AttributeError: '{}' object has no attribute 'get'", type_name(other)))
        }
    };
    let tier = match task.get("extra").and_then(|e| e.get("treeherder")) {
        Some(Value::Object(th)) => th.get("tier").cloned().unwrap_or(json!(3)),
        Some(other) if !other.is_object() => return Err("extra.treeherder: expected a mapping".into()),
        _ => json!(3),
    };
    let rank = index.get("rank").cloned().unwrap_or_else(|| json!("by-tier"));
    let extra = dict_entry(task, "extra", "extra")?;
    let extra_index = dict_entry(extra, "index", "extra.index")?;
    let rank_value = match rank.as_str() {
        Some("by-tier") => {
            if greater_than_one(&tier)? {
                json!(0)
            } else {
                json!(python_int(ctx.param("build_date")?)?)
            }
        }
        Some("build_date") => json!(python_int(ctx.param("build_date")?)?),
        _ => rank,
    };
    extra_index.insert("rank".into(), rank_value);

    if index.is_empty() {
        return Ok(());
    }
    let index_type = index.get("type").cloned().unwrap_or_else(|| json!("generic"));
    if index_type.as_str() != Some("generic") {
        return Err(format!("ValueError: Unknown index-type {}", python_str(&index_type)));
    }
    add_generic_index_routes(ctx, task, &index)?;
    task.shift_remove("index");
    Ok(())
}

/// `tier > 1` as Python compares numbers (bools count as 0/1).
fn greater_than_one(tier: &Value) -> Result<bool, String> {
    match tier {
        Value::Number(n) => Ok(n.as_f64().is_some_and(|f| f > 1.0)),
        Value::Bool(_) => Ok(false),
        other => Err(format!(
            "treeherder tier: TypeError: '>' not supported between instances of '{}' and 'int'",
            type_name(other)
        )),
    }
}

/// The `generic` index builder: the product must be one of config.yml's `index.products`;
/// adds the four v2 routes (latest, pushdate, pushlog-id, revision).
fn add_generic_index_routes(ctx: &Ctx<'_>, task: &mut TaskDict, index: &Map<String, Value>) -> Result<(), String> {
    let product = index.get("product").ok_or("index: KeyError: 'product'")?;
    let products = ctx.graph("index")?.get("products").ok_or("config.yml index: KeyError: 'products'")?;
    let known = match products {
        Value::Array(list) => list.contains(product),
        Value::Object(m) => product.as_str().is_some_and(|p| m.contains_key(p)),
        Value::String(s) => product.as_str().is_some_and(|p| s.contains(p)),
        _ => false,
    };
    if !known {
        return Err(format!(
            "The index product {} is not in the list of configured products in\n`taskcluster/config.yml'.",
            python_str(product)
        ));
    }
    let mut subs = ctx.config.params.values.clone();
    subs.insert("job-name".into(), index.get("job-name").cloned().ok_or("index: KeyError: 'job-name'")?);
    subs.insert("build_date_long".into(), json!(build_date_long(python_int(ctx.param("build_date")?)?)));
    subs.insert("product".into(), product.clone());
    subs.insert("trust-domain".into(), ctx.graph("trust-domain")?.clone());
    subs.insert("branch_rev".into(), ctx.param("head_rev")?.clone());
    let routes = match task.entry("routes").or_insert_with(|| json!([])) {
        Value::Array(r) => r,
        other => return Err(format!("routes: expected a list, got {}", type_name(other))),
    };
    for template in V2_ROUTE_TEMPLATES {
        routes.push(json!(tg_core::py::format::format(template, &subs)?));
    }
    Ok(())
}

/// `time.strftime("%Y.%m.%d.%Y%m%d%H%M%S", time.gmtime(build_date))`.
fn build_date_long(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = tg_core::time::civil_from_days(days);
    let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    format!("{y:04}.{m:02}.{d:02}.{y:04}{m:02}{d:02}{hh:02}{mm:02}{ss:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn build_date_long_matches_strftime() {
        // time.strftime("%Y.%m.%d.%Y%m%d%H%M%S", time.gmtime(x)) in CPython 3.11
        assert_eq!(super::build_date_long(1767225600), "2026.01.01.20260101000000");
        assert_eq!(super::build_date_long(0), "1970.01.01.19700101000000");
        assert_eq!(super::build_date_long(1700000000), "2023.11.14.20231114221320");
    }
}
