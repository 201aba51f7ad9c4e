#!/usr/bin/env python3
"""Run taskgraph (24.5.1) transform modules on the cases of fixture files.

Fixture file (JSON), one per module/topic under transform/tests/fixtures/<module>/:

    {
      "command":     how the expected outputs were made (this script's --update line),
      "transforms":  ["taskgraph.transforms.task:transforms", ...]   (applied in order),
      "kind":        kind name,
      "path":        TransformConfig.path (default "taskcluster/kinds/<kind>"),
      "kind_config": the parsed kind.yml (default {}),
      "graph_config": config.yml as a mapping,
      "root_dir":    graph config root (relative to the fixture file; default: a directory
                     that does not exist) -- docker/ and kinds/ are read from it,
      "repo_files":  {path: text} (optional): made into a temporary one-commit git repository
                     whose taskcluster/ is the root and which is the working directory
                     (for transforms that hash tracked files, e.g. toolchain scripts),
      "params":      the full parameters mapping,
      "env":         environment variables set while the transforms run (optional),
      "key_order":   "python" to store expected outputs in taskgraph's dict order instead of
                     sorted keys (optional; for tests that also check key order),
      "kind_dependencies_tasks": [Task.to_json() dicts] (optional),
      "cases": [
        {"name": ..., "input": [task dicts],
         "expected": [output dicts]          <- written by --update
         or "error": "ExcType: message"}     <- written by --update when taskgraph raises
      ]
    }

Usage:
    run_transform.py --update FIXTURE.json...   rewrite expected/error of every case in place
    run_transform.py FIXTURE.json               print {case name: output or error} as JSON

Each fixture file runs in its own process (taskgraph caches per graph config).
Run it from anywhere; it needs `import taskgraph` (24.5.1) only.
"""

import copy
import json
import os
import subprocess
import sys


def make_repo(files):
    """A temporary one-commit git repository with `files` ({path: text}); returns its path."""
    import tempfile  # noqa: PLC0415

    import atexit  # noqa: PLC0415
    import shutil  # noqa: PLC0415

    repo = tempfile.mkdtemp(prefix="tg-fixture-repo-")
    atexit.register(shutil.rmtree, repo, True)
    for rel, text in files.items():
        full = os.path.join(repo, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as fh:
            fh.write(text)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", repo], check=True)
    subprocess.run(git + ["-C", repo, "add", "-A"], check=True)
    subprocess.run(git + ["-C", repo, "commit", "-q", "-m", "fixture"], check=True)
    return repo


def run_file(path):
    # Imported here so that --update's parent process needs nothing.
    import taskgraph  # noqa: PLC0415
    from taskgraph.config import GraphConfig  # noqa: PLC0415
    from taskgraph.parameters import Parameters  # noqa: PLC0415
    from taskgraph.task import Task  # noqa: PLC0415
    from taskgraph.transforms.base import TransformConfig, TransformSequence  # noqa: PLC0415
    from taskgraph.util.python_path import find_object  # noqa: PLC0415

    assert taskgraph.__version__ == "24.5.1", taskgraph.__version__
    with open(path) as fh:
        fixture = json.load(fh)
    here = os.path.dirname(os.path.abspath(path))
    root_dir = os.path.join(here, fixture.get("root_dir", "no-such-root"))
    if fixture.get("repo_files"):
        # a throw-away git repository holding these files; it is the root's parent and the cwd
        root_dir = os.path.join(make_repo(fixture["repo_files"]), "taskcluster")
        os.chdir(os.path.dirname(root_dir))
    graph_config = GraphConfig(fixture["graph_config"], root_dir)
    params = Parameters(strict=False, **fixture["params"]) if fixture.get("params_strict") is False \
        else Parameters(**fixture["params"])
    kind = fixture["kind"]
    deps = {}
    for t in fixture.get("kind_dependencies_tasks", []):
        task = Task.from_json(t)
        deps[task.label] = task
    config = TransformConfig(
        kind,
        fixture.get("path", f"taskcluster/kinds/{kind}"),
        fixture.get("kind_config", {}),
        params,
        deps,
        graph_config,
        write_artifacts=False,
    )
    seq = TransformSequence()
    for name in fixture["transforms"]:
        if ":" not in name:
            name += ":transforms"
        seq.add(find_object(name))

    for k, v in fixture.get("env", {}).items():
        os.environ[k] = v
    results = {}
    for case in fixture["cases"]:
        try:
            out = list(seq(config, copy.deepcopy(case["input"])))
            # through JSON, as `taskgraph full --json` writes it
            results[case["name"]] = {"expected": json.loads(json.dumps(out))}
        except Exception as e:  # noqa: BLE001 - record whatever taskgraph raises
            results[case["name"]] = {"error": f"{type(e).__name__}: {e}"}
    return results


def update(paths):
    for path in paths:
        out = subprocess.run(
            [sys.executable, os.path.abspath(__file__), os.path.abspath(path)],
            check=False,
            capture_output=True,
            text=True,
            env={k: v for k, v in os.environ.items() if k not in ("TASK_ID", "TASKCLUSTER_PROXY_URL")},
            cwd="/",
        )
        if out.returncode != 0:
            sys.stderr.write(out.stderr)
            raise SystemExit(f"{path}: failed")
        results = json.loads(out.stdout)
        with open(path) as fh:
            fixture = json.load(fh)
        for case in fixture["cases"]:
            case.pop("expected", None)
            case.pop("error", None)
            case.update(results[case["name"]])
        with open(path, "w") as fh:
            json.dump(fixture, fh, indent=1, sort_keys=False)
            fh.write("\n")
        errors = sum(1 for c in fixture["cases"] if "error" in c)
        print(f"{path}: {len(fixture['cases'])} cases ({errors} errors)", file=sys.stderr)


def main(argv):
    if argv and argv[0] == "--update":
        update(argv[1:])
        return 0
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    results = run_file(argv[0])
    with open(argv[0]) as fh:
        # "key_order": "python" keeps taskgraph's dict order in the expected outputs
        keep_order = json.load(fh).get("key_order") == "python"
    json.dump(results, sys.stdout, sort_keys=not keep_order)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
