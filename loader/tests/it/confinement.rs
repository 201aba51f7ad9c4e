//! A hostile `kind.yml` cannot make tg-load read outside the repository (issue #11): a
//! `tasks-from` path with `..`, a `tasks-from` file that is a symlink to a file outside, a kind
//! directory that is a symlink to outside, all exit 1 naming the kind and the path, with nothing
//! on stdout. A symlink inside the repository to another file inside it keeps working.
//!
//! Each test stages a copy of the example (`kinds/` as `taskcluster/` of a fresh git
//! repository) next to an `outside/` directory that holds valid YAML, so that without the
//! confinement the loads would succeed (taskgraph 24.5.1 reads these files wherever they are).

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Tasks a hostile kind would pull in from outside the repository.
const OUTSIDE_TASKS: &str = "stolen:\n    description: read from outside the repository\n";

/// A temp directory holding `repo/` (the staged example) and `outside/`; removed on drop.
struct Stage {
    dir: PathBuf,
}

impl Stage {
    fn new(name: &str) -> Stage {
        let dir = std::env::temp_dir().join(format!("tg-confine-load-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo")).unwrap();
        std::fs::create_dir_all(dir.join("outside")).unwrap();
        std::fs::write(dir.join("outside/tasks.yml"), OUTSIDE_TASKS).unwrap();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kinds");
        let status = Command::new("cp").arg("-r").arg(&example).arg(dir.join("repo/taskcluster")).status().unwrap();
        assert!(status.success(), "copying {}", example.display());
        let status = Command::new("git").args(["init", "-q"]).current_dir(dir.join("repo")).status().unwrap();
        assert!(status.success(), "git init");
        Stage { dir }
    }

    fn repo(&self) -> PathBuf {
        self.dir.join("repo")
    }

    fn kind_dir(&self, kind: &str) -> PathBuf {
        self.repo().join("taskcluster/kinds").join(kind)
    }

    /// Append `text` to a kind's kind.yml.
    fn append_to_kind(&self, kind: &str, text: &str) {
        let file = self.kind_dir(kind).join("kind.yml");
        let mut yaml = std::fs::read_to_string(&file).unwrap();
        assert!(!yaml.contains("tasks-from"), "{} already has tasks-from", file.display());
        yaml.push_str(text);
        std::fs::write(file, yaml).unwrap();
    }

    /// `tg-load -r taskcluster -p taskcluster/parameters.yml` run in the repository.
    fn load(&self) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tg-load"))
            .args(["-r", "taskcluster", "-p", "taskcluster/parameters.yml"])
            .current_dir(self.repo())
            .output()
            .unwrap()
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Exit 1, empty stdout, one error naming the kind, `path` and the confinement.
fn assert_refused(out: &Output, kind: &str, path: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "no records on stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.contains(&format!("kind {kind}")), "names the kind: {stderr}");
    assert!(stderr.contains(path), "names the path {path}: {stderr}");
    assert!(stderr.contains("is outside the repository"), "{stderr}");
}

#[test]
fn tasks_from_etc_passwd_is_refused() {
    // Four levels up from the kind directory is the stage directory (no etc/passwd there: a
    // missing path outside is refused too); sixteen reach the real /etc/passwd.
    for (n, levels) in [4, 16].into_iter().enumerate() {
        let stage = Stage::new(&format!("passwd{n}"));
        let path = format!("{}etc/passwd", "../".repeat(levels));
        stage.append_to_kind("lint", &format!("tasks-from: ['{path}']\n"));
        assert_refused(&stage.load(), "lint", &path);
    }
}

#[test]
fn tasks_from_dotdot_to_valid_yaml_outside_is_refused() {
    let stage = Stage::new("dotdot");
    stage.append_to_kind("lint", "tasks-from: ['../../../../outside/tasks.yml']\n");
    assert_refused(&stage.load(), "lint", "../../../../outside/tasks.yml");
}

#[test]
fn tasks_from_absolute_path_outside_is_refused() {
    let stage = Stage::new("absolute");
    let outside = stage.dir.join("outside/tasks.yml");
    stage.append_to_kind("lint", &format!("tasks-from: ['{}']\n", outside.display()));
    assert_refused(&stage.load(), "lint", &outside.display().to_string());
}

#[test]
fn tasks_from_symlink_to_a_file_outside_is_refused() {
    let stage = Stage::new("symlink-out");
    symlink(stage.dir.join("outside/tasks.yml"), stage.kind_dir("lint").join("more.yml")).unwrap();
    stage.append_to_kind("lint", "tasks-from: [more.yml]\n");
    assert_refused(&stage.load(), "lint", "more.yml");
}

#[test]
fn a_kind_directory_symlinked_outside_is_refused() {
    let stage = Stage::new("kind-dir");
    let evil = stage.dir.join("outside/evil");
    std::fs::create_dir_all(&evil).unwrap();
    std::fs::write(evil.join("kind.yml"), format!("tasks:\n  {}", OUTSIDE_TASKS.replace('\n', "\n  "))).unwrap();
    symlink(&evil, stage.kind_dir("evil")).unwrap();
    assert_refused(&stage.load(), "evil", "evil/kind.yml");
}

#[test]
fn a_symlink_inside_the_repository_to_a_file_inside_keeps_working() {
    let stage = Stage::new("symlink-in");
    std::fs::write(stage.repo().join("shared-tasks.yml"), "shared:\n    description: shared by symlink\n").unwrap();
    symlink("../../../shared-tasks.yml", stage.kind_dir("lint").join("more.yml")).unwrap();
    stage.append_to_kind("lint", "tasks-from: [more.yml]\n");
    let out = stage.load();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let shared: Vec<&str> = stdout.lines().filter(|l| l.contains(r#""name":"shared""#)).collect();
    assert_eq!(shared.len(), 1, "{stdout}");
    let record: serde_json::Value = serde_json::from_str(shared[0]).unwrap();
    assert_eq!(record["kind"], "lint");
    assert_eq!(record["item"]["task-from"], "more.yml");
    assert_eq!(record["item"]["description"], "shared by symlink");
}
