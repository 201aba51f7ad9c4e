#!/usr/bin/env python3
"""Write the synthetic ("zoo") fixture files of the run, fetch and cached_tasks modules:

    transform/tests/fixtures/{run,fetch,cached_tasks}/zoo-*.json

Inputs are written here by hand to reach the branches the real-world repositories do not
(generic-worker on Windows/macOS/Bitbar, toolchain-script, index-search, always-optimized,
checkout mappings with several repositories, caches, fetches of every sort, errors, ...).
Expected outputs come from taskgraph 24.5.1 itself:

    python3 transform/tests/py/make_run_zoo.py
    python3 transform/tests/py/run_transform.py --update transform/tests/fixtures/{run,fetch,cached_tasks}/zoo-*.json
"""

import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "fixtures")

PARAMS = {
    "base_ref": "refs/heads/main",
    "base_repository": "https://github.com/example/zoo",
    "base_rev": "0123456789abcdef0123456789abcdef01234567",
    "build_date": 1767225600,
    "build_number": 1,
    "do_not_optimize": [],
    "enable_always_target": True,
    "existing_tasks": {},
    "files_changed": [],
    "filters": ["target_tasks_method"],
    "head_ref": "refs/heads/main",
    "head_repository": "https://github.com/example/zoo",
    "head_rev": "f303f38cd4a78ec2b2607034c140f6b0cb12a24f",
    "head_tag": "",
    "level": "3",
    "moz_build_date": "20260101000000",
    "next_version": None,
    "optimize_strategies": None,
    "optimize_target_tasks": True,
    "owner": "nobody@mozilla.com",
    "project": "zoo",
    "pushdate": 1767225600,
    "pushlog_id": "0",
    "repository_type": "git",
    "target_tasks_method": "default",
    "tasks_for": "github-push",
    "version": None,
}


def alias(impl, os_, wt):
    return {"provisioner": "zoo-{level}", "implementation": impl, "os": os_, "worker-type": wt}


GRAPH_CONFIG = {
    "trust-domain": "zoo",
    "task-priority": "low",
    "treeherder": {"group-names": {"Fetch": "Fetch tasks"}},
    "taskgraph": {"repositories": {"ci": {"name": "Zoo"}}},
    "workers": {
        "aliases": {
            "b-linux": alias("docker-worker", "linux", "b-linux"),
            "images": alias("docker-worker", "linux", "images"),
            "b-win": alias("generic-worker", "windows", "win"),
            "b-mac": alias("generic-worker", "macosx", "mac"),
            "b-gl": alias("generic-worker", "linux", "gl"),
            "bitbar": alias("generic-worker", "linux-bitbar", "bitbar"),
            "t-.*": alias("docker-worker", "linux", "t"),
        }
    },
}

MULTI_REPO_CONFIG = copy.deepcopy(GRAPH_CONFIG)
MULTI_REPO_CONFIG["taskgraph"]["repositories"] = {
    "ci": {"name": "Zoo", "project-regex": "zoo$"},
    "other": {
        "name": "Other",
        "project-regex": "nothing$",
        "default-repository": "https://github.com/example/other",
        "default-ref": "main",
        "type": "git",
        "ssh-secret-name": "project/zoo/other-key",
    },
}


def dep_task(kind, label, attributes, dependencies=None):
    return {
        "kind": kind,
        "label": label,
        "description": "",
        "attributes": attributes,
        "dependencies": dependencies or {},
        "soft_dependencies": [],
        "if_dependencies": [],
        "optimization": None,
        "task": {},
    }


FETCH_DEPS = [
    dep_task("fetch", "fetch-node", {"fetch-artifact": "public/node.tar.zst", "fetch-alias": "nodejs",
                                     "cached_task": {"type": "content.v1", "name": "node", "digest": "d1"}}),
    dep_task("fetch", "fetch-secret-sdk", {"fetch-artifact": "project/zoo/sdk/sdk.tar.zst",
                                           "cached_task": {"type": "content.v1", "name": "secret-sdk", "digest": "d2"}}),
    dep_task("toolchain", "toolchain-clang", {"toolchain-artifact": "public/build/clang.tar.zst",
                                              "toolchain-alias": "clang-latest",
                                              "toolchain-env": {"CC": "clang", "CXX": "clang++"},
                                              "cached_task": {"type": "toolchains.v3", "name": "clang", "digest": "d3"}}),
    dep_task("toolchain", "toolchain-rust", {"toolchain-artifact": "public/build/rust.tar.zst",
                                             "cached_task": {"type": "toolchains.v3", "name": "rust", "digest": "d4"}}),
    dep_task("build", "build-linux", {"artifact_prefix": "private/build"}),
    dep_task("build", "build-public", {}),
    dep_task("docker-image", "docker-image-python", {"image_name": "python",
                                                     "cached_task": {"type": "docker-images.v2", "name": "python", "digest": "d5"}}),
]


def rt(name, worker_type="b-linux", **extra):
    """A run-task run description."""
    task = {
        "name": name,
        "description": f"zoo {name}",
        "worker-type": worker_type,
        "worker": {"docker-image": {"in-tree": "python"}, "max-run-time": 600} if worker_type == "b-linux" else {"max-run-time": 600},
        "run": {"using": "run-task", "command": "make test"},
    }
    run = extra.pop("run", {})
    task["run"].update(run)
    task.update(extra)
    return task


def fixture(module, name, about, cases, transforms=None, kind="test", graph_config=None, params=None,
            deps=None, **extra):
    f = {
        "about": about,
        "command": "python3 transform/tests/py/make_run_zoo.py && python3 transform/tests/py/run_transform.py "
        f"--update transform/tests/fixtures/{module}/{name}.json",
        "transforms": transforms or [f"taskgraph.transforms.{module}:transforms"],
        "key_order": "python",
        "kind": kind,
        "path": f"taskcluster/kinds/{kind}",
        "kind_config": {},
        "graph_config": graph_config or GRAPH_CONFIG,
        "params": params or PARAMS,
        "env": {"TASKCLUSTER_ROOT_URL": "https://tc.example.com/"},
        "kind_dependencies_tasks": FETCH_DEPS if deps is None else deps,
    }
    f.update(extra)
    f["cases"] = [{"name": n, "input": i} for n, i in cases]
    os.makedirs(os.path.join(FIX, module), exist_ok=True)
    with open(os.path.join(FIX, module, f"{name}.json"), "w") as fh:
        json.dump(f, fh, indent=1)
        fh.write("\n")


def run_cases():
    cases = [
        ("docker-string-command", [rt("a", run={"cwd": "{checkout}/sub/../x", "run-as-root": True})]),
        ("docker-list-command", [rt("b", run={"command": ["python", {"task-reference": "<build>/x"}, "-v"],
                                              "checkout": False, "cwd": "/tmp", "workdir": "/home/w",
                                              "use-caches": True})]),
        ("docker-all-caches-checkout", [rt("c", run={"use-caches": True})]),
        ("docker-some-caches", [rt("d", run={"use-caches": ["pip", "uv"]})]),
        ("docker-no-caches", [rt("e", run={"use-caches": False})]),
        ("docker-custom-run-task-command", [rt("f", run={"run-task-command": ["python3", "/usr/bin/run-task"],
                                                         "exec-with": "powershell"})]),
        ("docker-task-reference-command", [rt("g", run={"command": {"task-reference": "echo <build>"}},
                                              dependencies={"build": "build-public"})]),
        ("generic-linux", [rt("h", "b-gl", run={"cwd": "{checkout}"})]),
        ("generic-linux-fetches", [rt("i", "b-gl", fetches={"fetch": ["node"]})]),
        ("generic-windows", [rt("j", "b-win", run={"cwd": "{checkout}/a", "use-caches": ["checkout", "pip"]})]),
        ("generic-windows-list", [rt("j2", "b-win", run={"command": ["a", "b c"], "run-as-root": True})]),
        ("generic-mac", [rt("k", "b-mac", run={"command": ["make", "check"], "run-as-root": True,
                                                "run-task-command": []})]),
        ("generic-task-reference-command", [rt("k2", "b-gl", run={"command": {"task-reference": "x <build>"}},
                                               dependencies={"build": "build-public"})]),
        ("bitbar", [rt("l", "bitbar", run={"checkout": False})]),
        ("always-optimized", [{"name": "m", "description": "m", "worker-type": "always-optimized",
                               "run": {"using": "always-optimized"}}]),
        ("index-search", [{"name": "n", "description": "n", "worker-type": "always-optimized",
                           "run": {"using": "index-search",
                                   "index-search": ["zoo.v2.{project}.level-{level}.latest", "zoo.{head_rev}"]}}]),
        ("succeed-worker", [{"name": "n2", "description": "n", "worker-type": "succeed",
                             "run": {"using": "run-task", "command": "x"}}]),
        ("when-files-changed", [rt("o", when={"files-changed": ["src/**", "*.py"]}, **{"task-from": "extra.yml"})]),
        ("when-kind-yml", [rt("o2", when={"files-changed": []}, **{"task-from": "kind.yml"})]),
        ("when-empty", [rt("o3", when={})]),
        ("label-and-name", [rt("p", label="custom-label"), dict(rt("q"), name="")]),
        ("label-only", [dict({k: v for k, v in rt("r").items() if k != "name"}, label="only-label")]),
        ("tags-and-worker", [rt("s", tags={"team": "zoo"}, worker={"env": {"A": "1"}, "max-run-time": 5})]),
        ("fetches-all-sorts", [rt("t", fetches={
            "toolchain": ["rust", {"artifact": "clang-latest", "dest": "clang", "extract": False}],
            "fetch": [{"artifact": "secret-sdk", "verify-hash": True}, "nodejs"],
            "build": ["target.tar.gz", {"artifact": "a/b.zip", "dest": "x", "extract": None}],
            "docker-image": ["image.tar"],
        }, dependencies={"build": "build-linux", "docker-image": "docker-image-python"},
            scopes=["queue:get-artifact:project/zoo/sdk/*"])]),
        ("fetches-public-build", [rt("u", fetches={"build": ["x.zip"]}, dependencies={"build": "build-public"})]),
        ("fetches-empty", [rt("v", fetches={})]),
        ("fetches-in-kind", [
            rt("w2", fetches={"test": ["out.txt"]}, dependencies={"test": "test-w1"}),
            rt("w1", attributes={"artifact_prefix": "private/w1"}),
        ]),
        ("fetches-env-merges", [rt("x", worker={"env": {"CC": "gcc", "KEEP": "1"}},
                                   fetches={"toolchain": ["clang"]})]),
        ("use-caches-from-config", [rt("y", "b-gl")]),
        ("optimization-passes", [rt("z", optimization={"index-search": ["a.b"]})]),
        ("run-extra-fields", [rt("z2", run={"extra-field": 1, "sparse-profile": None})]),
        ("priority-and-misc", [rt("z3", priority="high", requires="all-resolved", **{
            "run-on-projects": {"by-x": {"default": []}}, "shipping-phase": "build", "always-target": True,
            "index": {"product": "p", "job-name": "j", "rank": 3}, "treeherder": {"symbol": "Z(z3)", "tier": 2}})]),
        # errors
        ("err-unknown-using", [rt("e1", run={"using": "bare"})]),
        ("err-using-on-wrong-impl", [{"name": "e2", "description": "e", "worker-type": "always-optimized",
                                      "run": {"using": "run-task", "command": "x"}}]),
        ("err-missing-fetch", [rt("e3", fetches={"fetch": ["nope"]})]),
        ("err-no-dependency", [rt("e4", fetches={"build": ["x"]})]),
        ("err-unknown-dependency", [rt("e5", fetches={"build": ["x"]}, dependencies={"build": "build-nope"})]),
        ("err-cwd-without-checkout", [rt("e6", run={"checkout": False, "cwd": "{checkout}/x"})]),
        ("err-when-and-optimization", [rt("e7", when={"files-changed": ["a"]}, optimization={"skip-unless-changed": ["b"]})]),
        ("err-when-unknown-field", [rt("e8", when={"files": ["a"]})]),
        ("err-command-type", [rt("e9", run={"command": 5})]),
        ("err-command-bad-ref", [rt("e10", run={"command": [{"task-reference": "a", "artifact-reference": "b"}]})]),
        ("err-no-name-no-label", [{k: v for k, v in rt("e11").items() if k != "name"}]),
        ("err-description-missing", [{k: v for k, v in rt("e12").items() if k != "description"}]),
        ("err-worker-implementation", [rt("e13", worker={"implementation": "docker-worker"})]),
        ("err-always-optimized-extra", [{"name": "e14", "description": "e", "worker-type": "always-optimized",
                                         "run": {"using": "always-optimized", "workdir": "/x"}}]),
        ("err-index-search-missing", [{"name": "e15", "description": "e", "worker-type": "always-optimized",
                                       "run": {"using": "index-search"}}]),
        ("err-unknown-worker-type", [rt("e16", "nope")]),
        ("err-use-caches-bad", [rt("e17", run={"use-caches": ["nope"]})]),
        ("err-fetch-entry-field", [rt("e18", fetches={"fetch": [{"artifact": "node", "bogus": 1}]})]),
        ("err-bad-priority", [rt("e19", priority="urgent")]),
        ("err-exec-with", [rt("e20", run={"exec-with": "zsh"})]),
        ("err-run-as-root-type", [rt("e21", run={"run-as-root": "yes"})]),
        ("err-tags-type", [rt("e22", tags={"a": 1})]),
        ("err-windows-task-reference-list", [rt("e23", "b-win", run={"command": ["a", {"task-reference": "<x>"}]})]),
    ]
    fixture("run", "zoo-run", "synthetic run descriptions (run-task, always-optimized, index-search, fetches, errors)",
            cases)

    gc = copy.deepcopy(GRAPH_CONFIG)
    gc["taskgraph"]["run"] = {"use-caches": ["checkout", "npm", "cargo"]}
    gc["taskgraph"]["cached-task-prefix"] = "zoo.v2.zoo"
    fixture("run", "zoo-run-project-caches", "taskgraph.run.use-caches from config.yml",
            [("project-caches", [rt("a"), rt("b", "b-gl"), rt("c", "b-win", run={"use-caches": ["cargo"]})])],
            graph_config=gc)

    fixture("run", "zoo-run-multi-repo", "several repositories: checkout mappings and their errors", [
        ("checkout-mapping", [rt("a", run={"checkout": {"ci": {}, "other": {"path": "other", "head_ref": "dev"}}})]),
        ("checkout-one-of-two", [rt("b", "b-gl", run={"checkout": {"other": {}}})]),
        ("checkout-windows", [rt("c", "b-win", run={"checkout": {"ci": {"path": "zoo"}}, "cwd": "{checkout}"})]),
        ("checkout-false", [rt("d", run={"checkout": False})]),
        ("err-checkout-true", [rt("e", run={"checkout": True})]),
        ("err-checkout-unknown-repo", [rt("f", run={"checkout": {"nope": {}}})]),
        ("err-checkout-bad-field", [rt("g", run={"checkout": {"ci": {"bogus": 1}}})]),
    ], graph_config=MULTI_REPO_CONFIG)

    many = copy.deepcopy(MULTI_REPO_CONFIG)
    for n in ["alpha", "beta", "gamma-x", "delta", "epsilon", "zeta"]:
        many["taskgraph"]["repositories"][n] = {
            "name": n.title(), "project-regex": "none$", "default-repository": f"https://github.com/example/{n}",
            "default-ref": "main", "type": "git"}
    fixture("run", "zoo-run-many-repos", "eight repositories: the checkout cache name hashes a Python set", [
        ("checkout-two", [rt("a", run={"checkout": {"ci": {}, "zeta": {"path": "z"}}}),
                          rt("b", "b-gl", run={"checkout": {"beta": {}}})]),
    ], graph_config=many)

    pr = dict(PARAMS, tasks_for="github-pull-request", level="1", head_ref="refs/heads/feature")
    fixture("run", "zoo-run-level1", "level 1 parameters (MOZ_SCM_LEVEL, index-search templates)", [
        ("level1", [rt("a"), {"name": "n", "description": "n", "worker-type": "always-optimized",
                              "run": {"using": "index-search", "index-search": ["zoo.level-{level}.{tasks_for}"]}}]),
    ], params=pr)


TOOLCHAIN_FILES = {
    "taskcluster/config.yml": "trust-domain: zoo\n",
    "taskcluster/scripts/toolchain/build-clang.sh": "#!/bin/sh\necho clang\n",
    "taskcluster/scripts/toolchain/build-win.ps1": "Write-Output win\n",
    "taskcluster/scripts/toolchain/mac.sh": "#!/bin/sh\necho mac\n",
    "build/resources/a.txt": "a\n",
    "build/resources/b.txt": "b\n",
    "build/other/c.txt": "c\n",
}


def tc(name, worker_type="b-linux", **run):
    r = {"using": "toolchain-script", "script": "build-clang.sh",
         "toolchain-artifact": f"public/build/{name}.tar.zst"}
    r.update(run)
    task = {"name": name, "description": f"toolchain {name}", "worker-type": worker_type,
            "worker": {"max-run-time": 3600, "env": {}}, "run": r}
    if worker_type == "b-linux":
        task["worker"]["docker-image"] = {"in-tree": "python"}
    return task


def toolchain_cases():
    cases = [
        ("docker-basic", [tc("clang")]),
        ("docker-resources-arguments", [tc("clang-args", resources=["build/resources"], arguments=["--x", "y z"],
                                           **{"toolchain-alias": "clang-alias", "toolchain-env": {"CC": "c"}})]),
        ("docker-default-image", [dict(tc("noimg"), worker={"env": {}})]),
        ("docker-own-artifacts", [dict(tc("own"), worker={"env": {}, "artifacts": [
            {"name": "public/build", "path": "/out", "type": "directory"}]})]),
        ("docker-alias-list", [tc("aliases", **{"toolchain-alias": ["a1", "a2"]})]),
        ("generic-windows-ps1", [tc("win", "b-win", script="build-win.ps1", arguments=["a b", "c"])]),
        ("generic-mac", [tc("mac", "b-mac", script="mac.sh", arguments=["--one"], resources=["build/**/*.txt"])]),
        ("generic-mac-no-args", [tc("mac2", "b-mac", script="mac.sh")]),
        ("in-kind-fetches", [
            tc("second", fetches={"toolchain": ["first-alias"], "fetch": ["node"]}),
            tc("first", **{"toolchain-alias": "first-alias"}),
        ]),
        ("err-missing-resource", [tc("bad", resources=["build/nope"])]),
        ("err-missing-script", [tc("bad2", script="nope.sh")]),
        ("err-no-artifact", [{"name": "bad3", "description": "d", "worker-type": "b-linux",
                              "worker": {"env": {}}, "run": {"using": "toolchain-script", "script": "build-clang.sh"}}]),
    ]
    fixture("run", "zoo-toolchain", "toolchain-script (run, then cached_tasks), hashing a temporary git repository",
            cases, transforms=["taskgraph.transforms.run:transforms", "taskgraph.transforms.cached_tasks:transforms"],
            kind="toolchain", repo_files=TOOLCHAIN_FILES)


def fe(name, **fetch):
    return {"name": name, "description": f"fetch {name}", "fetch": fetch}


SHA = "209d13481be406d6a2aa9519fa61c84883e3213308b5628c43a5e94cae75b8e6"
REV = "f303f38cd4a78ec2b2607034c140f6b0cb12a24f"


def fetch_cases():
    cases = [
        ("static-url-basic", [fe("a", type="static-url", url="https://x.org/dl/a-1.0.tar.gz", sha256=SHA, size=12)]),
        ("static-url-all", [fe("b", type="static-url", url="https://x.org/dl/b.zip", sha256=SHA, size=3,
                               **{"artifact-name": "b.tar.zst", "strip-components": 1, "add-prefix": "b/",
                                  "headers": {"User-Agent": "Zoo", "X-A": "1"}})]),
        ("static-url-zero-strip", [fe("c", type="static-url", url="https://x.org/c", sha256=SHA, size=0,
                                      **{"strip-components": 0, "add-prefix": ""})]),
        ("git-basic", [fe("d", type="git", repo="https://github.com/a/repo/", revision=REV)]),
        ("git-all", [fe("e", type="git", repo="https://github.com/a/repo", revision=REV + "extra",
                        **{"path-prefix": "src", "artifact-name": "src.tar.zst", "include-dot-git": True,
                           "ssh-key": "project/zoo/key"})]),
        ("task-fields", [dict(fe("f", type="static-url", url="https://x.org/f", sha256=SHA, size=1),
                              **{"fetch-alias": "eff", "artifact-prefix": "project/zoo", "attributes": {"x": 1},
                                 "expires-after": "2 days", "docker-image": {"in-tree": "other"},
                                 "task-from": "f.yml"})]),
        ("err-unknown-type", [fe("g", type="ftp", url="x")]),
        ("err-bad-revision", [fe("h", type="git", repo="https://x/r", revision="main")]),
        ("err-gpg", [fe("i", type="static-url", url="https://x.org/i", sha256=SHA, size=1,
                        **{"gpg-signature": {"sig-url": "{url}.asc", "key-path": "keys/k.asc"}})]),
        ("err-missing-size", [fe("j", type="static-url", url="https://x.org/j", sha256=SHA)]),
        ("err-unknown-field", [dict(fe("k", type="git", repo="r", revision=REV), env={})]),
        ("err-size-type", [fe("l", type="static-url", url="https://x.org/l", sha256=SHA, size="1")]),
    ]
    fixture("fetch", "zoo-fetch", "synthetic fetch tasks (static-url, git, errors)", cases, kind="fetch", deps=[])
    gc = copy.deepcopy(GRAPH_CONFIG)
    del gc["treeherder"]
    gc["task-expires-after"] = "90 days"
    gc["taskgraph"]["cached-task-prefix"] = "zoo.v2.zoo"
    pr = dict(PARAMS, tasks_for="github-pull-request", level="1")
    fixture("fetch", "zoo-fetch-level1-pr", "level 1, pull request, no treeherder, cached-task-prefix", cases[:6],
            kind="fetch", deps=[], graph_config=gc, params=pr)
    fixture("fetch", "zoo-fetch-then-run", "fetch then run: the whole fetch kind sequence before task.py",
            cases[:6], transforms=["taskgraph.transforms.fetch:transforms", "taskgraph.transforms.run:transforms"],
            kind="fetch", deps=[])


def cached_cases():
    def ct(label, deps=None, cot=None, name=None):
        t = {"label": label, "description": "d", "attributes": {}, "worker": {},
             "cache": {"type": "toolchains.v3", "name": name or label, "digest-data": ["x", label]}}
        if deps is not None:
            t["dependencies"] = deps
        if cot is not None:
            t["worker"]["chain-of-trust"] = cot
        return t
    cases = [
        ("basic", [ct("toolchain-a")]),
        ("no-cache", [{"label": "toolchain-b", "description": "d", "attributes": {}}]),
        ("chain", [ct("toolchain-c", {"a": "toolchain-d", "b": "toolchain-e"}), ct("toolchain-d", {"f": "fetch-node"}),
                   ct("toolchain-e", cot=True)]),
        ("kind-dependency-digests", [ct("toolchain-g", {"x": "fetch-node", "y": "docker-image-python"}, cot=True)]),
        ("chain-of-trust-false", [ct("toolchain-h", cot=False)]),
        ("routes-appended", [dict(ct("toolchain-i"), routes=["index.a.b"])]),
        ("err-uncached-parent", [ct("toolchain-j", {"x": "build-linux"})]),
        ("err-in-kind-uncached", [ct("toolchain-k", {"x": "toolchain-l"}),
                                  {"label": "toolchain-l", "description": "d", "attributes": {}}]),
        ("err-kind-prefixed-dependency", [ct("toolchain-o", {"y": "toolchain-rust"})]),
        ("err-loop", [ct("toolchain-m", {"x": "toolchain-n"}), ct("toolchain-n", {"x": "toolchain-m"})]),
    ]
    fixture("cached_tasks", "zoo-cached-tasks", "synthetic cached tasks (digest chains, errors)", cases,
            kind="toolchain")
    gc = copy.deepcopy(GRAPH_CONFIG)
    gc["taskgraph"]["cached-task-prefix"] = "zoo.v2.zoo"
    for name, params, extra in [
        ("pr", dict(PARAMS, tasks_for="github-pull-request", level="1", head_ref="refs/heads/x"), {}),
        ("pr-untrusted", dict(PARAMS, tasks_for="github-pull-request-untrusted", level="1"), {}),
        ("issue-comment", dict(PARAMS, tasks_for="github-issue-comment", level="2"), {}),
        ("pr-no-cache", dict(PARAMS, tasks_for="github-pull-request", level="1"), {"cache-pull-requests": False}),
        ("level2-push", dict(PARAMS, level="2", build_date=1700000000), {}),
    ]:
        g = copy.deepcopy(gc)
        g["taskgraph"].update(extra)
        fixture("cached_tasks", f"zoo-cached-tasks-{name}", f"cached tasks with {name} parameters",
                cases[:4], kind="toolchain", graph_config=g, params=params)


if __name__ == "__main__":
    run_cases()
    toolchain_cases()
    fetch_cases()
    cached_cases()
