#!/usr/bin/env python3
"""Capture the real inputs of one taskgraph transform module from a real-world repository.

    capture_inputs.py WORKTREE PARAMS FIXTURE_DIR NAME MODULE [KIND...]

WORKTREE is a pruned work tree made by shared/realworld/check-python.sh (KEEP=1 prints it),
PARAMS its parameters.yml (OUTDIR/parameters.yml of that run), MODULE a taskgraph transform
module (e.g. taskgraph.transforms.run). This runs `taskgraph full` in process with
`MODULE:transforms` wrapped so that the task dicts reaching it in each kind (the outputs of
every earlier transform of that kind) are recorded, together with the kind's
kind_dependencies_tasks (as Task.to_json(), with `task` emptied: the modules read only their
kind, label, attributes and dependencies). It writes one fixture file per kind (only KINDs if
given), FIXTURE_DIR/rw-NAME-<kind>.json, with one case holding all of the kind's tasks (the
run and cached_tasks transforms look across tasks of a kind). Expected outputs are then made
by `run_transform.py --update` on the files.

Environment as check-python.sh: PYTHONHASHSEED=0 TASKGRAPH_SERIAL=1 TASKCLUSTER_ROOT_URL=...
"""

import copy
import importlib
import json
import os
import sys


def trimmed(task):
    t = task.to_json()
    t["task"] = {}
    return t


def main(worktree, params_path, fixture_dir, name, module, kinds):
    os.chdir(worktree)
    from taskgraph.generator import TaskGraphGenerator  # noqa: PLC0415
    from taskgraph.parameters import parameters_loader  # noqa: PLC0415

    mod = importlib.import_module(module)
    recorded = {}
    original = mod.transforms

    def recording(config, tasks):
        tasks = list(tasks)
        rec = recorded.setdefault(config.kind, {"config": config, "tasks": []})
        rec["tasks"].extend(copy.deepcopy(tasks))
        yield from original(config, tasks)

    mod.transforms = recording
    params = parameters_loader(params_path, strict=False)
    gen = TaskGraphGenerator(root_dir="taskcluster", parameters=params)
    gen.full_task_graph  # noqa: B018 - runs every kind

    short = module.rsplit(".", 1)[-1]
    os.makedirs(fixture_dir, exist_ok=True)
    for kind, rec in sorted(recorded.items()):
        if kinds and kind not in kinds:
            continue
        config = rec["config"]
        fixture = {
            "about": f"inputs of {module} for kind {kind} of real-world repo {name}, captured by "
            "capture_inputs.py from check-python.sh's pruned work tree",
            "command": f"python3 transform/tests/py/run_transform.py --update transform/tests/fixtures/{short}/rw-{name}-{kind}.json",
            "transforms": [f"{module}:transforms"],
            "key_order": "python",
            "kind": kind,
            "path": config.path,
            "kind_config": json.loads(json.dumps(config.config)),
            "graph_config": json.loads(json.dumps(gen.graph_config._config)),
            "params": json.loads(json.dumps(dict(config.params))),
            "env": {"TASKCLUSTER_ROOT_URL": os.environ.get("TASKCLUSTER_ROOT_URL", "")},
            "kind_dependencies_tasks": [trimmed(t) for t in config.kind_dependencies_tasks.values()],
            "cases": [{"name": kind, "input": json.loads(json.dumps(rec["tasks"]))}],
        }
        out = os.path.join(fixture_dir, f"rw-{name}-{kind}.json")
        with open(out, "w") as fh:
            json.dump(fixture, fh, indent=1)
            fh.write("\n")
        print(f"{out}: {len(rec['tasks'])} tasks", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) < 6:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    args = sys.argv[1:]
    main(os.path.abspath(args[0]), os.path.abspath(args[1]), os.path.abspath(args[2]), args[3], args[4], args[5:])
