//! `cargo xtask bench`: our pipeline against Python taskgraph 24.5.1 on the same inputs, in the
//! same run, on this machine. Wall time, CPU time (user+sys) and peak RSS come from GNU
//! `/usr/bin/time`; each of our stages runs on its own saved input so its own cost is visible.
//! The floor is one serde_json parse-and-write pass over the full graph: the least any stage
//! that reads and writes JSON lines can cost.

use anyhow::{bail, Context, Result};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// One measured command.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measure {
    pub wall: f64,
    pub cpu: f64,
    pub rss_kb: u64,
}

/// Options of a bench run.
pub struct BenchOptions {
    pub sizes: Vec<usize>,
    pub python: bool,
    pub realworld: bool,
}

/// Run `cmd` (stdin from `input`, stdout to `output`) under /usr/bin/time.
fn measure(cmd: &[&str], cwd: &Path, env: &[(&str, String)], input: Option<&Path>, output: &Path) -> Result<Measure> {
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
    let out = c.output().with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or(""));
    }
    let text = std::fs::read_to_string(&stats)?;
    let _ = std::fs::remove_file(&stats);
    let nums: Vec<f64> = text.lines().last().unwrap_or("").split_whitespace().filter_map(|n| n.parse().ok()).collect();
    if nums.len() < 4 {
        bail!("cannot read /usr/bin/time output: {text}");
    }
    Ok(Measure { wall: nums[0], cpu: nums[1] + nums[2], rss_kb: nums[3] as u64 })
}

fn tempfile_path(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("tg-bench-{tag}-{}-{}", std::process::id(), Instant::now().elapsed().as_nanos()))
}

/// The Python with taskgraph 24.5.1: the current python3 if it has it, else a venv in ~/.cache.
fn python_taskgraph() -> Result<PathBuf> {
    let ok = Command::new("python3").args(["-c", "import taskgraph"]).status().is_ok_and(|s| s.success());
    if ok {
        let out = Command::new("python3").args(["-c", "import shutil;print(shutil.which('taskgraph') or '')"]).output()?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !path.is_empty() {
            return Ok(PathBuf::from(path));
        }
    }
    let venv = PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/tg-reference-venv");
    if !venv.join("bin/taskgraph").exists() {
        crate::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        crate::run(Command::new(venv.join("bin/pip")).args(["install", "-q", "taskcluster-taskgraph==24.5.1"]))?;
    }
    Ok(venv.join("bin/taskgraph"))
}

/// Our stages, each on the previous one's saved output. Returns per-stage measures.
fn run_ours(bin: &Path, work: &Path, params: &Path, out: &Path) -> Result<Vec<(&'static str, Measure)>> {
    let root = "taskcluster";
    let p = params.to_string_lossy().to_string();
    let empty_index = out.join("empty-index.json");
    std::fs::write(&empty_index, "{}")?;
    let idx = empty_index.to_string_lossy().to_string();
    let stages: [(&str, Vec<String>, Option<&str>, &str); 5] = [
        ("tg-load", vec![], None, "items.jsonl"),
        ("tg-transform", vec![], Some("items.jsonl"), "full.jsonl"),
        ("tg-resolve", vec![], Some("full.jsonl"), "target.jsonl"),
        ("tg-optimize", vec!["--index".into(), idx, "--seed".into(), "1".into()], Some("target.jsonl"), "optimized.jsonl"),
        ("tg-morph", vec![], Some("optimized.jsonl"), "morphed.jsonl"),
    ];
    let mut results = Vec::new();
    for (name, extra, input, output) in stages {
        let exe = bin.join(name).to_string_lossy().to_string();
        let mut cmd: Vec<&str> = vec![&exe, "-q", "-r", root, "-p", &p];
        cmd.extend(extra.iter().map(String::as_str));
        let input = input.map(|i| out.join(i));
        let m = measure(&cmd, work, &[], input.as_deref(), &out.join(output))?;
        results.push((name, m));
    }
    Ok(results)
}

/// The floor: parse every line of `full` with serde_json and write it back out.
fn floor(full: &Path) -> Result<f64> {
    let start = Instant::now();
    let f = std::io::BufReader::new(std::fs::File::open(full)?);
    let mut sink = std::io::BufWriter::new(std::io::sink());
    for line in f.lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        serde_json::to_writer(&mut sink, &v)?;
        sink.write_all(b"\n")?;
    }
    sink.flush()?;
    Ok(start.elapsed().as_secs_f64())
}

fn count_lines(p: &Path) -> usize {
    std::fs::read_to_string(p).map(|s| s.lines().count()).unwrap_or(0)
}

/// A case: a git work tree with `taskcluster/` and a parameters file.
struct Case {
    name: String,
    work: PathBuf,
    params: PathBuf,
}

fn synthetic_case(shared: &Path, n: usize) -> Result<Case> {
    let dir = std::env::temp_dir().join(format!("tg-bench-synthetic-{n}"));
    if !dir.join("taskcluster/config.yml").exists() {
        crate::run(Command::new("python3").arg(shared.join("bench/gen_synthetic.py")).arg(&dir).args(["--tasks", &n.to_string()]))?;
    }
    Ok(Case { name: format!("synthetic {n}"), params: dir.join("parameters.yml"), work: dir })
}

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
    Ok(Some(Case { name: format!("realworld {name}"), work: PathBuf::from(work.trim()), params: out.join("parameters.yml") }))
}

fn fmt_rss(kb: u64) -> String {
    format!("{:.0} MB", kb as f64 / 1024.0)
}

/// Entry point.
pub fn bench(root: &Path, opts: &BenchOptions) -> Result<()> {
    let shared = root.join("../shared");
    crate::run(crate::cargo().args(["build", "--release", "--bins", "-q"]))?;
    let bin = root.join("target/release");
    let taskgraph = if opts.python { Some(python_taskgraph()?) } else { None };
    let mut cases = Vec::new();
    for &n in &opts.sizes {
        cases.push(synthetic_case(&shared, n)?);
    }
    if opts.realworld {
        for entry in std::fs::read_dir(shared.join("realworld"))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if shared.join("realworld").join(&name).join("parameters.yml").exists() {
                if let Some(c) = realworld_case(&shared, &name)? {
                    cases.push(c);
                }
            }
        }
    }
    println!("| case | tasks | python full | python morphed (wall/cpu/rss) | ours load→morph (wall/cpu/max rss) | speed-up vs morphed | rss ratio | floor | stages (wall s) |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for case in &cases {
        let out = tempfile_path("out");
        std::fs::create_dir_all(&out)?;
        let ours = run_ours(&bin, &case.work, &case.params, &out)?;
        let tasks = count_lines(&out.join("full.jsonl"));
        let wall: f64 = ours.iter().map(|(_, m)| m.wall).sum();
        let cpu: f64 = ours.iter().map(|(_, m)| m.cpu).sum();
        let rss = ours.iter().map(|(_, m)| m.rss_kb).max().unwrap_or(0);
        let floor = floor(&out.join("full.jsonl"))?;
        let stages: Vec<String> = ours.iter().map(|(n, m)| format!("{} {:.3}", n.trim_start_matches("tg-"), m.wall)).collect();
        let (py_full, py_morphed) = match &taskgraph {
            Some(tg) => {
                let tg = tg.to_string_lossy().to_string();
                let p = case.params.to_string_lossy().to_string();
                let env = vec![("PYTHONHASHSEED", "0".to_string())];
                let full = measure(&[&tg, "full", "--json", "-p", &p], &case.work, &env, None, &out.join("py-full.json")).ok();
                let mut env_m = env.clone();
                env_m.push(("PYTHONPATH", shared.join("tools/python-empty-index").to_string_lossy().to_string()));
                let morphed = measure(&[&tg, "morphed", "--json", "-p", &p], &case.work, &env_m, None, &out.join("py-morphed.json")).ok();
                (full, morphed)
            }
            None => (None, None),
        };
        let show = |m: Option<Measure>| m.map_or("-".to_string(), |m| format!("{:.2}s / {:.2}s / {}", m.wall, m.cpu, fmt_rss(m.rss_kb)));
        let speedup = py_morphed.map_or("-".into(), |m| format!("{:.1}×", m.wall / wall.max(1e-9)));
        let rss_ratio = py_morphed.map_or("-".into(), |m| format!("1/{:.1}", m.rss_kb as f64 / rss.max(1) as f64));
        println!(
            "| {} | {tasks} | {} | {} | {wall:.3}s / {cpu:.3}s / {} | {speedup} | {rss_ratio} | {floor:.3}s | {} |",
            case.name,
            show(py_full),
            show(py_morphed),
            fmt_rss(rss),
            stages.join(", ")
        );
        let _ = std::fs::remove_dir_all(&out);
    }
    Ok(())
}
