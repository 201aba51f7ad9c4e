//! A hostile repository configuration cannot make tg-transform read outside the repository or
//! run a command (issue #11): docker image contexts (`definition`), files inside a context,
//! `# %include` lines and the files `hash_paths` (toolchain `resources`) matches must resolve,
//! symlinks and `..` included, inside the repository; a symlink inside it that points to a file
//! inside it keeps working and gives the same digest as a copy of that file. `exec:` transforms
//! run only when a kind's `transforms` list names them.
//!
//! Each test stages a copy of the example (`kinds/` as `taskcluster/` of a fresh git
//! repository) next to an `outside/` directory; without the confinement the refused cases
//! succeed, as they do in taskgraph 24.5.1, which follows such paths wherever they lead.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// tg-load's record of the example's `base` image.
const BASE_ITEM: &str =
    r#"{"kind":"docker-image","name":"base","item":{"symbol":"I(base)","task-from":"kind.yml","name":"base"}}"#;

/// A temp directory holding `repo/` (the staged example) and `outside/`; removed on drop.
struct Stage {
    dir: PathBuf,
}

impl Stage {
    fn new(name: &str) -> Stage {
        let dir = std::env::temp_dir().join(format!("tg-confine-transform-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("repo")).unwrap();
        std::fs::create_dir_all(dir.join("outside/ctx")).unwrap();
        std::fs::write(dir.join("outside/secret"), "secret outside the repository\n").unwrap();
        std::fs::write(dir.join("outside/ctx/Dockerfile"), "FROM scratch\n").unwrap();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kinds");
        let status = Command::new("cp").arg("-r").arg(&example).arg(dir.join("repo/taskcluster")).status().unwrap();
        assert!(status.success(), "copying {}", example.display());
        Stage { dir }
    }

    fn repo(&self) -> PathBuf {
        self.dir.join("repo")
    }

    fn base_context(&self) -> PathBuf {
        self.repo().join("taskcluster/docker/base")
    }

    /// Append a line to the `base` image's Dockerfile.
    fn append_to_dockerfile(&self, line: &str) {
        let file = self.base_context().join("Dockerfile");
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str(line);
        std::fs::write(file, text).unwrap();
    }

    /// Make `repo/` a one-commit git repository of everything in it.
    fn commit(&self) {
        let script = "git init -q && git add -A && git -c user.name=t -c user.email=t@example.com commit -qm stage";
        let out = Command::new("sh").args(["-c", script]).current_dir(self.repo()).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }

    /// `tg-transform -r taskcluster -p taskcluster/parameters.yml` in the repository, `items` on stdin.
    fn transform(&self, items: &str) -> Output {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_tg-transform"))
            .args(["-r", "taskcluster", "-p", "taskcluster/parameters.yml"])
            .current_dir(self.repo())
            .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(testkit::sealed(format!("{items}\n")).as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

impl Drop for Stage {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Exit 1, empty stdout, one error naming the kind, the task and `needle`.
fn assert_refused(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "no records on stdout: {}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.contains("kind docker-image, task base"), "names kind and task: {stderr}");
    assert!(stderr.contains(needle), "names {needle}: {stderr}");
}

#[test]
fn an_include_with_dotdot_is_refused() {
    let stage = Stage::new("include-dotdot");
    stage.append_to_dockerfile("# %include ../outside/secret\n");
    assert_refused(&stage.transform(BASE_ITEM), "../outside/secret");
}

#[test]
fn an_include_of_a_symlink_to_outside_is_refused() {
    let stage = Stage::new("include-symlink");
    symlink(stage.dir.join("outside/secret"), stage.repo().join("leak")).unwrap();
    stage.append_to_dockerfile("# %include leak\n");
    let out = stage.transform(BASE_ITEM);
    assert_refused(&out, "# %include leak");
    assert!(String::from_utf8_lossy(&out.stderr).contains("is outside the repository"));
}

#[test]
fn a_context_file_symlinked_outside_is_refused() {
    let stage = Stage::new("context-symlink");
    symlink(stage.dir.join("outside/secret"), stage.base_context().join("leak")).unwrap();
    let out = stage.transform(BASE_ITEM);
    assert_refused(&out, "docker/base/leak is outside the repository");
}

#[test]
fn a_dockerfile_symlinked_outside_is_refused() {
    let stage = Stage::new("dockerfile-symlink");
    let dockerfile = stage.base_context().join("Dockerfile");
    std::fs::remove_file(&dockerfile).unwrap();
    symlink(stage.dir.join("outside/ctx/Dockerfile"), &dockerfile).unwrap();
    assert_refused(&stage.transform(BASE_ITEM), "is outside the repository");
}

#[test]
fn a_definition_leading_outside_is_refused() {
    let stage = Stage::new("definition");
    let item = BASE_ITEM.replace(r#""name":"base"}"#, r#""name":"base","definition":"../../../outside/ctx"}"#);
    let out = stage.transform(&item);
    assert_refused(&out, "definition: ");
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside/ctx is outside the repository"));
}

#[test]
fn a_symlink_inside_the_repository_keeps_working_with_the_same_digest() {
    let stage = Stage::new("inside");
    std::fs::write(stage.repo().join("notes.txt"), "inside the repository\n").unwrap();
    std::fs::copy(stage.repo().join("notes.txt"), stage.base_context().join("notes.txt")).unwrap();
    let copied = stage.transform(BASE_ITEM);
    assert_eq!(copied.status.code(), Some(0), "{}", String::from_utf8_lossy(&copied.stderr));
    std::fs::remove_file(stage.base_context().join("notes.txt")).unwrap();
    symlink("../../../notes.txt", stage.base_context().join("notes.txt")).unwrap();
    let linked = stage.transform(BASE_ITEM);
    assert_eq!(linked.status.code(), Some(0), "{}", String::from_utf8_lossy(&linked.stderr));
    assert!(!linked.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&linked.stdout), String::from_utf8_lossy(&copied.stdout));
    // Included through a symlinked path inside the repository too.
    stage.append_to_dockerfile("# %include notes.txt\n");
    let included = stage.transform(BASE_ITEM);
    assert_eq!(included.status.code(), Some(0), "{}", String::from_utf8_lossy(&included.stderr));
}

#[test]
fn hash_paths_refuses_a_tracked_symlink_to_outside_and_follows_one_inside() {
    use tg_transform::util::hash::hash_paths;
    let stage = Stage::new("hash-paths");
    std::fs::write(stage.repo().join("res.txt"), "resource\n").unwrap();
    symlink("res.txt", stage.repo().join("res-link.txt")).unwrap();
    symlink(stage.dir.join("outside/secret"), stage.repo().join("res-leak.txt")).unwrap();
    stage.commit();
    let patterns = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    // A symlink inside the repository hashes like its target (taskgraph's hash_path opens it).
    let direct = hash_paths(&stage.repo(), &patterns(&["res.txt"])).unwrap();
    let via_link = hash_paths(&stage.repo(), &patterns(&["res-link.txt"])).unwrap();
    assert_ne!(direct, via_link, "the path is part of the digest");
    assert!(hash_paths(&stage.repo(), &patterns(&["res-*.txt"])).is_err());
    let err = hash_paths(&stage.repo(), &patterns(&["res-leak.txt"])).unwrap_err();
    assert_eq!(tg_core::error::exit_code_of(&err), 1);
    assert!(err.to_string().contains("res-leak.txt is outside the repository"), "{err}");
    // Globs still match the same files: `taskcluster/docker` lists every tracked file under it.
    assert!(hash_paths(&stage.repo(), &patterns(&["taskcluster/docker/**", "res-link.txt", "res.txt"])).is_ok());
}

#[test]
fn no_command_runs_unless_a_kind_lists_an_exec_transform() {
    let stage = Stage::new("exec");
    let marker = stage.dir.join("marker");
    let kind_yml = stage.repo().join("taskcluster/kinds/docker-image/kind.yml");
    let mut yaml = std::fs::read_to_string(&kind_yml).unwrap();
    yaml.push_str(&format!("exec: touch {m}\nrun: touch {m}\ncommand: $(touch {m})\n", m = marker.display()));
    std::fs::write(&kind_yml, yaml).unwrap();
    let m = marker.display();
    let hostile = format!(
        r#"{{"kind":"docker-image","name":"base","item":{{"symbol":"I(base)","task-from":"kind.yml","name":"base","args":{{"A":"$(touch {m})","B":"`touch {m}`"}},"description":"$(touch {m}); touch {m}"}}}}"#
    );
    let out = stage.transform(&hostile);
    assert!(!marker.exists(), "a command ran: {}", String::from_utf8_lossy(&out.stderr));

    // Control: the same harness sees a command run when a kind asks for one.
    std::fs::create_dir_all(stage.repo().join("taskcluster/kinds/probe")).unwrap();
    std::fs::write(
        stage.repo().join("taskcluster/kinds/probe/kind.yml"),
        format!("transforms: ['exec:touch {m}; cat']\ntasks: {{}}\n"),
    )
    .unwrap();
    let _ = stage.transform(r#"{"kind":"probe","name":"a","item":{"name":"a"}}"#);
    assert!(marker.exists(), "the control exec: transform ran");
}
