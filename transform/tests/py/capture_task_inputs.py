#!/usr/bin/env python3
"""Capture real inputs of taskgraph.transforms.task from a real-world repository.

    capture_task_inputs.py WORKTREE PARAMS FIXTURE_DIR NAME

WORKTREE is a pruned work tree made by shared/realworld/check-python.sh (KEEP=1 prints it),
PARAMS its parameters.yml (OUTDIR/parameters.yml of that run). This runs `taskgraph full` in
process with `taskgraph.transforms.task:transforms` wrapped so that the task dicts reaching it
(i.e. the outputs of every earlier transform of the kind) are recorded, and writes one fixture
file per kind, FIXTURE_DIR/rw-NAME-<kind>.json, one case per task (no expected outputs: run
run_transform.py --update on the files afterwards). The docker-image kind.yml and the
Dockerfiles (read by task.py for VOLUME lines) are copied to FIXTURE_DIR/roots/NAME/.

Environment as check-python.sh: PYTHONHASHSEED=0 TASKGRAPH_SERIAL=1 TASKCLUSTER_ROOT_URL=...
"""

import copy
import json
import os
import shutil
import sys


def main(worktree, params_path, fixture_dir, name):
    os.chdir(worktree)
    import taskgraph.transforms.task as task_mod  # noqa: PLC0415
    from taskgraph.generator import TaskGraphGenerator  # noqa: PLC0415
    from taskgraph.parameters import parameters_loader  # noqa: PLC0415

    recorded = {}
    original = task_mod.transforms

    def recording(config, tasks):
        tasks = list(tasks)
        recorded.setdefault(config.kind, {"config": config, "tasks": []})
        recorded[config.kind]["tasks"].extend(copy.deepcopy(tasks))
        yield from original(config, tasks)

    task_mod.transforms = recording
    params = parameters_loader(params_path, strict=False)
    gen = TaskGraphGenerator(root_dir="taskcluster", parameters=params)
    gen.full_task_graph  # noqa: B018 - runs every kind

    root_rel = os.path.join("roots", name)
    root_abs = os.path.join(fixture_dir, root_rel)
    src_root = os.path.join(worktree, "taskcluster")
    if os.path.isdir(os.path.join(src_root, "docker")):
        for dirpath, _, files in os.walk(os.path.join(src_root, "docker")):
            for f in files:
                if f == "Dockerfile":
                    rel = os.path.relpath(os.path.join(dirpath, f), src_root)
                    os.makedirs(os.path.dirname(os.path.join(root_abs, rel)), exist_ok=True)
                    shutil.copyfile(os.path.join(dirpath, f), os.path.join(root_abs, rel))
    kind_name = gen.graph_config.get("docker-image-kind", "docker-image")
    kind_yml = os.path.join(src_root, "kinds", kind_name, "kind.yml")
    if os.path.exists(kind_yml):
        dest = os.path.join(root_abs, "kinds", kind_name)
        os.makedirs(dest, exist_ok=True)
        shutil.copyfile(kind_yml, os.path.join(dest, "kind.yml"))

    for kind, rec in sorted(recorded.items()):
        config = rec["config"]
        cases = []
        for t in rec["tasks"]:
            case_name = t.get("label") or t.get("name") or f"#{len(cases)}"
            cases.append({"name": case_name, "input": [json.loads(json.dumps(t))]})
        fixture = {
            "about": f"inputs of taskgraph.transforms.task for kind {kind} of real-world repo {name}, "
            "captured by capture_task_inputs.py from check-python.sh's pruned work tree",
            "command": f"python3 transform/tests/py/run_transform.py --update transform/tests/fixtures/task/rw-{name}-{kind}.json",
            "transforms": ["taskgraph.transforms.task:transforms"],
            "kind": kind,
            "path": config.path,
            "kind_config": json.loads(json.dumps(config.config)),
            "graph_config": json.loads(json.dumps(gen.graph_config._config)),
            "root_dir": root_rel,
            "params": json.loads(json.dumps(dict(config.params))),
            "cases": cases,
        }
        out = os.path.join(fixture_dir, f"rw-{name}-{kind}.json")
        with open(out, "w") as fh:
            json.dump(fixture, fh, indent=1)
            fh.write("\n")
        print(f"{out}: {len(cases)} cases", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(*(os.path.abspath(a) if i < 3 else a for i, a in enumerate(sys.argv[1:])))
