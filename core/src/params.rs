//! Parameters: taskgraph 24.5.1's base parameter schema, its defaults (some derived from the git
//! checkout), loading from YAML or JSON, validation, and writing `parameters.yml`.
//!
//! As `taskgraph full -p FILE` does, parameters missing from the file get defaults. Unlike
//! taskgraph's lenient CLI, an unknown parameter is an error unless `allow_unknown` is set
//! (projects that extend the schema through `taskgraph.register` pass it).

use crate::error::{bad_input, usage};
use serde_json::{json, Map, Value};
use std::cell::OnceCell;
use std::path::Path;
use std::process::Command;

/// What a base parameter may hold.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ParamType {
    Str,
    OptStr,
    Int,
    Bool,
    BoolOrStrList,
    StrList,
    StrMap,
    CodeReview,
}

/// taskgraph 24.5.1's `base_schema`, in its order.
const BASE_SCHEMA: &[(&str, ParamType)] = &[
    ("base_repository", ParamType::Str),
    ("base_ref", ParamType::OptStr),
    ("base_rev", ParamType::Str),
    ("build_date", ParamType::Int),
    ("build_number", ParamType::Int),
    ("do_not_optimize", ParamType::StrList),
    ("enable_always_target", ParamType::BoolOrStrList),
    ("existing_tasks", ParamType::StrMap),
    ("files_changed", ParamType::StrList),
    ("filters", ParamType::StrList),
    ("head_ref", ParamType::Str),
    ("head_repository", ParamType::Str),
    ("head_rev", ParamType::Str),
    ("head_tag", ParamType::Str),
    ("level", ParamType::Str),
    ("moz_build_date", ParamType::Str),
    ("next_version", ParamType::OptStr),
    ("optimize_strategies", ParamType::OptStr),
    ("optimize_target_tasks", ParamType::Bool),
    ("owner", ParamType::Str),
    ("project", ParamType::Str),
    ("pushdate", ParamType::Int),
    ("pushlog_id", ParamType::Str),
    ("repository_type", ParamType::Str),
    ("target_tasks_method", ParamType::Str),
    ("tasks_for", ParamType::Str),
    ("version", ParamType::OptStr),
    ("code-review", ParamType::CodeReview),
];

/// Keys accepted besides the schema: `target-kinds` is set by `-k` and never used at run time.
const EXTRA_KEYS: &[&str] = &["target-kinds"];

/// Resolved parameters, in taskgraph's shape (a mapping of name to value).
#[derive(Debug, Clone, PartialEq)]
pub struct Parameters {
    pub values: Map<String, Value>,
}

/// How to load parameters.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Accept parameters the base schema does not know (project extensions).
    pub allow_unknown: bool,
    /// Clock reading for the time-based defaults (seconds since the epoch); `None` reads the clock.
    pub now: Option<i64>,
}

impl Parameters {
    /// Load `path` (or nothing), fill in defaults derived from `repo_root`, and validate.
    pub fn load(path: Option<&Path>, repo_root: &Path, opts: &LoadOptions) -> anyhow::Result<Parameters> {
        let mut values = match path {
            Some(p) => read_file(p)?,
            None => Map::new(),
        };
        let source = path.map(|p| p.display().to_string()).unwrap_or_else(|| "<defaults>".into());
        // Only the missing parameters get defaults, and git runs only if one of them needs it.
        let defaults = Defaults::new(repo_root, opts.now);
        for key in DEFAULT_KEYS {
            if !values.contains_key(*key) {
                values.insert(key.to_string(), defaults.value(key));
            }
        }
        let params = Parameters { values };
        params.check(opts.allow_unknown).map_err(|m| bad_input(format!("{source}: invalid parameters: {m}")))?;
        Ok(params)
    }

    /// Parameters from an already-resolved mapping (e.g. a decision's `parameters.yml`).
    pub fn from_map(values: Map<String, Value>) -> Parameters {
        Parameters { values }
    }

    /// A parameter's value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.get(key)
    }

    /// A string parameter, or "" when absent or not a string.
    pub fn str(&self, key: &str) -> &str {
        self.values.get(key).and_then(Value::as_str).unwrap_or_default()
    }

    /// Validate types of the base parameters and (unless allowed) reject unknown keys.
    pub fn check(&self, allow_unknown: bool) -> Result<(), String> {
        for (name, ty) in BASE_SCHEMA {
            match self.values.get(*name) {
                None if *ty == ParamType::CodeReview => {}
                None => return Err(format!("{name}: required parameter missing")),
                Some(v) => check_type(name, *ty, v)?,
            }
        }
        if !allow_unknown {
            let unknown: Vec<String> = self
                .values
                .keys()
                .map(String::as_str)
                .filter(|k| !BASE_SCHEMA.iter().any(|(n, _)| n == k) && !EXTRA_KEYS.contains(k))
                .map(|k| crate::quote::capped(k).to_string())
                .collect();
            if !unknown.is_empty() {
                return Err(format!("unknown parameters: {}", unknown.join(", ")));
            }
        }
        Ok(())
    }

    /// `parameters.yml` as the decision task writes it (keys sorted, as PyYAML's dump does),
    /// through the one YAML writer: it reads back as exactly these values.
    pub fn to_yaml(&self) -> String {
        crate::yaml::to_string(&Value::Object(self.values.clone()))
    }

    /// taskgraph's `Parameters.file_url`: a URL to view `path` at `head_rev`.
    pub fn file_url(&self, path: &str, pretty: bool) -> Result<String, String> {
        let (repo_key, rev_key, path) = match path.split_once("comm/") {
            Some((_, rest)) => ("comm_head_repository", "comm_head_rev", rest),
            None => ("head_repository", "head_rev", path),
        };
        let repo = self.str(repo_key);
        let rev = self.str(rev_key);
        match self.str("repository_type") {
            "hg" => Ok(format!("{repo}/{}/{rev}/{path}", if pretty { "file" } else { "raw-file" })),
            "git" => {
                let endpoint = if pretty { "blob" } else { "raw" };
                if repo.starts_with("https://github.com/") {
                    Ok(format!("{}/{endpoint}/{rev}/{path}", repo.strip_suffix('/').unwrap_or(repo)))
                } else if let Some(rest) = repo.strip_prefix("git@github.com:") {
                    Ok(format!(
                        "https://github.com/{}/{endpoint}/{rev}/{path}",
                        rest.strip_suffix(".git").unwrap_or(rest)
                    ))
                } else {
                    Err(format!("Don't know how to determine file URL for non-githubrepo: {repo}"))
                }
            }
            _ => Err("Only the \"git\" and \"hg\" repository types are supported for using file_url()".into()),
        }
    }
}

fn read_file(path: &Path) -> anyhow::Result<Map<String, Value>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read parameters file {}: {e}", path.display())))?;
    let source = path.display().to_string();
    let value = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => serde_json::from_str(&text)
            .map_err(|e| bad_input(format!("{source}:{}:{}: malformed JSON: {e}", e.line(), e.column())))?,
        _ => crate::yaml::from_str(&text, &source)?,
    };
    match value {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(bad_input(format!("{source}: parameters must be a mapping"))),
    }
}

fn check_type(name: &str, ty: ParamType, v: &Value) -> Result<(), String> {
    let ok = match ty {
        ParamType::Str => v.is_string(),
        ParamType::OptStr => v.is_string() || v.is_null(),
        ParamType::Int => v.is_i64() || v.is_u64(),
        ParamType::Bool => v.is_boolean(),
        ParamType::BoolOrStrList => v.is_boolean() || is_str_list(v),
        ParamType::StrList => is_str_list(v),
        ParamType::StrMap => v.as_object().is_some_and(|m| m.values().all(Value::is_string)),
        ParamType::CodeReview => v
            .as_object()
            .is_some_and(|m| m.len() == 1 && m.get("phabricator-build-target").is_some_and(Value::is_string)),
    };
    if ok {
        Ok(())
    } else {
        let want = match ty {
            ParamType::Str => "a string",
            ParamType::OptStr => "a string or null",
            ParamType::Int => "an integer",
            ParamType::Bool => "a boolean",
            ParamType::BoolOrStrList => "a boolean or a list of strings",
            ParamType::StrList => "a list of strings",
            ParamType::StrMap => "a mapping of strings",
            ParamType::CodeReview => "{phabricator-build-target: <string>}",
        };
        Err(format!("{name}: expected {want}, got {}", crate::config::type_name(v)))
    }
}

fn is_str_list(v: &Value) -> bool {
    v.as_array().is_some_and(|a| a.iter().all(Value::is_string))
}

/// Run git in `repo_root`; `None` when git fails or is absent.
fn git(repo_root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git").arg("-C").arg(repo_root).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// `mozilla_repo_urls.parse(url).repo_name` for the URL shapes taskgraph projects use.
pub fn repo_name_from_url(url: &str) -> String {
    let trimmed = url.trim_end_matches('/').trim_end_matches(".git");
    trimmed.rsplit(['/', ':']).next().unwrap_or_default().to_string()
}

/// The parameters `_get_defaults` provides, in its order (missing ones are added in this order).
const DEFAULT_KEYS: &[&str] = &[
    "base_repository",
    "base_ref",
    "base_rev",
    "build_date",
    "build_number",
    "do_not_optimize",
    "enable_always_target",
    "existing_tasks",
    "files_changed",
    "filters",
    "head_ref",
    "head_repository",
    "head_rev",
    "head_tag",
    "level",
    "moz_build_date",
    "next_version",
    "optimize_strategies",
    "optimize_target_tasks",
    "owner",
    "project",
    "pushdate",
    "pushlog_id",
    "repository_type",
    "target_tasks_method",
    "tasks_for",
    "version",
];

/// taskgraph's `_get_defaults`: values from the git checkout at `repo_root`, or fakes without
/// one. Each git fact is asked for once, when a missing parameter first needs it.
struct Defaults<'a> {
    repo_root: &'a Path,
    now: i64,
    head_rev: OnceCell<String>,
    branch: OnceCell<String>,
    url: OnceCell<String>,
}

impl<'a> Defaults<'a> {
    fn new(repo_root: &'a Path, now: Option<i64>) -> Self {
        let now = now.unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
        });
        Defaults { repo_root, now, head_rev: OnceCell::new(), branch: OnceCell::new(), url: OnceCell::new() }
    }

    fn head_rev(&self) -> &str {
        self.head_rev.get_or_init(|| git(self.repo_root, &["rev-parse", "HEAD"]).unwrap_or_default())
    }

    fn in_repo(&self) -> bool {
        !self.head_rev().is_empty()
    }

    fn branch(&self) -> &str {
        self.branch.get_or_init(|| {
            if self.in_repo() {
                git(self.repo_root, &["branch", "--show-current"]).unwrap_or_default()
            } else {
                String::new()
            }
        })
    }

    fn url(&self) -> &str {
        self.url.get_or_init(|| {
            if self.in_repo() {
                git(self.repo_root, &["remote", "get-url", "origin"]).unwrap_or_default()
            } else {
                String::new()
            }
        })
    }

    fn files_changed(&self) -> Vec<String> {
        if !self.in_repo() {
            return Vec::new();
        }
        git(self.repo_root, &["diff", "--name-only", "--no-color", "--diff-filter=AM"])
            .map(|s| s.lines().filter(|l| !l.is_empty()).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// The default of one of [`DEFAULT_KEYS`].
    fn value(&self, key: &str) -> Value {
        match key {
            "base_repository" | "head_repository" => json!(self.url()),
            "base_ref" | "base_rev" | "head_tag" | "tasks_for" => json!(""),
            "build_date" | "pushdate" => json!(self.now),
            "build_number" => json!(1),
            "do_not_optimize" => json!([]),
            "enable_always_target" | "optimize_target_tasks" => json!(true),
            "existing_tasks" => json!({}),
            "files_changed" => json!(self.files_changed()),
            "filters" => json!(["target_tasks_method"]),
            "head_ref" => match self.branch() {
                "" => json!(self.head_rev()),
                branch => json!(branch),
            },
            "head_rev" => json!(self.head_rev()),
            "level" => json!("3"),
            "moz_build_date" => json!(format_build_date(self.now)),
            "owner" => json!("nobody@mozilla.com"),
            "project" => match self.url() {
                "" => json!(""),
                url => json!(repo_name_from_url(url)),
            },
            "pushlog_id" => json!("0"),
            "repository_type" => json!("git"),
            "target_tasks_method" => json!("default"),
            "version" => json!(std::fs::read_to_string(self.repo_root.join("version.txt")).ok().map(|s| s
                .lines()
                .next()
                .unwrap_or_default()
                .trim_end()
                .to_string())),
            _ => Value::Null,
        }
    }
}

/// `YYYYMMDDHHMMSS` (UTC) for a Unix time.
/// `time.strftime("%Y%m%d%H%M%S", time.gmtime(secs))`: a `moz_build_date`.
pub fn format_build_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::time::civil_from_days(days);
    format!("{y:04}{m:02}{d:02}{:02}{:02}{:02}", rem / 3600, (rem % 3600) / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params_from(yaml: &str, allow_unknown: bool) -> anyhow::Result<Parameters> {
        let dir = std::env::temp_dir().join(format!("tg-params-{}-{}", std::process::id(), yaml.len()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("p.yml");
        std::fs::write(&f, yaml).unwrap();
        Parameters::load(Some(&f), &dir, &LoadOptions { allow_unknown, now: Some(0) })
    }

    #[test]
    fn defaults_fill_missing_parameters() {
        let p = params_from("level: '1'\n", false).unwrap();
        assert_eq!(p.str("level"), "1");
        assert_eq!(p.str("target_tasks_method"), "default");
        assert_eq!(p.str("moz_build_date"), "19700101000000");
        assert_eq!(p.get("filters").unwrap(), &json!(["target_tasks_method"]));
    }

    #[test]
    fn mistyped_and_unknown_parameters_are_named() {
        let e = params_from("level: 3\n", false).unwrap_err().to_string();
        assert!(e.ends_with("invalid parameters: level: expected a string, got an integer"), "{e}");
        let e = params_from("bogus: 1\n", false).unwrap_err().to_string();
        assert!(e.ends_with("unknown parameters: bogus"), "{e}");
        assert!(params_from("bogus: 1\n", true).is_ok());
    }

    #[test]
    fn file_url_matches_taskgraph() {
        let mut p =
            params_from("head_repository: https://github.com/o/r\nhead_rev: abc\nrepository_type: git\n", false)
                .unwrap();
        assert_eq!(
            p.file_url("taskcluster/kinds/a/kind.yml", false).unwrap(),
            "https://github.com/o/r/raw/abc/taskcluster/kinds/a/kind.yml"
        );
        p.values.insert("head_repository".into(), json!("git@github.com:o/r.git"));
        assert_eq!(p.file_url("x", true).unwrap(), "https://github.com/o/r/blob/abc/x");
    }

    #[test]
    fn git_defaults_come_from_the_checkout_and_keep_their_order() {
        let dir = std::env::temp_dir().join(format!("tg-params-git-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let git = |args: &[&str]| {
            Command::new("git").arg("-C").arg(&dir).args(args).output().is_ok_and(|o| o.status.success())
        };
        if !testkit::require(git(&["init", "-q", "-b", "trunk"]), "git init failed (is git installed?)") {
            return;
        }
        git(&["remote", "add", "origin", "https://github.com/o/myrepo.git"]);
        std::fs::write(dir.join("version.txt"), "1.2.3\n").unwrap();
        git(&["add", "-A"]);
        assert!(git(&["-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"]));
        let p = Parameters::load(None, &dir, &LoadOptions { allow_unknown: false, now: Some(0) }).unwrap();
        let rev = super::git(&dir, &["rev-parse", "HEAD"]).unwrap();
        assert_eq!(p.str("head_rev"), rev);
        assert_eq!(p.str("head_ref"), "trunk");
        assert_eq!(p.str("base_repository"), "https://github.com/o/myrepo.git");
        assert_eq!(p.str("project"), "myrepo");
        assert_eq!(p.str("version"), "1.2.3");
        let keys: Vec<&str> = p.values.keys().map(String::as_str).collect();
        assert_eq!(keys, DEFAULT_KEYS);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn repo_names() {
        assert_eq!(repo_name_from_url("https://github.com/mozilla-releng/redo"), "redo");
        assert_eq!(repo_name_from_url("git@github.com:mozilla/balrog.git"), "balrog");
        assert_eq!(repo_name_from_url("https://hg.mozilla.org/mozilla-central/"), "mozilla-central");
    }
}
