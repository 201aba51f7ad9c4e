#!/usr/bin/env python3
"""Run taskgraph 24.5.1 transform modules on given input dicts, optionally inside a repository
tree built for the occasion (docker contexts, task-context files); print the output as JSON.

This makes the expected outputs of the fixtures of docker_image, matrix, chunking, from_deps,
task_context, notify and code_review (transform/tests/fixtures/<module>/*.json); the Rust side is
transform/tests/it/fixture_tree/mod.rs. (run_transform.py is the sibling harness with
several cases per file and no file trees.)

Usage (relative paths in a case resolve against the transform crate directory):

    run_transform_tree.py CASE.json            print {"output": [...]} or {"error": "..."}
    run_transform_tree.py --fixture FIX.json   run FIX["input"], store FIX["expected"] (or
                                               FIX["expected_error"]) and FIX["command"] in place

A case (FIX["input"]) is a mapping:

    modules       list of module names run in sequence, e.g. ["taskgraph.transforms.matrix"]
    kind          the kind's name
    kind_config   the parsed kind.yml (default {})
    graph_config  config.yml as a mapping (default: REPO/taskcluster/config.yml, if any)
    params        parameters, used as given (taskgraph's Parameters(strict=True, **params))
    kind_dependencies_tasks   list of tasks in Task.to_json() shape, in load order
    tasks         the input dicts
    copy_tree     optional: a directory copied as the repository root REPO, file modes normalised
                  to 0644/0755 as a git checkout has them (as shared/realworld/check-python.sh does)
    tree          optional: files added to REPO (after copy_tree):
                  [{"path": "taskcluster/docker/x/Dockerfile", "mode": 420, "content": "..."},
                   {"path": "a/link", "symlink": "target"}]
    chdir_root    when true, run with REPO as the working directory (taskgraph reads
                  task-context files relative to it)

REPO is a fresh temporary directory (not a VCS checkout); the taskgraph root is REPO/taskcluster,
so the repository root taskgraph derives is REPO, and the kind path is REPO/taskcluster/kinds/<kind>.
"""

import copy
import json
import os
import shutil
import stat
import sys
import tempfile
import traceback

CRATE_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build_tree(case, repo):
    """Copy the case's copy_tree into `repo` and write its tree entries."""
    if "copy_tree" in case:
        src = os.path.join(CRATE_DIR, case["copy_tree"])
        shutil.copytree(src, repo, symlinks=True, dirs_exist_ok=True)
        for root, dirs, files in os.walk(repo):
            for d in dirs:
                p = os.path.join(root, d)
                if not os.path.islink(p):
                    os.chmod(p, 0o755)
            for name in files:
                p = os.path.join(root, name)
                if os.path.islink(p):
                    continue
                exe = os.stat(p).st_mode & stat.S_IXUSR
                os.chmod(p, 0o755 if exe else 0o644)
    for entry in case.get("tree", []):
        path = os.path.join(repo, entry["path"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if "symlink" in entry:
            os.symlink(entry["symlink"], path)
        else:
            with open(path, "wb") as fh:
                fh.write(entry.get("content", "").encode("utf-8"))
            os.chmod(path, entry.get("mode", 0o644))


def run_case(case):
    from taskgraph.config import GraphConfig
    from taskgraph.parameters import Parameters
    from taskgraph.task import Task
    from taskgraph.transforms.base import TransformConfig
    from taskgraph.util.python_path import find_object
    from taskgraph.util.yaml import load_yaml

    tmp = tempfile.mkdtemp(prefix="run-transform-tree-")
    old_cwd = os.getcwd()
    try:
        repo = os.path.join(tmp, "repo")
        os.makedirs(repo)
        build_tree(case, repo)
        root = os.path.join(repo, "taskcluster")
        graph_config = case.get("graph_config")
        if graph_config is None:
            cfg = os.path.join(root, "config.yml")
            graph_config = load_yaml(cfg) if os.path.exists(cfg) else {}
        kind = case["kind"]
        if case.get("chdir_root"):
            os.chdir(repo)
        config = TransformConfig(
            kind=kind,
            path=os.path.join(root, "kinds", kind),
            config=case.get("kind_config", {}),
            params=Parameters(strict=True, **case.get("params", {})),
            kind_dependencies_tasks={
                t["label"]: Task.from_json(t) for t in case.get("kind_dependencies_tasks", [])
            },
            graph_config=GraphConfig(graph_config, root),
            write_artifacts=False,
        )
        tasks = case["tasks"]
        for module in case["modules"]:
            ref = module if ":" in module else module + ":transforms"
            tasks = find_object(ref)(config, tasks)
        # through JSON, as `taskgraph full --json` writes it
        return {"output": json.loads(json.dumps(list(tasks)))}
    except Exception as e:  # the error itself is the expected result
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{type(e).__name__}: {e}"}
    finally:
        os.chdir(old_cwd)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    if len(argv) == 3 and argv[1] == "--fixture":
        path = argv[2]
        with open(path) as fh:
            fixture = json.load(fh)
        result = run_case(copy.deepcopy(fixture["input"]))  # transforms mutate their input
        fixture.pop("expected", None)
        fixture.pop("expected_error", None)
        rel = os.path.relpath(os.path.abspath(path), CRATE_DIR)
        fixture["command"] = (
            f"python3 tests/py/run_transform_tree.py --fixture {rel}   (from transform/; "
            "inputs: tests/py/gen_fixtures_split_deps_docker.py; taskgraph 24.5.1)"
        )
        if "error" in result:
            fixture["expected_error"] = result["error"]
        else:
            fixture["expected"] = result["output"]
        with open(path, "w") as fh:
            json.dump(fixture, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
        outcome = "error" if "error" in result else f"{len(result['output'])} tasks"
        print(f"{path}: {outcome}", file=sys.stderr)
        return 0
    if len(argv) == 2:
        with open(argv[1]) as fh:
            case = json.load(fh)
        json.dump(run_case(case), sys.stdout, indent=1, ensure_ascii=False)
        print()
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
