//! Try option syntax (`try: -b do -p linux64 -u mochitest[linux64,windows] -t none`), as legacy
//! Firefox's `taskcluster/taskgraph/try_option_syntax.py` parsed it from the commit message and
//! matched it against task attributes.
//!
//! Parsing has three steps, each Python's:
//! 1. [`extract`]: the text from the first `try:` to the end of that line, with spaces inside
//!    `[...]` escaped so that `-u gaia-build[Mulet Linux]` stays one word;
//! 2. [`crate::shlex::split`]: words, with shell quoting;
//! 3. [`parse_args`]: argparse's `parse_known_args` over the options below (unknown options and
//!    stray words are ignored, as in Python; long options may be abbreviated).
//!
//! | option | meaning | default |
//! |---|---|---|
//! | `-b`, `--build` | build types: `o` opt, `d` debug, `do` both (other letters ignored) | none |
//! | `-p`, `--platform` | comma list of build/test platforms, or `all` | `all` |
//! | `-u`, `--unittests` | comma list of suites with optional `[platform,-platform]`, or `all`/`none` | `all` |
//! | `-t`, `--talos` | as `-u`, for talos suites | `none` |
//! | `-j`, `--job` | jobs (`job_try_name`), repeatable, comma lists, `all`/`none` | `none` |
//! | `-i`, `-e`, `-f`, `-w`, `--rebuild N`, `--rebuild-talos N`, `--setenv V=x`, `--geckoProfile`, `--tag T`, `--no-retry`, `--include-nightly` | as in Firefox | |
//!
//! [`TryOptionSyntax::new`] then resolves the options against the graph (aliases such as
//! `mochitest-gl`, chunks such as `gtest-3`, platform pretty names such as `Ubuntu`, ridealong
//! builds from config.yml's `try.ridealong-builds`) and [`TryOptionSyntax::task_matches`]
//! decides per task from its attributes: `kind`, `build_type`, `build_platform`,
//! `test_platform`, `unittest_try_name`, `talos_try_name`, `job_try_name`, `test_chunk`,
//! `run_on_projects`, `nightly`.
//!
//! Deliberately stricter than Python (which would silently do something odd): a message without
//! `try:`, unbalanced `[`/`]` in `-u`/`-t`, an empty platform in brackets, and `-h` are errors.

use crate::pyish::truthy;
use indexmap::IndexMap;
use serde_json::Value;
use std::collections::BTreeSet;
use tg_core::task::Task;

/// Where try syntax starts in a message.
pub const TRY_DELIMITER: &str = "try:";

/// Kinds governed by `-b` and `-p`.
pub const BUILD_KINDS: &[&str] =
    &["build", "artifact-build", "hazard", "l10n", "valgrind", "static-analysis", "spidermonkey"];

/// `-b` letters.
fn build_type_alias(c: char) -> Option<&'static str> {
    match c {
        'o' => Some("opt"),
        'd' => Some("debug"),
        _ => None,
    }
}

/// How a `-u`/`-t` alias selects suite names.
#[derive(Clone, Copy, Debug)]
enum Alias {
    Prefix(&'static str),
    Contains(&'static str),
    Matches(&'static str),
}

/// Firefox's `UNITTEST_ALIASES`: shorthand -> rule over `unittest_try_name`s.
const UNITTEST_ALIASES: &[(&str, Alias)] = &[
    ("cppunit", Alias::Prefix("cppunit")),
    ("crashtest", Alias::Prefix("crashtest")),
    ("crashtest-e10s", Alias::Prefix("crashtest-e10s")),
    ("e10s", Alias::Contains("e10s")),
    ("firefox-ui-functional", Alias::Prefix("firefox-ui-functional")),
    ("firefox-ui-functional-e10s", Alias::Prefix("firefox-ui-functional-e10s")),
    ("gaia-js-integration", Alias::Contains("gaia-js-integration")),
    ("gtest", Alias::Prefix("gtest")),
    ("jittest", Alias::Prefix("jittest")),
    ("jittests", Alias::Prefix("jittest")),
    ("jsreftest", Alias::Prefix("jsreftest")),
    ("jsreftest-e10s", Alias::Prefix("jsreftest-e10s")),
    ("marionette", Alias::Prefix("marionette")),
    ("marionette-e10s", Alias::Prefix("marionette-e10s")),
    ("mochitest", Alias::Prefix("mochitest")),
    ("mochitests", Alias::Prefix("mochitest")),
    ("mochitest-e10s", Alias::Prefix("mochitest-e10s")),
    ("mochitests-e10s", Alias::Prefix("mochitest-e10s")),
    ("mochitest-debug", Alias::Prefix("mochitest-debug-")),
    ("mochitest-a11y", Alias::Contains("mochitest-a11y")),
    ("mochitest-bc", Alias::Prefix("mochitest-browser-chrome")),
    ("mochitest-e10s-bc", Alias::Prefix("mochitest-browser-chrome-e10s")),
    ("mochitest-browser-chrome", Alias::Prefix("mochitest-browser-chrome")),
    ("mochitest-e10s-browser-chrome", Alias::Prefix("mochitest-browser-chrome-e10s")),
    ("mochitest-chrome", Alias::Contains("mochitest-chrome")),
    ("mochitest-dt", Alias::Prefix("mochitest-devtools-chrome")),
    ("mochitest-e10s-dt", Alias::Prefix("mochitest-devtools-chrome-e10s")),
    ("mochitest-gl", Alias::Prefix("mochitest-webgl")),
    ("mochitest-gl-e10s", Alias::Prefix("mochitest-webgl-e10s")),
    ("mochitest-gpu", Alias::Prefix("mochitest-gpu")),
    ("mochitest-gpu-e10s", Alias::Prefix("mochitest-gpu-e10s")),
    ("mochitest-clipboard", Alias::Prefix("mochitest-clipboard")),
    ("mochitest-clipboard-e10s", Alias::Prefix("mochitest-clipboard-e10s")),
    ("mochitest-media", Alias::Prefix("mochitest-media")),
    ("mochitest-media-e10s", Alias::Prefix("mochitest-media-e10s")),
    ("mochitest-vg", Alias::Prefix("mochitest-valgrind")),
    ("reftest", Alias::Matches(r"^(plain-)?reftest.*$")),
    ("reftest-no-accel", Alias::Matches(r"^(plain-)?reftest-no-accel.*$")),
    ("reftests", Alias::Matches(r"^(plain-)?reftest.*$")),
    ("reftests-e10s", Alias::Matches(r"^(plain-)?reftest-e10s.*$")),
    ("reftest-gpu", Alias::Matches(r"^(plain-)?reftest-gpu.*$")),
    ("robocop", Alias::Prefix("robocop")),
    ("web-platform-test", Alias::Prefix("web-platform-tests")),
    ("web-platform-tests", Alias::Prefix("web-platform-tests")),
    ("web-platform-tests-e10s", Alias::Prefix("web-platform-tests-e10s")),
    ("web-platform-tests-reftests", Alias::Prefix("web-platform-tests-reftests")),
    ("web-platform-tests-reftests-e10s", Alias::Prefix("web-platform-tests-reftests-e10s")),
    ("web-platform-tests-wdspec", Alias::Prefix("web-platform-tests-wdspec")),
    ("web-platform-tests-wdspec-e10s", Alias::Prefix("web-platform-tests-wdspec-e10s")),
    ("xpcshell", Alias::Prefix("xpcshell")),
];

/// Firefox's `UNITTEST_PLATFORM_PRETTY_NAMES`: old builder-name fragments -> test platforms.
const PLATFORM_PRETTY_NAMES: &[(&str, &[&str])] = &[
    ("Ubuntu", &["linux32", "linux64", "linux64-asan", "linux64-stylo-sequential"]),
    ("x64", &["linux64", "linux64-asan", "linux64-stylo-sequential"]),
    ("Android 4.3", &["android-4.3-arm7-api-16"]),
    ("10.10", &["macosx64"]),
    ("Windows 7", &["windows7-32"]),
    ("Windows 7 VM", &["windows7-32-vm"]),
    ("Windows 8", &["windows8-64"]),
    ("Windows 10", &["windows10-64"]),
];

impl Alias {
    fn matches(self, name: &str) -> bool {
        match self {
            Alias::Prefix(p) => name.starts_with(p),
            Alias::Contains(p) => name.contains(p),
            Alias::Matches(p) => regex::Regex::new(p).is_ok_and(|re| re.is_match(name)),
        }
    }
}

// ------------------------------------------------------------------ message -> words

/// The try part of a message: from the first `try:` to the end of its line, or `None`.
pub fn extract(message: &str) -> Option<&str> {
    let start = message.find(TRY_DELIMITER)?;
    let rest = &message[start..];
    Some(rest.split('\n').next().unwrap_or(rest))
}

/// Escape spaces inside `[...]` with a backslash, so that shlex keeps `[Mulet Linux]` whole.
pub fn escape_whitespace_in_brackets(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut in_brackets = false;
    for c in input.chars() {
        match c {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            ' ' if in_brackets => {
                out.push_str("\\ ");
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

// ------------------------------------------------------------------ words -> options

/// The options of a try message, as argparse leaves them (Python's `parse_message`).
#[derive(Debug, Clone, PartialEq)]
pub struct TryArgs {
    pub build_types: Option<String>,
    pub platforms: String,
    pub unittests: String,
    pub talos: String,
    pub interactive: bool,
    pub notifications: Option<String>,
    pub jobs: Option<Vec<String>>,
    pub talos_trigger_tests: i64,
    pub env: Option<Vec<String>>,
    pub profile: bool,
    pub tag: Option<String>,
    pub no_retry: bool,
    pub include_nightly: bool,
    pub taskcluster_worker: bool,
    pub trigger_tests: i64,
    /// Words argparse did not recognise (ignored, as `parse_known_args` does).
    pub unknown: Vec<String>,
}

impl Default for TryArgs {
    fn default() -> Self {
        TryArgs {
            build_types: None,
            platforms: "all".into(),
            unittests: "all".into(),
            talos: "none".into(),
            interactive: false,
            notifications: None,
            jobs: None,
            talos_trigger_tests: 1,
            env: None,
            profile: false,
            tag: None,
            no_retry: false,
            include_nightly: false,
            taskcluster_worker: false,
            trigger_tests: 1,
            unknown: Vec::new(),
        }
    }
}

/// Where an option stores its value.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Dest {
    BuildTypes,
    Platforms,
    Unittests,
    Talos,
    Interactive,
    AllEmails,
    FailureEmails,
    Jobs,
    RebuildTalos,
    Setenv,
    GeckoProfile,
    Tag,
    NoRetry,
    IncludeNightly,
    TaskclusterWorker,
    Rebuild,
    Help,
}

/// How many values an option takes.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Arity {
    /// No value (a flag).
    Zero,
    /// Exactly one value.
    One,
    /// An optional value (argparse `nargs='?'`), `all` when absent.
    Optional,
}

/// One option of the try parser: short name, long name, destination, arity.
struct Opt {
    short: Option<char>,
    long: &'static str,
    dest: Dest,
    arity: Arity,
}

/// The parser of Firefox's `parse_message`, in its order (`-h` is argparse's own).
const OPTIONS: &[Opt] = &[
    Opt { short: Some('h'), long: "--help", dest: Dest::Help, arity: Arity::Zero },
    Opt { short: Some('b'), long: "--build", dest: Dest::BuildTypes, arity: Arity::One },
    Opt { short: Some('p'), long: "--platform", dest: Dest::Platforms, arity: Arity::Optional },
    Opt { short: Some('u'), long: "--unittests", dest: Dest::Unittests, arity: Arity::Optional },
    Opt { short: Some('t'), long: "--talos", dest: Dest::Talos, arity: Arity::Optional },
    Opt { short: Some('i'), long: "--interactive", dest: Dest::Interactive, arity: Arity::Zero },
    Opt { short: Some('e'), long: "--all-emails", dest: Dest::AllEmails, arity: Arity::Zero },
    Opt { short: Some('f'), long: "--failure-emails", dest: Dest::FailureEmails, arity: Arity::Zero },
    Opt { short: Some('j'), long: "--job", dest: Dest::Jobs, arity: Arity::One },
    Opt { short: None, long: "--rebuild-talos", dest: Dest::RebuildTalos, arity: Arity::One },
    Opt { short: None, long: "--setenv", dest: Dest::Setenv, arity: Arity::One },
    Opt { short: None, long: "--geckoProfile", dest: Dest::GeckoProfile, arity: Arity::Zero },
    Opt { short: None, long: "--tag", dest: Dest::Tag, arity: Arity::One },
    Opt { short: None, long: "--no-retry", dest: Dest::NoRetry, arity: Arity::Zero },
    Opt { short: None, long: "--include-nightly", dest: Dest::IncludeNightly, arity: Arity::Zero },
    Opt { short: Some('w'), long: "--taskcluster-worker", dest: Dest::TaskclusterWorker, arity: Arity::Zero },
    Opt { short: None, long: "--rebuild", dest: Dest::Rebuild, arity: Arity::One },
];

impl Opt {
    /// `-b/--build`, as argparse names an option in errors.
    fn display(&self) -> String {
        match self.short {
            Some(c) => format!("-{c}/{}", self.long),
            None => self.long.to_string(),
        }
    }
}

/// A value glued to an option word: `--build=do` (long) or `-bdo` (short).
#[derive(Debug, Clone, PartialEq)]
enum Attached {
    No,
    Long(String),
    Short(String),
}

/// How argparse classifies a word: an option (with its attached value), or anything else.
enum Word<'a> {
    Option(&'a Opt, Attached),
    Unknown,
    Positional,
}

/// argparse's test for a negative number (`-1`, `-.5`), which is a value, not an option.
fn looks_negative_number(word: &str) -> bool {
    regex::Regex::new(r"^-\d+$|^-\d*\.\d+$").is_ok_and(|re| re.is_match(word))
}

/// Classify one word as argparse's `_parse_optional` does (Python 3.11).
fn classify(word: &str) -> Result<Word<'_>, String> {
    if !word.starts_with('-') || word == "-" {
        return Ok(Word::Positional);
    }
    let exact =
        |name: &str| OPTIONS.iter().find(|o| o.long == name || o.short.is_some_and(|c| name == format!("-{c}")));
    if let Some(opt) = exact(word) {
        return Ok(Word::Option(opt, Attached::No));
    }
    if let Some((name, value)) = word.split_once('=') {
        if let Some(opt) = exact(name) {
            return Ok(Word::Option(opt, Attached::Long(value.to_string())));
        }
    }
    if word.starts_with("--") {
        let (prefix, value) = match word.split_once('=') {
            Some((n, v)) => (n, Attached::Long(v.to_string())),
            None => (word, Attached::No),
        };
        let candidates: Vec<&Opt> = OPTIONS.iter().filter(|o| o.long.starts_with(prefix)).collect();
        match candidates.as_slice() {
            [one] => return Ok(Word::Option(one, value)),
            [] => {}
            many => {
                let names: Vec<&str> = many.iter().map(|o| o.long).collect();
                return Err(format!("ambiguous option: {word} could match {}", names.join(", ")));
            }
        }
    } else {
        let mut chars = word.chars().skip(1);
        if let Some(c) = chars.next() {
            if let Some(opt) = OPTIONS.iter().find(|o| o.short == Some(c)) {
                return Ok(Word::Option(opt, Attached::Short(chars.collect())));
            }
        }
    }
    if looks_negative_number(word) || word.contains(' ') {
        return Ok(Word::Positional);
    }
    Ok(Word::Unknown)
}

/// True when argparse would take `word` as an option string (so not as a value).
fn is_option_like(word: &str) -> bool {
    !matches!(classify(word), Ok(Word::Positional))
}

/// Python's `int()` on a command-line value.
fn parse_int(opt: &Opt, value: &str) -> Result<i64, String> {
    let t = value.trim();
    let (sign, digits) = match t.strip_prefix('-') {
        Some(d) => (-1, d),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let valid = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.chars().all(|c| c.is_ascii_digit() || c == '_');
    let n = if valid { digits.replace('_', "").parse::<i64>().ok() } else { None };
    n.map(|n| sign * n).ok_or_else(|| format!("argument {}: invalid int value: '{value}'", opt.display()))
}

impl TryArgs {
    /// Store one option's value.
    fn set(&mut self, opt: &Opt, value: Option<String>) -> Result<(), String> {
        let all = || "all".to_string();
        match opt.dest {
            Dest::Help => return Err("-h/--help is not supported in try syntax".into()),
            Dest::BuildTypes => self.build_types = value,
            Dest::Platforms => self.platforms = value.unwrap_or_else(all),
            Dest::Unittests => self.unittests = value.unwrap_or_else(all),
            Dest::Talos => self.talos = value.unwrap_or_else(all),
            Dest::Interactive => self.interactive = true,
            Dest::AllEmails => self.notifications = Some("all".into()),
            Dest::FailureEmails => self.notifications = Some("failure".into()),
            Dest::Jobs => self.jobs.get_or_insert_with(Vec::new).extend(value),
            Dest::Setenv => self.env.get_or_insert_with(Vec::new).extend(value),
            Dest::RebuildTalos => self.talos_trigger_tests = parse_int(opt, &value.unwrap_or_default())?,
            Dest::Rebuild => self.trigger_tests = parse_int(opt, &value.unwrap_or_default())?,
            Dest::GeckoProfile => self.profile = true,
            Dest::Tag => self.tag = value,
            Dest::NoRetry => self.no_retry = true,
            Dest::IncludeNightly => self.include_nightly = true,
            Dest::TaskclusterWorker => self.taskcluster_worker = true,
        }
        Ok(())
    }
}

/// argparse's `parse_known_args` over the try parser. Errors use argparse's words.
pub fn parse_args(words: &[String]) -> Result<TryArgs, String> {
    let mut args = TryArgs::default();
    let mut i = 0;
    while let Some(word) = words.get(i) {
        i += 1;
        if word == "--" {
            args.unknown.extend(words.iter().skip(i).cloned());
            break;
        }
        match classify(word)? {
            Word::Positional => {
                if word != TRY_DELIMITER {
                    args.unknown.push(word.clone());
                }
            }
            Word::Unknown => args.unknown.push(word.clone()),
            Word::Option(opt, attached) => i = take_option(&mut args, opt, attached, words, i)?,
        }
    }
    Ok(args)
}

/// Apply one option (with the value attached to it, if any) and return the next word's index.
fn take_option(
    args: &mut TryArgs,
    opt: &Opt,
    attached: Attached,
    words: &[String],
    next: usize,
) -> Result<usize, String> {
    let following = words.get(next).filter(|w| !is_option_like(w));
    match (opt.arity, attached) {
        (Arity::Zero, Attached::No) => args.set(opt, None).map(|_| next),
        (Arity::Zero, Attached::Long(value)) => {
            Err(format!("argument {}: ignored explicit argument '{value}'", opt.display()))
        }
        (Arity::Zero, Attached::Short(rest)) => {
            // `-ie`: a flag followed by more single-letter options.
            args.set(opt, None)?;
            let mut chars = rest.chars();
            let c = chars.next();
            let tail: String = chars.collect();
            match OPTIONS.iter().find(|o| o.short.is_some() && o.short == c) {
                Some(o) => {
                    let attached = if tail.is_empty() { Attached::No } else { Attached::Short(tail) };
                    take_option(args, o, attached, words, next)
                }
                None => Err(format!("argument {}: ignored explicit argument '{rest}'", opt.display())),
            }
        }
        (_, Attached::Long(value) | Attached::Short(value)) => args.set(opt, Some(value)).map(|_| next),
        (Arity::One, Attached::No) => match following {
            Some(v) => args.set(opt, Some(v.clone())).map(|_| next + 1),
            None => Err(format!("argument {}: expected one argument", opt.display())),
        },
        (Arity::Optional, Attached::No) => match following {
            Some(v) => args.set(opt, Some(v.clone())).map(|_| next + 1),
            None => args.set(opt, None).map(|_| next),
        },
    }
}

/// Parse the try part of `message` into options; errors name the offending text.
pub fn parse_message(message: &str) -> Result<TryArgs, String> {
    let Some(line) = extract(message) else {
        return Err(format!("no \"{TRY_DELIMITER}\" in the message parameter: {message:?}"));
    };
    let words = crate::shlex::split(&escape_whitespace_in_brackets(line)).map_err(|e| format!("{e} in {line:?}"))?;
    parse_args(&words).map_err(|e| format!("{e} (in {line:?})"))
}

// ------------------------------------------------------------------ options -> selection

/// One requested suite of `-u`/`-t`.
#[derive(Debug, Clone, PartialEq)]
pub struct TestSpec {
    /// The suite name (`unittest_try_name` / `talos_try_name`).
    pub test: String,
    /// Only these test platforms (the part of `test_platform` before `/`), when given.
    pub platforms: Option<Vec<String>>,
    /// Only these chunks (`test_chunk`), when given (`gtest-3`).
    pub only_chunks: Option<BTreeSet<String>>,
}

/// The resolved try options (Firefox's `TryOptionSyntax`).
#[derive(Debug, Clone, PartialEq)]
pub struct TryOptionSyntax {
    /// `None`: every job with `try` in run_on_projects; `Some([])`: none.
    pub jobs: Option<Vec<String>>,
    pub build_types: Vec<String>,
    /// `None`: every platform (`-p all`).
    pub platforms: Option<Vec<String>>,
    pub unittests: Vec<TestSpec>,
    pub talos: Vec<TestSpec>,
    pub trigger_tests: i64,
    pub interactive: bool,
    pub notifications: Option<String>,
    pub talos_trigger_tests: i64,
    pub env: Option<Vec<String>>,
    pub profile: bool,
    pub tag: Option<String>,
    pub no_retry: bool,
    pub include_nightly: bool,
}

/// The string values of attribute `name` over `tasks`, sorted.
fn attribute_values<'a>(tasks: &[&'a Task], name: &str, before_slash: bool) -> BTreeSet<&'a str> {
    tasks
        .iter()
        .filter_map(|t| t.attributes.get(name).and_then(Value::as_str))
        .map(|v| if before_slash { v.split('/').next().unwrap_or(v) } else { v })
        .collect()
}

impl TryOptionSyntax {
    /// Resolve parsed options against the tasks of the graph and config.yml's `try` section.
    pub fn new(args: &TryArgs, tasks: &[&Task], graph_config: &serde_json::Map<String, Value>) -> Result<Self, String> {
        Ok(TryOptionSyntax {
            jobs: parse_jobs(args.jobs.as_deref()),
            build_types: parse_build_types(args.build_types.as_deref(), tasks)?,
            platforms: parse_platforms(&args.platforms, tasks, graph_config)?,
            unittests: parse_test_option("unittest_try_name", &args.unittests, tasks)
                .map_err(|e| format!("-u: {e}"))?,
            talos: parse_test_option("talos_try_name", &args.talos, tasks).map_err(|e| format!("-t: {e}"))?,
            trigger_tests: args.trigger_tests,
            interactive: args.interactive,
            notifications: args.notifications.clone(),
            talos_trigger_tests: args.talos_trigger_tests,
            env: args.env.clone(),
            profile: args.profile,
            tag: args.tag.clone(),
            no_retry: args.no_retry,
            include_nightly: args.include_nightly,
        })
    }

    /// Whether `task` is selected (Firefox's `task_matches`).
    pub fn task_matches(&self, task: &Task) -> bool {
        let attr = |name: &str| task.attributes.get(name);
        let build_platform = attr("build_platform");
        let platform_has = |needle: &str| match build_platform {
            Some(Value::String(s)) => s.contains(needle),
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(needle)),
            _ => false,
        };
        if platform_has("ccov") || platform_has("jsdcov") {
            return false;
        }
        let kind = attr("kind").and_then(Value::as_str).unwrap_or(&task.kind);
        if truthy(attr("job_try_name")) {
            if let Some(jobs) = &self.jobs {
                return attr("job_try_name").and_then(Value::as_str).is_some_and(|j| jobs.iter().any(|x| x == j));
            }
            if !self.platform_selected(build_platform) {
                return false;
            }
            return self.runs_on_try(task);
        }
        if kind == "test" {
            return self.match_test(task, &self.unittests, "unittest_try_name")
                || self.match_test(task, &self.talos, "talos_try_name");
        }
        if BUILD_KINDS.contains(&kind) {
            if !self.build_type_selected(task) {
                return false;
            }
            return match &self.platforms {
                None => self.runs_on_try(task),
                Some(_) => self.platform_selected(build_platform),
            };
        }
        false
    }

    /// `-p` allows this build platform (always true for `-p all`).
    fn platform_selected(&self, build_platform: Option<&Value>) -> bool {
        match &self.platforms {
            None => true,
            Some(list) => build_platform.and_then(Value::as_str).is_some_and(|p| list.iter().any(|x| x == p)),
        }
    }

    fn build_type_selected(&self, task: &Task) -> bool {
        task.attributes
            .get("build_type")
            .and_then(Value::as_str)
            .is_some_and(|b| self.build_types.iter().any(|x| x == b))
    }

    /// Firefox's `check_run_on_projects`: not a nightly (unless asked) and `try` or `all` in
    /// `run_on_projects`.
    fn runs_on_try(&self, task: &Task) -> bool {
        if truthy(task.attributes.get("nightly")) && !self.include_nightly {
            return false;
        }
        task.attributes
            .get("run_on_projects")
            .and_then(Value::as_array)
            .is_some_and(|p| p.iter().any(|v| matches!(v.as_str(), Some("try") | Some("all"))))
    }

    /// Firefox's `match_test` for one of `-u`/`-t`.
    fn match_test(&self, task: &Task, specs: &[TestSpec], attr_name: &str) -> bool {
        if !self.build_type_selected(task) {
            return false;
        }
        let mut run_by_default = true;
        match &self.platforms {
            Some(_) => {
                if !self.platform_selected(task.attributes.get("build_platform")) {
                    return false;
                }
            }
            None => {
                if !self.runs_on_try(task) {
                    run_by_default = false;
                }
            }
        }
        let name = task.attributes.get(attr_name).and_then(Value::as_str);
        let Some(spec) = specs.iter().find(|s| name == Some(s.test.as_str())) else {
            return false;
        };
        if let Some(chunks) = &spec.only_chunks {
            let chunk = match task.attributes.get("test_chunk") {
                Some(Value::String(s)) => Some(s.clone()),
                Some(Value::Number(n)) => Some(n.to_string()),
                _ => None,
            };
            if !chunk.is_some_and(|c| chunks.contains(&c)) {
                return false;
            }
        }
        if let Some(platforms) = &spec.platforms {
            let tp = task.attributes.get("test_platform").and_then(Value::as_str).unwrap_or("");
            let tp = tp.split('/').next().unwrap_or(tp);
            return platforms.iter().any(|p| p == tp);
        }
        run_by_default && self.runs_on_try(task)
    }
}

/// `-j`: `None` or `none` -> no jobs; `all` -> every job; else the comma-separated names.
fn parse_jobs(jobs: Option<&[String]>) -> Option<Vec<String>> {
    match jobs {
        None | Some([]) => Some(Vec::new()),
        Some([one]) if one == "none" => Some(Vec::new()),
        Some([one]) if one == "all" => None,
        Some(list) => Some(list.iter().flat_map(|j| j.split(',')).map(|j| j.trim().to_string()).collect()),
    }
}

/// `-b`: letters to build types; each must be a `build_type` of some task.
fn parse_build_types(arg: Option<&str>, tasks: &[&Task]) -> Result<Vec<String>, String> {
    let types: Vec<String> = arg.unwrap_or("").chars().filter_map(build_type_alias).map(str::to_string).collect();
    let known = attribute_values(tasks, "build_type", false);
    let mut bad: Vec<&str> = types.iter().map(String::as_str).filter(|t| !known.contains(t)).collect();
    bad.sort_unstable();
    bad.dedup();
    if !bad.is_empty() {
        return Err(format!(
            "Unknown build type(s) [{}] specified for try (-b {}; build types in the graph: {})",
            bad.join(","),
            arg.unwrap_or(""),
            list_or_none(&known)
        ));
    }
    Ok(types)
}

fn list_or_none(values: &BTreeSet<&str>) -> String {
    if values.is_empty() {
        "none".into()
    } else {
        values.iter().copied().collect::<Vec<_>>().join(", ")
    }
}

/// `-p`: `all` -> `None`; else the names plus their ridealong builds; each must be a
/// `build_platform` or `test_platform` of some task.
fn parse_platforms(
    arg: &str,
    tasks: &[&Task],
    graph_config: &serde_json::Map<String, Value>,
) -> Result<Option<Vec<String>>, String> {
    if arg == "all" {
        return Ok(None);
    }
    let ridealong = graph_config.get("try").and_then(|t| t.get("ridealong-builds")).and_then(Value::as_object);
    let mut results = Vec::new();
    for build in arg.split(',') {
        results.push(build.to_string());
        if let Some(extra) = ridealong.and_then(|r| r.get(build)).and_then(Value::as_array) {
            results.extend(extra.iter().filter_map(Value::as_str).map(str::to_string));
        }
    }
    let mut known = attribute_values(tasks, "test_platform", false);
    known.extend(attribute_values(tasks, "build_platform", false));
    let mut bad: Vec<&str> = results.iter().map(String::as_str).filter(|p| !known.contains(p)).collect();
    bad.sort_unstable();
    bad.dedup();
    if !bad.is_empty() {
        return Err(format!(
            "Unknown platform(s) [{}] specified for try (-p {arg}; platforms in the graph: {})",
            bad.join(","),
            list_or_none(&known)
        ));
    }
    Ok(Some(results))
}

/// `-u`/`-t`: `none` -> nothing; `all` -> every suite (keeping platform restrictions); else the
/// listed suites, with aliases expanded and chunk suffixes folded.
fn parse_test_option(attr_name: &str, arg: &str, tasks: &[&Task]) -> Result<Vec<TestSpec>, String> {
    if arg == "none" {
        return Ok(Vec::new());
    }
    let all_platforms = attribute_values(tasks, "test_platform", true);
    let tests = parse_test_opts(arg, &all_platforms)?;
    let Some(first) = tests.first() else { return Ok(Vec::new()) };
    let all_tests = attribute_values(tasks, attr_name, false);
    if first.test == "all" {
        let expanded: Vec<TestSpec> = all_tests
            .iter()
            .map(|t| TestSpec { test: t.to_string(), platforms: first.platforms.clone(), only_chunks: None })
            .collect();
        return Ok(parse_test_chunks(&all_tests, expanded));
    }
    Ok(parse_test_chunks(&all_tests, tests))
}

/// Parse `spec,spec[plat,-plat],...` right to left, as Firefox does; a first negated platform
/// starts from every test platform of the graph.
fn parse_test_opts(input: &str, all_platforms: &BTreeSet<&str>) -> Result<Vec<TestSpec>, String> {
    check_brackets(input)?;
    let mut tests: Vec<TestSpec> = Vec::new();
    let mut platforms: Option<Vec<String>> = None;
    let mut token = String::new();
    let mut in_platforms = false;
    let normalize = |raw: Option<Vec<String>>| -> Option<Vec<String>> {
        let raw = raw?;
        let mut out: Vec<String> = if raw.first().is_some_and(|p| p.starts_with('-')) {
            all_platforms.iter().map(|p| p.to_string()).collect()
        } else {
            Vec::new()
        };
        for p in raw {
            match p.strip_prefix('-') {
                Some(neg) => out.retain(|x| x != neg),
                None => out.push(p),
            }
        }
        Some(out)
    };
    let add_platform = |platforms: &mut Option<Vec<String>>, value: &str| -> Result<(), String> {
        let value = value.trim();
        let (negated, name) = match value.strip_prefix('-') {
            Some(n) => (true, n),
            None => (false, value),
        };
        if value.is_empty() || name.is_empty() {
            return Err(format!("empty platform name in brackets in {input:?}"));
        }
        let expanded: Vec<String> = PLATFORM_PRETTY_NAMES
            .iter()
            .find(|(pretty, _)| *pretty == name)
            .map(|(_, list)| list.iter().map(|p| p.to_string()).collect())
            .unwrap_or_else(|| vec![name.to_string()]);
        let mut new: Vec<String> = expanded.into_iter().map(|p| if negated { format!("-{p}") } else { p }).collect();
        new.extend(platforms.take().unwrap_or_default());
        *platforms = Some(new);
        Ok(())
    };
    for c in input.chars().rev() {
        match c {
            ',' if in_platforms => {
                add_platform(&mut platforms, &token)?;
                token.clear();
            }
            ',' => {
                tests.insert(
                    0,
                    TestSpec {
                        test: token.trim().to_string(),
                        platforms: normalize(platforms.take()),
                        only_chunks: None,
                    },
                );
                token.clear();
            }
            '[' => {
                add_platform(&mut platforms, &token)?;
                token.clear();
                in_platforms = false;
            }
            ']' => in_platforms = true,
            _ => token.insert(0, c),
        }
    }
    if !token.is_empty() {
        tests.insert(
            0,
            TestSpec { test: token.trim().to_string(), platforms: normalize(platforms.take()), only_chunks: None },
        );
    }
    Ok(tests)
}

/// `[` and `]` must alternate, starting with `[` (Python would silently misparse otherwise).
fn check_brackets(input: &str) -> Result<(), String> {
    let mut open = false;
    for c in input.chars() {
        match c {
            '[' if open => return Err(format!("nested '[' in {input:?}")),
            ']' if !open => return Err(format!("']' without '[' in {input:?}")),
            '[' | ']' => open = !open,
            _ => {}
        }
    }
    if open {
        return Err(format!("unclosed '[' in {input:?}"));
    }
    Ok(())
}

/// Fold chunk suffixes (`gtest-3,gtest-4` -> gtest chunks {3,4}), expand aliases, and keep one
/// entry per suite name (the last one, at the position of the first, as a Python dict does).
fn parse_test_chunks(all_tests: &BTreeSet<&str>, tests: Vec<TestSpec>) -> Vec<TestSpec> {
    let chunk_re = regex::Regex::new(r"^(.*)-([0-9]+)$").ok();
    let mut results: Vec<TestSpec> = Vec::new();
    let mut seen_chunks: IndexMap<String, usize> = IndexMap::new();
    for mut test in tests {
        let caps = chunk_re.as_ref().and_then(|re| re.captures(&test.test));
        if let Some(caps) = caps {
            let name = caps.get(1).map_or("", |m| m.as_str()).to_string();
            let chunk = caps.get(2).map_or("", |m| m.as_str()).to_string();
            match seen_chunks.get(&name) {
                Some(&at) => {
                    if let Some(set) = results.get_mut(at).and_then(|r| r.only_chunks.as_mut()) {
                        set.insert(chunk);
                    }
                }
                None => {
                    test.test = name.clone();
                    test.only_chunks = Some(BTreeSet::from([chunk]));
                    seen_chunks.insert(name, results.len());
                    results.push(test);
                }
            }
        } else {
            results.extend(handle_alias(test, all_tests));
        }
    }
    let mut unique: IndexMap<String, TestSpec> = IndexMap::new();
    for test in results {
        unique.insert(test.test.clone(), test);
    }
    unique.into_values().collect()
}

/// Expand an alias into the suites it matches (keeping platform restrictions).
fn handle_alias(test: TestSpec, all_tests: &BTreeSet<&str>) -> Vec<TestSpec> {
    let Some((_, alias)) = UNITTEST_ALIASES.iter().find(|(name, _)| *name == test.test) else {
        return vec![test];
    };
    all_tests.iter().filter(|t| alias.matches(t)).map(|t| TestSpec { test: t.to_string(), ..test.clone() }).collect()
}

/// What Firefox's `try_option_syntax` target method does to the tasks it selects: duplicates
/// for `--rebuild`/`--rebuild-talos`, `profile`, and the `env`, `no_retry`, `tag` attributes.
pub fn annotate_selected(task: &mut Task, options: &TryOptionSyntax) {
    let attrs = &mut task.attributes;
    let suite = attrs.get("unittest_suite").cloned();
    if suite.is_some() {
        attrs.insert("task_duplicates".into(), options.trigger_tests.into());
    }
    if options.trigger_tests > 1 && suite.is_some() {
        attrs.insert("task_duplicates".into(), options.trigger_tests.into());
        attrs.insert("profile".into(), false.into());
    }
    if options.talos_trigger_tests > 1 && suite.as_ref().and_then(Value::as_str) == Some("talos") {
        attrs.insert("task_duplicates".into(), options.talos_trigger_tests.into());
        attrs.insert("profile".into(), options.profile.into());
    }
    let env = options.env.as_ref().map_or(Value::Null, |e| e.iter().map(|s| Value::String(s.clone())).collect());
    attrs.insert("env".into(), env);
    attrs.insert("no_retry".into(), options.no_retry.into());
    attrs.insert("tag".into(), options.tag.clone().map_or(Value::Null, Value::String));
}

/// `-e`/`-f`: the notification routes Firefox adds to every task of the graph.
pub fn notification_routes(options: &TryOptionSyntax, owner: &str) -> Vec<String> {
    match options.notifications.as_deref() {
        Some("all") => vec![format!("notify.email.{owner}.on-any")],
        Some("failure") => {
            vec![format!("notify.email.{owner}.on-failed"), format!("notify.email.{owner}.on-exception")]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
