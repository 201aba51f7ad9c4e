//! `cargo xtask bench`: our pipeline against Python taskgraph 24.5.1 on the same inputs, in the
//! same run, on this machine.
//!
//! What is measured, and how:
//!
//! - **CPU (user+sys) and peak RSS** of every command come from GNU `/usr/bin/time` (`%U %S
//!   %M`, 10 ms resolution for the times); wall time from our own clock around it. `%M` is the `ru_maxrss` that `wait4` reports: the largest peak of any
//!   *single* process of the tree (the command and the children it waited for), not their sum.
//! - Python taskgraph forks a process per kind (its default on Linux), and those children run
//!   while the parent holds what the earlier kinds made. So each Python run is also sampled
//!   every 10 ms: the summed PSS (proportional set size: pages shared after the fork counted
//!   once) of every process under it. Python's peak is the larger of `%M` and that sum: the
//!   least it certainly used. Our stages are single processes: `%M` is exact for them.
//! - Each of our stages runs on its own saved input (the previous stage's output), so its own
//!   cost is visible; the pipeline's figures are the sums of the stages' (wall, CPU) and the
//!   largest stage (RSS). Each of our stages runs `--repeat` times (default 3), the fastest
//!   run counts; Python runs once (minutes at 50k tasks).
//! - The **floor** is one serde_json parse-and-write pass over the full graph (every line into
//!   a `Value` and back out), in a release build of this crate (`xtask floor`), in its own
//!   process under `/usr/bin/time` like a stage: the least a stage that reads and writes the
//!   whole graph as JSON can cost.
//! - **Linearity**: microseconds per task of each stage at each size; the last column divides
//!   the largest size's figure by the smallest's (1.0 is perfectly linear).
//! - The machine (CPU model, cores), the date and the load average before and after are
//!   printed with the tables: other work on the machine shows up in every figure.
//!
//! Synthetic configs come from `../shared/bench/gen_synthetic.py` (built-in transforms only);
//! real-world cases are `../shared/realworld/*`, pruned to their built-in kinds by
//! `check-python.sh` (which also runs Python `full` once, untimed, to check it can).

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One measured command.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measure {
    /// Wall seconds.
    pub wall: f64,
    /// User + system CPU seconds.
    pub cpu: f64,
    /// `ru_maxrss` (KiB): the largest single process.
    pub rss_kb: u64,
    /// Peak of the summed PSS of the process tree (KiB), sampled.
    pub tree_pss_kb: u64,
    /// Most processes seen at once.
    pub procs: usize,
}

impl Measure {
    /// The least memory the command certainly used at once (KiB).
    pub fn peak_kb(&self) -> u64 {
        self.rss_kb.max(self.tree_pss_kb)
    }
}

/// Options of a bench run.
pub struct BenchOptions {
    pub sizes: Vec<usize>,
    pub python: bool,
    pub realworld: bool,
    /// Runs of each of our stages (the fastest counts).
    pub repeat: usize,
}

/// Run `cmd` (stdin from `input`, stdout to `output`) under /usr/bin/time, sampling the
/// process tree's memory when `sample` is set.
fn measure(
    cmd: &[&str],
    cwd: &Path,
    env: &[(&str, String)],
    input: Option<&Path>,
    output: &Path,
    sample: bool,
) -> Result<Measure> {
    let stats = tempfile_path("time");
    let mut c = Command::new("/usr/bin/time");
    c.args(["-f", "%e %U %S %M", "-o"]).arg(&stats).args(cmd).current_dir(cwd);
    for (k, v) in env {
        c.env(k, v);
    }
    c.stdin(match input {
        Some(p) => Stdio::from(std::fs::File::open(p).with_context(|| format!("open {}", p.display()))?),
        None => Stdio::null(),
    });
    c.stdout(Stdio::from(std::fs::File::create(output)?));
    c.stderr(Stdio::piped());
    let start = Instant::now();
    let child = c.spawn().with_context(|| format!("cannot run {cmd:?}"))?;
    let sampler = sample.then(|| TreeSampler::start(child.id()));
    let out = child.wait_with_output()?;
    let wall = start.elapsed().as_secs_f64();
    let (tree_pss_kb, procs) = sampler.map(TreeSampler::finish).unwrap_or((0, 0));
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
    }
    let text = std::fs::read_to_string(&stats)?;
    let _ = std::fs::remove_file(&stats);
    let nums: Vec<f64> = text.lines().last().unwrap_or("").split_whitespace().filter_map(|n| n.parse().ok()).collect();
    let [_, user, system, rss_kb, ..] = nums[..] else {
        bail!("cannot read /usr/bin/time output: {text}");
    };
    // Wall from our own clock: `%e` has a resolution of 10 ms.
    Ok(Measure { wall, cpu: user + system, rss_kb: rss_kb as u64, tree_pss_kb, procs })
}

/// The fastest of `n` runs (its RSS is the largest seen, to stay on the safe side).
fn measure_best(
    n: usize,
    cmd: &[&str],
    cwd: &Path,
    env: &[(&str, String)],
    input: Option<&Path>,
    output: &Path,
) -> Result<Measure> {
    let mut best: Option<Measure> = None;
    for _ in 0..n.max(1) {
        let m = measure(cmd, cwd, env, input, output, false)?;
        best = Some(match best {
            None => m,
            Some(b) => Measure { rss_kb: b.rss_kb.max(m.rss_kb), ..if m.wall < b.wall { m } else { b } },
        });
    }
    Ok(best.unwrap_or_default())
}

/// Samples the summed PSS of every process below a pid (not the pid itself: that is
/// `/usr/bin/time`) every 10 ms, until finished.
struct TreeSampler {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<(u64, usize)>,
}

impl TreeSampler {
    fn start(root: u32) -> TreeSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let (mut peak, mut procs) = (0u64, 0usize);
            while !flag.load(Ordering::Relaxed) {
                let pids = descendants(root);
                procs = procs.max(pids.len());
                peak = peak.max(pids.iter().map(|&p| pss_kb(p)).sum());
                std::thread::sleep(Duration::from_millis(10));
            }
            (peak, procs)
        });
        TreeSampler { stop, handle }
    }

    fn finish(self) -> (u64, usize) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or((0, 0))
    }
}

/// Every process whose ancestry leads to `root` (excluded).
fn descendants(root: u32) -> Vec<u32> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // The command name may hold spaces and parentheses: the ppid follows the last ')'.
        let ppid =
            stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)).and_then(|p| p.parse().ok());
        if let Some(ppid) = ppid {
            children.entry(ppid).or_default().push(pid);
        }
    }
    let mut out = Vec::new();
    let mut queue = vec![root];
    while let Some(p) = queue.pop() {
        for &c in children.get(&p).map(Vec::as_slice).unwrap_or_default() {
            out.push(c);
            queue.push(c);
        }
    }
    out
}

/// A process's PSS (KiB), 0 once it is gone.
fn pss_kb(pid: u32) -> u64 {
    let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else { return 0 };
    text.lines()
        .find_map(|l| l.strip_prefix("Pss:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn tempfile_path(tag: &str) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("tg-bench-{tag}-{}-{n}", std::process::id()))
}

/// The `taskgraph` script of a Python with taskgraph 24.5.1: the current python3's (resolved
/// past pyenv shims, whose start-up would be timed too), else a venv in ~/.cache.
fn python_taskgraph() -> Result<PathBuf> {
    let script = "import sys, os, taskgraph; print(os.path.join(os.path.dirname(sys.executable), 'taskgraph'))";
    if let Ok(out) = Command::new("python3").args(["-c", script]).output() {
        let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && path.is_file() {
            return Ok(path);
        }
    }
    let venv = PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/tg-reference-venv");
    if !venv.join("bin/taskgraph").exists() {
        crate::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        crate::run(Command::new(venv.join("bin/pip")).args(["install", "-q", "taskcluster-taskgraph==24.5.1"]))?;
    }
    Ok(venv.join("bin/taskgraph"))
}

/// Our stages, in order: name, extra flags, input file, output file.
const STAGES: [(&str, &[&str], Option<&str>, &str); 5] = [
    ("load", &[], None, "items.jsonl"),
    ("transform", &[], Some("items.jsonl"), "full.jsonl"),
    ("resolve", &[], Some("full.jsonl"), "target.jsonl"),
    ("optimize", &["--index", "@INDEX", "--seed", "1"], Some("target.jsonl"), "optimized.jsonl"),
    ("morph", &["--seed", "1"], Some("optimized.jsonl"), "morphed.jsonl"),
];

/// Our stages, each on the previous one's saved output.
fn run_ours(bin: &Path, case: &Case, out: &Path, repeat: usize) -> Result<Vec<(&'static str, Measure)>> {
    let p = case.params.to_string_lossy().to_string();
    let empty_index = out.join("empty-index.json");
    std::fs::write(&empty_index, "{}")?;
    let idx = empty_index.to_string_lossy().to_string();
    let mut results = Vec::new();
    for (name, extra, input, output) in STAGES {
        let exe = bin.join(format!("tg-{name}")).to_string_lossy().to_string();
        let mut cmd: Vec<&str> = vec![&exe, "-q", "-r", "taskcluster", "-p", &p];
        cmd.extend(extra.iter().map(|a| if *a == "@INDEX" { idx.as_str() } else { a }));
        let input = input.map(|i| out.join(i));
        let env: Vec<(&str, String)> = case.env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let m = measure_best(repeat, &cmd, &case.work, &env, input.as_deref(), &out.join(output))?;
        results.push((name, m));
    }
    Ok(results)
}

/// The five stages piped together (`tg-load | ... | tg-morph`), as a user runs them: the stages
/// overlap where they can. CPU and RSS are the shell's tree's (the largest process for RSS).
fn run_piped(bin: &Path, case: &Case, out: &Path, repeat: usize) -> Result<Measure> {
    let quote = |p: &Path| format!("'{}'", p.to_string_lossy().replace('\'', "'\\''"));
    let params = quote(&case.params);
    let stages: Vec<String> = STAGES
        .iter()
        .map(|(name, extra, ..)| {
            let extra: Vec<String> = extra
                .iter()
                .map(|a| if *a == "@INDEX" { quote(&out.join("empty-index.json")) } else { a.to_string() })
                .collect();
            format!("{} -q -r taskcluster -p {params} {}", quote(&bin.join(format!("tg-{name}"))), extra.join(" "))
        })
        .collect();
    let script = format!("set -o pipefail; {}", stages.join(" | "));
    let env: Vec<(&str, String)> = case.env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    measure_best(repeat, &["bash", "-c", &script], &case.work, &env, None, &out.join("piped.jsonl"))
}

/// `tg-decision` on the case's work tree, dry run with an empty index: parameters from the
/// flags and git, the five stages, the docker contexts, the artifacts and the createTask
/// requests, as one decision task makes them.
fn run_decision(bin: &Path, root: &Path, case: &Case, out: &Path, repeat: usize) -> Result<Measure> {
    let tcyml = case.work.join(".taskcluster.yml");
    if !tcyml.exists() {
        std::fs::copy(root.join("kinds/.taskcluster.yml"), &tcyml)?;
    }
    let head = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(&case.work).output()?;
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let exe = bin.join("tg-decision").to_string_lossy().to_string();
    let queue = out.join("queue").to_string_lossy().to_string();
    let head_rev = format!("--head-rev={head}");
    let base_rev = format!("--base-rev={head}");
    let cmd: Vec<&str> = vec![
        &exe,
        "--project=bench",
        "--pushlog-id=0",
        "--pushdate=1700000000",
        "--owner=bench@example.com",
        "--level=1",
        "--repository-type=git",
        "--base-repository=https://github.com/example/bench",
        "--head-repository=https://github.com/example/bench",
        "--head-ref=main",
        "--tasks-for=github-push",
        &head_rev,
        &base_rev,
        "--index",
        "empty",
        "--dry-run",
        &queue,
    ];
    let mut env: Vec<(&str, String)> = case.env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    env.push(("TASK_ID", "dEcIsIoNtAsKiD0000000A".into()));
    if !env.iter().any(|(k, _)| *k == "TASKCLUSTER_ROOT_URL") {
        env.push(("TASKCLUSTER_ROOT_URL", "https://tc.example.com".into()));
    }
    let m = measure_best(repeat, &cmd, &case.work, &env, None, &out.join("decision.out"));
    for made in ["artifacts", "docker-contexts"] {
        let _ = std::fs::remove_dir_all(case.work.join(made));
    }
    m
}

/// `xtask floor`: parse every line of stdin into a `serde_json::Value` and write it to stdout.
pub fn floor_pass() -> Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut reader = std::io::BufReader::with_capacity(1 << 16, stdin.lock());
    let mut line = String::new();
    while reader.read_line(&mut line)? > 0 {
        let v: serde_json::Value = serde_json::from_str(&line)?;
        serde_json::to_writer(&mut out, &v)?;
        out.write_all(b"\n")?;
        line.clear();
    }
    out.flush()?;
    Ok(())
}

/// The floor on `full`, in a release build of this crate, best of `repeat`.
fn floor(xtask: &Path, full: &Path, out: &Path, repeat: usize) -> Result<Measure> {
    let exe = xtask.to_string_lossy().to_string();
    measure_best(repeat, &[&exe, "floor"], out, &[], Some(full), &out.join("floor.jsonl"))
}

/// Python taskgraph's `full` and `morphed` (empty index) on a case.
fn run_python(taskgraph: &Path, shared: &Path, case: &Case, out: &Path) -> (Option<Measure>, Option<Measure>, usize) {
    let tg = taskgraph.to_string_lossy().to_string();
    let p = case.params.to_string_lossy().to_string();
    let mut env: Vec<(&str, String)> = vec![("PYTHONHASHSEED", "0".to_string())];
    env.extend(case.env.iter().map(|(k, v)| (k.as_str(), v.clone())));
    let full_json = out.join("py-full.json");
    let full = measure(&[&tg, "full", "--json", "-p", &p], &case.work, &env, None, &full_json, true)
        .map_err(|e| eprintln!("bench: python full on {}: {e}", case.name))
        .ok();
    let count = std::fs::read_to_string(&full_json)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.as_object().map(|m| m.len()))
        .unwrap_or(0);
    env.push(("PYTHONPATH", shared.join("tools/python-empty-index").to_string_lossy().to_string()));
    let morphed =
        measure(&[&tg, "morphed", "--json", "-p", &p], &case.work, &env, None, &out.join("py-morphed.json"), true)
            .map_err(|e| eprintln!("bench: python morphed on {}: {e}", case.name))
            .ok();
    (full, morphed, count)
}

fn count_lines(p: &Path) -> usize {
    std::fs::File::open(p).map(|f| std::io::BufReader::new(f).lines().count()).unwrap_or(0)
}

/// A case: a git work tree with `taskcluster/`, a parameters file, environment for the run.
struct Case {
    name: String,
    /// Synthetic size asked for, for the linearity table.
    size: Option<usize>,
    work: PathBuf,
    params: PathBuf,
    env: Vec<(String, String)>,
}

fn synthetic_case(shared: &Path, n: usize) -> Result<Case> {
    let dir = std::env::temp_dir().join(format!("tg-bench-synthetic-{n}"));
    if !dir.join("taskcluster/config.yml").exists() {
        crate::run(
            Command::new("python3")
                .arg(shared.join("bench/gen_synthetic.py"))
                .arg(&dir)
                .args(["--tasks", &n.to_string()]),
        )?;
    }
    Ok(Case {
        name: format!("synthetic {n}"),
        size: Some(n),
        params: dir.join("parameters.yml"),
        work: dir,
        env: Vec::new(),
    })
}

/// A real-world case pruned to its built-in kinds (as `fidelity.py` does), with the
/// `TASKCLUSTER_ROOT_URL` its README names.
fn realworld_case(shared: &Path, name: &str) -> Result<Option<Case>> {
    let out = std::env::temp_dir().join(format!("tg-bench-rw-{name}"));
    let _ = std::fs::remove_dir_all(&out);
    let o = Command::new("bash")
        .arg(shared.join("realworld/check-python.sh"))
        .arg(name)
        .arg(&out)
        .env("KEEP", "1")
        .output()?;
    let stderr = String::from_utf8_lossy(&o.stderr);
    let Some(work) = stderr.lines().find_map(|l| l.strip_prefix("work tree: ")) else { return Ok(None) };
    let readme = std::fs::read_to_string(shared.join("realworld").join(name).join("README.txt")).unwrap_or_default();
    let root_url = readme
        .split("TASKCLUSTER_ROOT_URL=")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| c == ',' || c.is_whitespace()).next())
        .unwrap_or("https://tc.example.com")
        .to_string();
    Ok(Some(Case {
        name: format!("realworld {name}"),
        size: None,
        work: PathBuf::from(work.trim()),
        params: out.join("parameters.yml"),
        env: vec![("TASKCLUSTER_ROOT_URL".into(), root_url)],
    }))
}

fn mb(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 / 1024.0)
}

/// Seconds with a precision that suits them.
fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

/// What was measured on one case.
struct Row {
    case: String,
    size: Option<usize>,
    tasks: usize,
    python_tasks: usize,
    py_full: Option<Measure>,
    py_morphed: Option<Measure>,
    ours: Vec<(&'static str, Measure)>,
    piped: Measure,
    floor: Measure,
    decision: Option<Measure>,
}

impl Row {
    fn total(&self) -> Measure {
        Measure {
            wall: self.ours.iter().map(|(_, m)| m.wall).sum(),
            cpu: self.ours.iter().map(|(_, m)| m.cpu).sum(),
            rss_kb: self.ours.iter().map(|(_, m)| m.rss_kb).max().unwrap_or(0),
            ..Measure::default()
        }
    }
}

/// The machine, the date and the load: what every figure depends on.
fn machine_line() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|m| m.trim_start_matches([' ', '\t', ':']))
        .unwrap_or("?");
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok())
        .map_or("?".into(), |kb| format!("{:.0} GB", kb as f64 / 1024.0 / 1024.0));
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    format!("{model}, {cores} cores, {mem} RAM; {date}")
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// Entry point.
pub fn bench(root: &Path, opts: &BenchOptions) -> Result<()> {
    let shared = root.join("../shared");
    // Only what is measured: a broken crate elsewhere in the workspace does not stop the bench.
    crate::run(
        crate::cargo().args(["build", "--release", "-q", "--bins"]).args(
            [
                "tg-loader",
                "tg-transform",
                "tg-resolve",
                "tg-optimize",
                "tg-morph",
                "tg-submit",
                "tg-action",
                "tg-decision",
                "xtask",
            ]
            .iter()
            .flat_map(|p| ["-p", p]),
        ),
    )?;
    let bin = root.join("target/release");
    let xtask = bin.join("xtask");
    let taskgraph = if opts.python { Some(python_taskgraph()?) } else { None };
    let mut cases = Vec::new();
    for &n in &opts.sizes {
        cases.push(synthetic_case(&shared, n)?);
    }
    if opts.realworld {
        let mut names: Vec<String> = std::fs::read_dir(shared.join("realworld"))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| shared.join("realworld").join(n).join("parameters.yml").exists())
            .collect();
        names.sort();
        for name in names {
            if let Some(c) = realworld_case(&shared, &name)? {
                cases.push(c);
            }
        }
    }
    let machine = machine_line();
    let load_before = load_average();
    let mut rows = Vec::new();
    for case in &cases {
        eprintln!("bench: {} (load {})", case.name, load_average());
        let out = tempfile_path("out");
        std::fs::create_dir_all(&out)?;
        let ours = run_ours(&bin, case, &out, opts.repeat)?;
        let piped = run_piped(&bin, case, &out, opts.repeat)?;
        let floor = floor(&xtask, &out.join("full.jsonl"), &out, opts.repeat)?;
        let decision = run_decision(&bin, root, case, &out, opts.repeat)
            .map_err(|e| eprintln!("bench: tg-decision on {}: {e}", case.name))
            .ok();
        let (py_full, py_morphed, python_tasks) = match &taskgraph {
            Some(tg) => run_python(tg, &shared, case, &out),
            None => (None, None, 0),
        };
        rows.push(Row {
            case: case.name.clone(),
            size: case.size,
            tasks: count_lines(&out.join("full.jsonl")),
            python_tasks,
            py_full,
            py_morphed,
            ours,
            piped,
            floor,
            decision,
        });
        let _ = std::fs::remove_dir_all(&out);
        if case.size.is_none() {
            // The pruned copy check-python.sh kept for us, and its output directory.
            let _ = std::fs::remove_dir_all(&case.work);
            let _ = case.params.parent().map(std::fs::remove_dir_all);
        }
    }
    print_report(&rows, &machine, &load_before, &load_average());
    print_decision_table(&rows);
    Ok(())
}

fn print_decision_table(rows: &[Row]) {
    println!();
    println!("The whole decision: `tg-decision` (dry run, empty index: parameters, the stages on stream files,");
    println!(
        "docker contexts, artifacts, createTask requests) against Python `taskgraph full --json` (the graph alone)."
    );
    println!();
    println!("| case | Python `full` wall | tg-decision wall / CPU / max RSS | speed-up |");
    println!("|---|---|---|---|");
    for row in rows {
        let Some(d) = row.decision else { continue };
        let full = row.py_full.map_or("-".into(), |m| secs(m.wall));
        let speedup = row.py_full.map_or("-".into(), |m| format!("{:.1}×", m.wall / d.wall.max(1e-9)));
        println!("| {} | {full} | {} / {} / {} | {speedup} |", row.case, secs(d.wall), secs(d.cpu), mb(d.rss_kb));
    }
}

fn print_report(rows: &[Row], machine: &str, load_before: &str, load_after: &str) {
    println!("Machine: {machine}. Load average (1/5/15 min) before: {load_before}, after: {load_after}.");
    println!();
    println!("Ours: the sum of the five stages run one after the other, each on its saved input (wall, CPU) and the");
    println!("largest stage (RSS); \"piped\" is `tg-load | ... | tg-morph` in one shell pipeline. Speed-up: Python");
    println!("`morphed` wall over our summed wall.");
    println!();
    println!("| case | tasks (ours / Python) | Python `full` wall / CPU / peak | Python `morphed` wall / CPU / peak | ours load→morph wall / CPU / max RSS | ours piped wall | wall speed-up vs `morphed` | Python peak / our largest stage |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in rows {
        let total = row.total();
        let show = |m: Option<Measure>| {
            m.map_or("-".to_string(), |m| format!("{} / {} / {}", secs(m.wall), secs(m.cpu), mb(m.peak_kb())))
        };
        let speedup = row.py_morphed.map_or("-".into(), |m| format!("{:.1}×", m.wall / total.wall.max(1e-9)));
        let rss_ratio =
            row.py_morphed.map_or("-".into(), |m| format!("{:.1}×", m.peak_kb() as f64 / total.rss_kb.max(1) as f64));
        let py_tasks = if row.python_tasks > 0 { row.python_tasks.to_string() } else { "-".into() };
        println!(
            "| {} | {} / {py_tasks} | {} | {} | {} / {} / {} | {} | {speedup} | {rss_ratio} |",
            row.case,
            row.tasks,
            show(row.py_full),
            show(row.py_morphed),
            secs(total.wall),
            secs(total.cpu),
            mb(total.rss_kb),
            secs(row.piped.wall),
        );
    }
    println!();
    println!(
        "Python peak = max(`/usr/bin/time` %M, sampled summed PSS of its process tree); the tree's own %M and PSS:"
    );
    println!();
    println!("| case | `full` %M / tree PSS / processes | `morphed` %M / tree PSS / processes |");
    println!("|---|---|---|");
    for row in rows {
        let show = |m: Option<Measure>| {
            m.map_or("-".to_string(), |m| format!("{} / {} / {}", mb(m.rss_kb), mb(m.tree_pss_kb), m.procs))
        };
        println!("| {} | {} | {} |", row.case, show(row.py_full), show(row.py_morphed));
    }
    println!();
    println!("Per stage (fastest of the runs): wall / CPU / peak RSS; whole-graph stages also as a multiple of the floor's wall.");
    println!();
    println!("| case | floor | load | transform | resolve | optimize | morph |");
    println!("|---|---|---|---|---|---|---|");
    for row in rows {
        let cells: Vec<String> = row
            .ours
            .iter()
            .map(|(name, m)| {
                let rel = if matches!(*name, "resolve" | "optimize" | "morph") {
                    format!(" ({:.1}× floor)", m.wall / row.floor.wall.max(1e-9))
                } else {
                    String::new()
                };
                format!("{} / {} / {}{rel}", secs(m.wall), secs(m.cpu), mb(m.rss_kb))
            })
            .collect();
        println!(
            "| {} | {} / {} / {} | {} |",
            row.case,
            secs(row.floor.wall),
            secs(row.floor.cpu),
            mb(row.floor.rss_kb),
            cells.join(" | ")
        );
    }
    let synthetic: Vec<&Row> = rows.iter().filter(|r| r.size.is_some() && r.tasks > 0).collect();
    if synthetic.len() >= 2 {
        println!();
        println!("Linearity: wall µs per task at each size; the last column is the largest size's figure over the smallest's.");
        println!();
        let sizes: Vec<String> = synthetic.iter().map(|r| r.tasks.to_string()).collect();
        println!("| stage | {} | largest / smallest |", sizes.join(" | "));
        println!("|---|{}---|", "---|".repeat(sizes.len()));
        let mut lines: Vec<(String, Vec<f64>)> = Vec::new();
        for (i, (name, ..)) in STAGES.iter().enumerate() {
            lines.push((
                name.to_string(),
                synthetic.iter().map(|r| r.ours.get(i).map_or(f64::NAN, |o| o.1.wall) / r.tasks as f64 * 1e6).collect(),
            ));
        }
        lines.push(("pipeline".into(), synthetic.iter().map(|r| r.total().wall / r.tasks as f64 * 1e6).collect()));
        lines.push(("floor".into(), synthetic.iter().map(|r| r.floor.wall / r.tasks as f64 * 1e6).collect()));
        lines.push((
            "Python `morphed`".into(),
            synthetic.iter().map(|r| r.py_morphed.map_or(f64::NAN, |m| m.wall / r.tasks as f64 * 1e6)).collect(),
        ));
        for (name, per_task) in lines {
            let cells: Vec<String> =
                per_task.iter().map(|v| if v.is_nan() { "-".into() } else { format!("{v:.1}") }).collect();
            let ratio = match (per_task.first(), per_task.last()) {
                (Some(a), Some(b)) if a.is_finite() && b.is_finite() && *a > 0.0 => format!("{:.2}", b / a),
                _ => "-".into(),
            };
            println!("| {name} | {} | {ratio} |", cells.join(" | "));
        }
    }
}
