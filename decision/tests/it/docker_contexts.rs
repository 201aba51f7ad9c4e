//! The docker-context tarballs of the decision (`tg-transform --docker-contexts`) against Python
//! taskgraph 24.5.1's (`write_artifacts=True`): byte for byte, on the example and on every
//! real-world case with in-tree images.

use crate::common::{copy_dir, git};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A git checkout of `root` as `taskcluster/`, without the project's register hook (the
/// docker-image kind needs no project code; the real cases' trees do not hold their packages).
fn checkout(name: &str, root: &Path) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tg-contexts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(root, &dir.join("taskcluster"));
    let config = dir.join("taskcluster/config.yml");
    let text = std::fs::read_to_string(&config).unwrap();
    let kept: String =
        text.lines().filter(|l| !l.trim_start().starts_with("register:")).map(|l| format!("{l}\n")).collect();
    std::fs::write(&config, kept).unwrap();
    for args in [&["init", "-q"][..], &["add", "-A"], &["commit", "-qm", "x"]] {
        git(&dir, args);
    }
    dir
}

/// The stage binaries: beside this test's profile directory.
fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().join(name)
}

/// (file name, bytes) of each tarball in `dir`, sorted.
fn tarballs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| {
                let e = e.unwrap();
                (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap())
            })
            .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn cases() -> Vec<(String, PathBuf, PathBuf)> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut cases = vec![("example".to_string(), repo.join("kinds"), repo.join("kinds/parameters.yml"))];
    let realworld = repo.join("../shared/realworld");
    if let Ok(entries) = std::fs::read_dir(&realworld) {
        let mut names: Vec<String> = entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        for name in names {
            let root = realworld.join(&name).join("config/taskcluster");
            if root.join("kinds/docker-image").is_dir() {
                cases.push((name.clone(), root, realworld.join(&name).join("parameters.yml")));
            }
        }
    } else {
        testkit::require(false, "../shared/realworld not found (the real-world cases)");
    }
    cases
}

fn run_python(script: &Path, params: &Path, dir: &Path) -> std::process::Output {
    Command::new("python3")
        .arg(script)
        .args(["taskcluster".as_ref(), params.as_os_str()])
        .current_dir(dir)
        .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
        .output()
        .unwrap()
}

#[test]
fn docker_contexts_are_pythons_byte_for_byte() {
    if testkit::python_taskgraph().is_none() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python_docker_contexts.py");
    let mut compared = 0;
    for (name, root, params) in cases() {
        let ours = checkout(&format!("{name}-ours"), &root);
        let theirs = checkout(&format!("{name}-python"), &root);
        // The real cases' trees hold only `taskcluster/`: a context that `# %include`s a file of
        // the repository gets an empty stand-in, in both checkouts.
        let mut py = run_python(&script, &params, &theirs);
        for _ in 0..10 {
            let err = String::from_utf8_lossy(&py.stderr).into_owned();
            let Some(missing) = err.lines().last().and_then(|l| l.split("extra include path does not exist: ").nth(1))
            else {
                break;
            };
            let stand_in = |dir: &Path| -> bool {
                let path = dir.join(missing.trim());
                std::fs::create_dir_all(path.parent().unwrap()).is_ok() && std::fs::write(path, "").is_ok()
            };
            if !(stand_in(&ours) && stand_in(&theirs)) {
                break;
            }
            py = run_python(&script, &params, &theirs);
        }
        if !py.status.success() {
            // A case whose project code Python needs and this tree lacks: nothing to compare.
            eprintln!(
                "{name}: python could not build the images: {}",
                String::from_utf8_lossy(&py.stderr).lines().last().unwrap_or_default()
            );
            continue;
        }
        let items = Command::new(bin("tg-load"))
            .args(["-r", "taskcluster", "-k", "docker-image", "--allow-unknown-parameters", "-p"])
            .arg(&params)
            .current_dir(&ours)
            .output()
            .unwrap();
        assert!(items.status.success(), "{name}: tg-load: {}", String::from_utf8_lossy(&items.stderr));
        let items_file = ours.join("items.jsonl");
        std::fs::write(&items_file, &items.stdout).unwrap();
        let transform = Command::new(bin("tg-transform"))
            .args(["-r", "taskcluster", "--allow-unknown-parameters", "--docker-contexts", "docker-contexts", "-i"])
            .arg(&items_file)
            .arg("-p")
            .arg(&params)
            .current_dir(&ours)
            .env("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
            .output()
            .unwrap();
        assert!(transform.status.success(), "{name}: tg-transform: {}", String::from_utf8_lossy(&transform.stderr));
        let (a, b) = (tarballs(&ours.join("docker-contexts")), tarballs(&theirs.join("docker-contexts")));
        let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b), "{name}: the same images");
        for ((file, ours_bytes), (_, python_bytes)) in a.iter().zip(&b) {
            assert!(
                ours_bytes == python_bytes,
                "{name}: {file} differs from Python's ({} vs {} bytes)",
                ours_bytes.len(),
                python_bytes.len()
            );
            compared += 1;
        }
        let _ = std::fs::remove_dir_all(&ours);
        let _ = std::fs::remove_dir_all(&theirs);
    }
    eprintln!("{compared} docker-context tarballs identical to Python's");
    assert!(compared >= 3, "the example alone has three images");
}
