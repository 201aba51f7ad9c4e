#!/usr/bin/env python3
"""Write the fixture inputs of the docker_image, matrix, chunking, from_deps, task_context,
notify and code_review modules, then fill in their expected outputs with run_transform_tree.py
(taskgraph 24.5.1). Run from anywhere:

    python3 transform/tests/py/gen_fixtures_split_deps_docker.py

Inputs come from:
  * ../shared/realworld/<repo>: kind.yml through taskgraph's transform loader (the input of a
    kind's first transform), parameters.yml, config.yml, and the tasks of the kind's
    kind-dependencies taken from reference/full-task-graph.json (sorted by label, grouped by
    kind in `kind-dependencies` order);
  * the benchmark generator ../shared/bench/gen_synthetic.py (2 platforms), with the dependency
    tasks produced by taskgraph's own generator;
  * hand-written cases below (edge cases and errors).
"""

import copy
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(CRATE, "tests", "fixtures")
SHARED_REL = "../../shared"
SHARED = os.path.normpath(os.path.join(CRATE, SHARED_REL))
REAL = os.path.join(SHARED, "realworld")

sys.path.insert(0, HERE)
import run_transform_tree  # noqa: E402

from taskgraph.loader.transform import loader as transform_loader  # noqa: E402
from taskgraph.util.yaml import load_yaml  # noqa: E402

written = []


def write_fixture(module, case, data):
    """Store a fixture input and let run_transform.py fill in the expected result."""
    d = os.path.join(FIXTURES, module)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"{case}.json")
    fixture = {"description": data.pop("description", ""), "input": data}
    with open(path, "w") as fh:
        json.dump(fixture, fh, indent=1, ensure_ascii=False)
    run_transform_tree.main(["run_transform_tree.py", "--fixture", path])
    written.append(path)
    return path


def loader_tasks(kind_dir, kind_config, kind):
    """The items taskgraph's transform loader makes from a kind (JSON round-tripped)."""
    config = copy.deepcopy(kind_config)
    tasks = list(transform_loader(kind, kind_dir, config, {}, [], False))
    return json.loads(json.dumps(tasks))


def ref_tasks(repo, kinds):
    with open(os.path.join(REAL, repo, "reference", "full-task-graph.json")) as fh:
        graph = json.load(fh)
    out = []
    for kind in kinds:
        out += [graph[label] for label in sorted(graph) if graph[label]["kind"] == kind]
    return out


def trimmed(tasks):
    """Dependency tasks without their task definitions (these modules read only kind, label and
    attributes), to keep fixtures small."""
    return [dict(t, task={}) for t in tasks]


def real_case(repo, kind, modules, with_deps=True, extra=None):
    tc = os.path.join(REAL, repo, "config", "taskcluster")
    kind_dir = os.path.join(tc, "kinds", kind)
    kind_config = load_yaml(kind_dir, "kind.yml")
    with open(os.path.join(REAL, repo, "parameters.yml")) as fh:
        import yaml

        params = yaml.safe_load(fh)
    case = {
        "modules": modules,
        "kind": kind,
        "kind_config": kind_config,
        "graph_config": load_yaml(tc, "config.yml"),
        "params": params,
        "kind_dependencies_tasks": trimmed(ref_tasks(repo, kind_config.get("kind-dependencies", []))) if with_deps else [],
        "tasks": loader_tasks(kind_dir, kind_config, kind),
    }
    case.update(extra or {})
    return case


def missing_includes(repo):
    """Placeholders for '# %include' paths not stored in the data-only copy (as
    shared/realworld/check-python.sh makes them)."""
    root = os.path.join(REAL, repo, "config")
    tc = os.path.join(root, "taskcluster")
    kind = load_yaml(tc, "kinds", "docker-image", "kind.yml")
    missing = {}
    for name, spec in (kind.get("tasks") or {}).items():
        spec = spec or {}
        dockerfile = os.path.join(tc, "docker", spec.get("definition", name), "Dockerfile")
        if not os.path.exists(dockerfile):
            continue
        args = spec.get("args") or {}
        replace = []
        for line in open(dockerfile):
            if line.startswith("# %ARG"):
                p = line[len("# %ARG ") :].strip()
                if p in args:
                    replace.append((re.compile(rf"\${p}\b"), str(args[p])))
                continue
            for rx, s in replace:
                line = rx.sub(s, line)
            if line.startswith("# %include ") and line.strip() != "# %include-run-task":
                inc = line[len("# %include ") :].strip()
                if not os.path.exists(os.path.normpath(os.path.join(root, inc))):
                    missing.setdefault(inc, []).append(name)
    tree, seen = [], set()
    for inc in sorted(missing, key=lambda x: (-len(x), x)):
        norm = os.path.normpath(inc)
        if any(norm == s or s.startswith(norm + "/") for s in seen):
            continue
        seen.add(norm)
        tree.append({"path": norm, "mode": 0o644, "content": "placeholder: not part of the data-only copy\n"})
    return tree, sorted({n for names in missing.values() for n in names})


def realworld_fixtures():
    if not os.path.isdir(REAL):
        print(f"SKIPPED realworld fixtures: {REAL} not found", file=sys.stderr)
        return
    # docker_image: every repository with an in-tree docker-image kind.
    for repo in sorted(os.listdir(REAL)):
        if not os.path.exists(os.path.join(REAL, repo, "config", "taskcluster", "kinds", "docker-image", "kind.yml")):
            continue
        tree, placeholder_images = missing_includes(repo)
        case = real_case(
            repo,
            "docker-image",
            ["taskgraph.transforms.docker_image"],
            extra={"copy_tree": f"{SHARED_REL}/realworld/{repo}/config", "tree": tree},
        )
        case["description"] = (
            f"realworld {repo}: docker-image kind; repository copied with modes normalised to 0644/0755"
            + (f"; placeholders for missing includes of {placeholder_images}" if placeholder_images else "")
        )
        path = write_fixture("docker_image", f"realworld-{repo}", case)
        # Record which digests also equal the stored reference graph's (ground truth twice).
        with open(path) as fh:
            fixture = json.load(fh)
        reference = {t["label"]: t for t in ref_tasks(repo, ["docker-image"])}
        agree = {}
        for task in fixture.get("expected", []):
            ref = reference.get(task["label"])
            h = task["worker"]["env"]["HASH"]
            if ref and ref["task"]["payload"]["env"].get("HASH") == h:
                agree[task["label"]] = h
        fixture["reference_hashes"] = agree
        with open(path, "w") as fh:
            json.dump(fixture, fh, indent=1, ensure_ascii=False)
            fh.write("\n")

    write_fixture("matrix", "realworld-redo-test", dict(real_case("redo", "test", ["taskgraph.transforms.matrix"]),
                  description="realworld redo: test kind (matrix over python versions)"))
    for repo in ["scriptworker-scripts", "taskcluster", "taskgraph"]:
        for kind in ["tox", "client", "test"]:
            kd = os.path.join(REAL, repo, "config", "taskcluster", "kinds", kind, "kind.yml")
            if not os.path.exists(kd):
                continue
            kc = load_yaml(os.path.dirname(kd), "kind.yml")
            if not any(t.startswith("taskgraph.transforms.matrix") for t in kc.get("transforms", [])):
                continue
            if kc["transforms"][0].startswith("taskgraph.transforms.matrix"):
                write_fixture("matrix", f"realworld-{repo}-{kind}", dict(
                    real_case(repo, kind, ["taskgraph.transforms.matrix"]),
                    description=f"realworld {repo}: {kind} kind, matrix step"))
    for repo in ["balrog", "redo", "scriptworker-scripts", "taskcluster", "xpi-manifest"]:
        write_fixture("code_review", f"realworld-{repo}-pr", dict(
            real_case(repo, "pr", ["taskgraph.transforms.code_review"]),
            description=f"realworld {repo}: pr kind"))
    for repo, kind in [
        ("mozilla-vpn-client", "beetmover-ship"),
        ("mozilla-vpn-client", "mark-as-shipped"),
        ("mozilla-vpn-client", "signing"),
        ("mozilla-vpn-client", "repackage-signing"),
        ("taskgraph", "codecov"),
        ("taskgraph", "complete"),
        ("xpi-manifest", "dep-signing"),
        ("xpi-manifest", "beetmover"),
        ("xpi-manifest", "release-signing"),
        ("xpi-manifest", "test"),
    ]:
        write_fixture("from_deps", f"realworld-{repo}-{kind}", dict(
            real_case(repo, kind, ["taskgraph.transforms.from_deps"]),
            description=f"realworld {repo}: {kind} kind, from_deps step; dependency tasks from the reference graph"))


def bench_fixtures():
    gen = os.path.join(SHARED, "bench", "gen_synthetic.py")
    if not os.path.exists(gen):
        print(f"SKIPPED bench fixtures: {gen} not found", file=sys.stderr)
        return
    from taskgraph.generator import TaskGraphGenerator
    from taskgraph.parameters import Parameters
    import yaml

    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, gen, tmp, "--platforms", "2", "--no-git"], check=True, stdout=subprocess.DEVNULL)
        tc = os.path.join(tmp, "taskcluster")
        with open(os.path.join(tmp, "parameters.yml")) as fh:
            params = yaml.safe_load(fh)
        graph_config = load_yaml(tc, "config.yml")
        old = os.getcwd()
        os.chdir(tmp)
        try:
            tgg = TaskGraphGenerator(root_dir=tc, parameters=Parameters(strict=True, **params))
            full = tgg.full_task_set
            build_tasks = [dict(t.to_json(), task={}) for t in full.tasks.values() if t.kind == "build"]
        finally:
            os.chdir(old)
        build_tasks = json.loads(json.dumps(build_tasks))

        def case(kind, modules, deps):
            kind_dir = os.path.join(tc, "kinds", kind)
            kc = load_yaml(kind_dir, "kind.yml")
            return {
                "modules": modules,
                "kind": kind,
                "kind_config": kc,
                "graph_config": graph_config,
                "params": params,
                "kind_dependencies_tasks": deps,
                "tasks": loader_tasks(kind_dir, kc, kind),
            }

        write_fixture("matrix", "bench-build", dict(case("build", ["taskgraph.transforms.matrix"], []),
                      description="bench gen_synthetic.py --platforms 2: build kind, matrix with set-name"))
        write_fixture("matrix", "bench-test", dict(case("test", ["taskgraph.transforms.matrix"], build_tasks),
                      description="bench: test kind, matrix step"))
        write_fixture("task_context", "bench-test", dict(
            case("test", ["taskgraph.transforms.matrix", "taskgraph.transforms.task_context"], build_tasks),
            description="bench: test kind, matrix then task_context (keyed-by chunk count)"))
        write_fixture("chunking", "bench-test", dict(
            case("test", ["taskgraph.transforms.matrix", "taskgraph.transforms.task_context",
                          "taskgraph.transforms.chunking"], build_tasks),
            description="bench: test kind, matrix, task_context, then chunking"))
        write_fixture("from_deps", "bench-signing", dict(case("signing", ["taskgraph.transforms.from_deps"], build_tasks),
                      description="bench: signing kind (copy-attributes, fetches) over the build tasks made by taskgraph"))


from cases_split_deps_docker import synthetic_fixtures  # noqa: E402

if __name__ == "__main__":
    realworld_fixtures()
    bench_fixtures()
    synthetic_fixtures(write_fixture)
    print(f"{len(written)} fixtures written", file=sys.stderr)
