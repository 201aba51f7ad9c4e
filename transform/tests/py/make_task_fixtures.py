#!/usr/bin/env python3
"""Write the synthetic fixture files of taskgraph.transforms.task (inputs only).

    python3 transform/tests/py/make_task_fixtures.py
    python3 transform/tests/py/run_transform.py --update transform/tests/fixtures/task/syn-*.json

The first writes transform/tests/fixtures/task/syn-*.json (one file per graph-config /
parameters combination, one case per option or error path) and the docker context root
fixtures/task/roots/synthetic/; the second records taskgraph 24.5.1's output for each case.
"""

import copy
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "fixtures", "task")

PARAMS = {
    "base_ref": "refs/heads/main",
    "base_repository": "https://github.com/example/widget",
    "base_rev": "1111111111111111111111111111111111111111",
    "build_date": 1700000000,
    "build_number": 1,
    "do_not_optimize": [],
    "enable_always_target": True,
    "existing_tasks": {},
    "files_changed": [],
    "filters": ["target_tasks_method"],
    "head_ref": "refs/heads/main",
    "head_repository": "https://github.com/example/widget",
    "head_rev": "abcdef0123456789abcdef0123456789abcdef01",
    "head_tag": "",
    "level": "3",
    "moz_build_date": "20231114221320",
    "next_version": None,
    "optimize_strategies": None,
    "optimize_target_tasks": True,
    "owner": "dev@example.com",
    "project": "widget",
    "pushdate": 1700000000,
    "pushlog_id": "42",
    "repository_type": "git",
    "target_tasks_method": "default",
    "tasks_for": "github-push",
    "version": None,
}

GRAPH_CONFIG = {
    "trust-domain": "tdom",
    "task-priority": {"by-project": {"widget": "high", "default": "low"}},
    "task-deadline-after": {"by-project": {"widget": "2 days", "default": "1 day"}},
    "task-expires-after": "90 days",
    "treeherder": {"group-names": {"I": "Docker images", "T": "Tests", "averyveryveryverylonggroupname": "Long"}},
    "index": {"products": ["widget", "gadget"]},
    "taskgraph": {"repositories": {"ci": {"name": "Widget"}}},
    "workers": {
        "aliases": {
            "b-linux": {
                "provisioner": "{trust-domain}-{level}",
                "implementation": "docker-worker",
                "os": "linux",
                "worker-type": "{alias}-gcp",
            },
            "t-win.*": {
                "provisioner": {"by-level": {"3": "prod-win", "default": "dev-win"}},
                "implementation": "generic-worker",
                "os": "windows",
                "worker-type": "win-{level}",
            },
            "t-mac": {
                "provisioner": "macs",
                "implementation": "generic-worker",
                "os": "macosx",
                "worker-type": "mac",
            },
            "beet": {
                "provisioner": "scriptworker",
                "implementation": "beetmover",
                "os": "scriptworker",
                "worker-type": "beetmover-{level}",
            },
            "no-os": {
                "provisioner": "p",
                "implementation": "docker-worker",
                "os": "",
                "worker-type": "w",
            },
            "odd": {
                "provisioner": "p",
                "implementation": "push-apk",
                "os": "x",
                "worker-type": "w",
            },
        }
    },
}

COMMAND = "python3 transform/tests/py/run_transform.py --update transform/tests/fixtures/task/{name}.json"


def docker(**worker):
    w = {"docker-image": "alpine:3", "max-run-time": 600}
    w.update(worker)
    return w


def task(name, worker_type="b-linux", worker=None, **extra):
    t = {"name": name, "description": f"the {name} task", "worker-type": worker_type}
    if worker is not None:
        t["worker"] = worker
    t.update({k.replace("_", "-"): v for k, v in extra.items()})
    return t


RUN_TASK = ["/usr/local/bin/run-task", "--", "bash", "-c", "echo hi"]
CACHES = [
    {"type": "persistent", "name": "checkouts", "mount-point": "/builds/worker/checkouts"},
    {"type": "persistent", "name": "untrusted", "mount-point": "/builds/worker/.cache", "skip-untrusted": True},
]


def docker_cases():
    return [
        ("minimal", [task("minimal", worker=docker())]),
        ("no-worker-type", [{"name": "x", "description": "d", "worker": docker()}]),
        ("command-plain", [task("plain", worker=docker(command=["bash", "-c", "true"]))]),
        ("run-task-caches-out-of-tree", [task("rt", worker=docker(command=RUN_TASK, caches=CACHES))]),
        ("caches-without-run-task", [task("nrt", worker=docker(command=["sh"], caches=CACHES))]),
        ("in-tree-volumes", [task("it", worker=docker(**{"docker-image": {"in-tree": "withvol"}, "command": RUN_TASK, "caches": CACHES}))]),
        ("in-tree-definition", [task("def", worker=docker(**{"docker-image": {"in-tree": "aliased"}, "command": RUN_TASK}))]),
        ("in-tree-no-volumes", [task("nv", worker=docker(**{"docker-image": {"in-tree": "plain"}}))]),
        ("in-tree-volume-conflict", [task("vc", worker=docker(**{"docker-image": {"in-tree": "withvol"}, "volumes": ["/builds/worker/checkouts"]}))]),
        ("in-tree-given-volumes", [task("gv", worker=docker(**{"docker-image": {"in-tree": "withvol"}, "volumes": ["/extra"], "command": RUN_TASK}))]),
        ("in-tree-reserved-dependency", [task("rd", worker=docker(**{"docker-image": {"in-tree": "plain"}}), dependencies={"docker-image": "x"})]),
        ("in-tree-missing-dockerfile", [task("md", worker=docker(**{"docker-image": {"in-tree": "nonexistent"}}))]),
        ("indexed-image", [task("ix", worker=docker(**{"docker-image": {"indexed": "some.index.path"}, "command": RUN_TASK, "caches": CACHES[:1]}))]),
        ("unknown-image-type", [task("ui", worker=docker(**{"docker-image": {"other": "x"}}))]),
        ("features", [task("ft", worker=docker(**{"taskcluster-proxy": True, "allow-ptrace": True, "chain-of-trust": True, "loopback-video": True}))]),
        ("chain-of-trust-in-tree", [task("cot", worker=docker(**{"docker-image": {"in-tree": "plain"}, "chain-of-trust": True}))]),
        ("needs-sccache", [task("sc", worker=docker(), needs_sccache=True)]),
        ("needs-sccache-with-proxy", [task("scp", worker=docker(**{"taskcluster-proxy": True}), needs_sccache=True)]),
        ("artifacts", [task("art", worker=docker(artifacts=[
            {"type": "directory", "path": "/builds/worker/artifacts", "name": "public/build"},
            {"type": "file", "path": "/x.log", "name": "public/x.log"},
        ]))]),
        ("artifact-missing-name", [task("amn", worker=docker(artifacts=[{"type": "file", "path": "/x"}]))]),
        ("exit-statuses", [task("es", worker=docker(**{"retry-exit-status": [1, 2], "purge-caches-exit-status": [3], "command": RUN_TASK}))]),
        ("exit-statuses-no-run-task", [task("esn", worker=docker(**{"retry-exit-status": [1]}))]),
        ("env-task-reference", [task("env", worker=docker(env={"A": "1", "B": {"task-reference": "<docker-image>"}, "C": {"artifact-reference": "<x/public/y>"}}))]),
        ("env-int", [task("envi", worker=docker(env={"A": 1}))]),
        ("env-empty-ref", [task("envr", worker=docker(env={"A": {"foo": "bar"}}))]),
        ("env-both-refs", [task("envb", worker=docker(env={"A": {"task-reference": "x", "artifact-reference": "y"}}))]),
        ("missing-max-run-time", [task("mmrt", worker={"docker-image": "alpine"})]),
        ("explicit-implementation-no-os", [task("eino", worker=docker(implementation="docker-worker"))]),
        ("explicit-implementation", [task("ei", worker=docker(implementation="docker-worker", os="linux"))]),
        ("unknown-worker-field", [task("uwf", worker=docker(whatever={"a": 1}))]),
        ("bad-cache-type", [task("bct", worker=docker(caches=[{"type": "temporary", "name": "x", "mount-point": "/x"}]))]),
        ("cache-unknown-field", [task("cuf", worker=docker(caches=[{"name": "x", "mount-point": "/x", "size": 3}]))]),
        ("cache-missing-mount-point", [task("cmm", worker=docker(caches=[{"name": "x"}]))]),
        ("command-task-reference-first", [task("ctr", worker=docker(command=[{"task-reference": "<x>"}]))]),
        ("command-empty", [task("ce", worker=docker(command=[]))]),
        ("command-null", [task("cn", worker=docker(command=None))]),
        ("run-task-basename", [task("rtb", worker=docker(command=["run-task-hg", "x"]))]),
        ("max-run-time-bool", [task("mrtb", worker=docker(**{"max-run-time": True}))]),
        ("max-run-time-float", [task("mrtf", worker=docker(**{"max-run-time": 600.0}))]),
        ("no-os-alias", [task("noos", worker_type="no-os", worker=docker())]),
        ("two-tasks", [task("one", worker=docker()), task("two", worker=docker(command=RUN_TASK))]),
    ]


def generic_cases():
    win = {"command": ["echo hi"], "max-run-time": 3600}
    mac = {"command": [["/bin/bash", "-c", "echo hi"]], "max-run-time": 3600}
    return [
        ("windows-minimal", [task("win", worker_type="t-win64", worker=dict(win))]),
        ("mac-minimal", [task("mac", worker_type="t-mac", worker=dict(mac))]),
        ("windows-exit-statuses", [task("wes", worker_type="t-win64", worker=dict(win, **{"retry-exit-status": [5], "purge-caches-exit-status": [6]}))]),
        ("mac-exit-statuses", [task("mes", worker_type="t-mac", worker=dict(mac, **{"retry-exit-status": [5]}))]),
        ("env-and-sccache", [task("es", worker_type="t-mac", worker=dict(mac, env={"FOO": "bar"}), needs_sccache=True)]),
        ("artifacts", [task("art", worker_type="t-mac", worker=dict(mac, artifacts=[
            {"type": "directory", "path": "artifacts", "name": "public/build"},
            {"type": "file", "path": "log.txt"},
        ]))]),
        ("artifact-bad-type", [task("abt", worker_type="t-mac", worker=dict(mac, artifacts=[{"type": "volume", "path": "x"}]))]),
        ("mounts", [task("mnt", worker_type="t-win64", worker=dict(win, mounts=[
            {"cache-name": "checkouts", "directory": "build/src"},
            {"content": {"task-id": {"task-reference": "<toolchain>"}, "artifact": "public/build/tc.tar.zst"}, "directory": "tc", "format": "tar.gz"},
            {"content": {"task-id": "abc", "artifact": "private/secret.zip"}, "file": "secret.zip"},
            {"content": {"url": "https://example.com/x.zip"}, "directory": "x", "format": "zip"},
        ]))]),
        ("mount-bad-format", [task("mbf", worker_type="t-win64", worker=dict(win, mounts=[{"directory": "x", "format": "7z"}]))]),
        ("os-groups", [task("og", worker_type="t-win64", worker=dict(win, **{"os-groups": ["Administrators", "Users"]}))]),
        ("features", [task("ft", worker_type="t-win64", worker=dict(win, **{
            "chain-of-trust": True, "taskcluster-proxy": True, "run-as-administrator": True,
            "run-task-as-current-user": True, "hide-cmd-window": True}))]),
        ("missing-command", [task("mc", worker_type="t-win64", worker={"max-run-time": 10})]),
        ("bad-os", [task("bo", worker_type="t-win64", worker=dict(win, implementation="generic-worker", os="beos"))]),
        ("linux-generic", [task("lg", worker_type="t-win64", worker=dict(mac, implementation="generic-worker", os="linux"))]),
        ("in-docker-kind-tags", [task("tags", worker_type="t-win64", worker=dict(win), tags={"mine": "yes"})]),
    ]


def beetmover_cases():
    props = {"app-name": "widget", "app-version": "1.0", "branch": "main", "build-id": "2023", "hash-type": "sha512", "platform": "linux64"}
    ups = [{"taskId": {"task-reference": "<build>"}, "taskType": "build", "paths": ["public/build/x.zip"], "locale": "en-US"}]
    base = {"release-properties": props, "upstream-artifacts": ups}
    return [
        ("full", [task("full", worker_type="beet", worker=dict(base, locale="de", **{"artifact-map": [{"a": 1}], "partner-public": True}), dependencies={"build": "build-linux"})]),
        ("defaults", [task("defaults", worker_type="beet", worker=dict(base))]),
        ("explicit-max-run-time", [task("emrt", worker_type="beet", worker=dict(base, **{"max-run-time": 1200}))]),
        ("falsy-optionals", [task("fo", worker_type="beet", worker=dict(base, locale="", **{"partner-public": False}))]),
        ("missing-property", [task("mp", worker_type="beet", worker=dict(base, **{"release-properties": {"app-name": "w"}}))]),
        ("upstream-missing-locale", [task("uml", worker_type="beet", worker=dict(base, **{"upstream-artifacts": [{"taskId": "x", "taskType": "b", "paths": []}]}))]),
        ("upstream-extra-field", [task("uef", worker_type="beet", worker=dict(base, **{"upstream-artifacts": [dict(ups[0], extra=1)]}))]),
        ("unknown-property", [task("up", worker_type="beet", worker=dict(base, **{"release-properties": dict(props, colour="red")}))]),
    ]


def misc_cases():
    d = docker()
    return [
        # built-in worker types and implementations
        ("succeed", [task("ok", worker_type="succeed")]),
        ("always-optimized", [task("ao", worker_type="always-optimized")]),
        ("succeed-extra-worker-field", [task("okx", worker_type="succeed", worker={"implementation": "succeed", "os": "linux"})]),
        ("always-optimized-extra-worker-field", [task("aox", worker_type="always-optimized", worker={"implementation": "always-optimized", "x": 1})]),
        ("invalid", [task("inv", worker_type="succeed", worker={"implementation": "invalid"})]),
        ("push-apk", [task("pa", worker_type="odd")]),
        ("scriptworker-signing", [task("ss", worker_type="b-linux", worker={"implementation": "scriptworker-signing"})]),
        ("unknown-alias", [task("ua", worker_type="nope", worker=d)]),
        ("keyed-by-level-alias", [task("kl", worker_type="t-win-x", worker={"command": ["x"], "max-run-time": 1})]),
        # labels and names
        ("label-given", [{"label": "custom-label", "name": "ignored", "description": "d", "worker-type": "succeed"}]),
        ("label-only", [{"label": "only-label", "description": "d", "worker-type": "succeed"}]),
        ("neither-name-nor-label", [{"description": "d", "worker-type": "succeed"}]),
        ("empty-name", [{"label": "l", "name": "", "description": "d", "worker-type": "succeed"}]),
        ("unknown-field", [task("uf", worker_type="succeed", colour="blue")]),
        ("missing-description", [{"name": "md", "worker-type": "succeed"}]),
        ("description-not-str", [{"name": "dn", "description": 5, "worker-type": "succeed"}]),
        # treeherder
        ("treeherder-true", [task("tht", worker=d, treeherder=True)]),
        ("treeherder-false", [task("thf", worker=d, treeherder=False)]),
        ("treeherder-empty", [task("the", worker=d, treeherder={})]),
        ("treeherder-full", [task("thd", worker=d, treeherder={"symbol": "T(unit)", "kind": "test", "tier": 2, "platform": "linux64/debug"})]),
        ("treeherder-tier-3-index", [task("th3", worker=d, treeherder={"symbol": "x", "tier": 3}, index={"product": "widget", "job-name": "linux"})]),
        ("treeherder-unknown-group", [task("thu", worker=d, treeherder={"symbol": "Z(x)"}, task_from="tasks.yml")]),
        ("treeherder-long-symbol", [task("thl", worker=d, treeherder={"symbol": "abcdefghijklmnopqrstuvwxyz"})]),
        ("treeherder-long-group", [task("thg", worker=d, treeherder={"symbol": "averyveryveryverylonggroupname(x)"})]),
        ("treeherder-bad-symbol", [task("thb", worker=d, treeherder={"symbol": "a(b)c"})]),
        ("treeherder-platform-no-slash", [task("thp", worker=d, treeherder={"platform": "linux64"})]),
        ("treeherder-bad-kind", [task("thk", worker=d, treeherder={"kind": "deploy"})]),
        ("treeherder-unknown-key", [task("thx", worker=d, treeherder={"colour": "red"})]),
        ("treeherder-existing-extra", [task("thee", worker=d, treeherder=True, extra={"treeherder": {"reason": "r"}, "treeherder-platform": "keep/me", "other": 1})]),
        ("treeherder-tier-null", [task("thtn", worker=d, treeherder={"tier": None})]),
        ("treeherder-tier-null-rank-given", [task("thtr", worker=d, treeherder={"tier": None}, index={"rank": 5})]),
        ("treeherder-kind-null", [task("thkn", worker=d, treeherder={"kind": None})]),
        ("extra-treeherder-without-key", [task("etw", worker=d, extra={"treeherder": {"tier": 2}})]),
        # index
        ("index-generic", [task("ixg", worker=d, index={"product": "widget", "job-name": "linux64-opt"})]),
        ("index-rank-build-date", [task("ixb", worker=d, treeherder={"tier": 3}, index={"product": "gadget", "job-name": "j", "rank": "build_date"})]),
        ("index-rank-int", [task("ixi", worker=d, index={"product": "widget", "job-name": "j", "rank": 7})]),
        ("index-rank-only", [task("ixr", worker=d, index={"rank": 9})]),
        ("index-unknown-product", [task("ixu", worker=d, index={"product": "gizmo", "job-name": "j"})]),
        ("index-no-job-name", [task("ixn", worker=d, index={"product": "widget"})]),
        ("index-unknown-type", [task("ixt", worker=d, index={"product": "widget", "job-name": "j", "type": "special"})]),
        ("index-bad-rank", [task("ixbr", worker=d, index={"product": "widget", "job-name": "j", "rank": "sometimes"})]),
        ("index-empty", [task("ixe", worker=d, index={})]),
        ("index-with-routes", [task("ixw", worker=d, routes=["custom.route"], treeherder=True, index={"product": "widget", "job-name": "j"})]),
        # scopes, routes, tags, extra, priority, times, requires
        ("scopes", [task("sc", worker=d, scopes=["secrets:get:project/{project}/level-{level}/x", "queue:route:index.*"])]),
        ("scope-unknown-field", [task("scu", worker=d, scopes=["x:{trust_domain}"])]),
        ("scope-literal-braces", [task("scl", worker=d, scopes=["a:{{literal}}:{level}"])]),
        ("routes-and-tags", [task("rt", worker=d, routes=["notify.email.x.on-failed"], tags={"a": "b", "kind": "overridden"})]),
        ("extra", [task("ex", worker=d, extra={"custom": {"nested": [1, 2]}, "parent": "will-be-replaced"})]),
        ("priority-explicit", [task("pe", worker=d, priority="lowest")]),
        ("priority-bad", [task("pb", worker=d, priority="urgent")]),
        ("times-explicit", [task("te", worker=d, expires_after="3 days", deadline_after="5 hours")]),
        ("requires", [task("rq", worker=d, requires="all-resolved")]),
        ("requires-bad", [task("rqb", worker=d, requires="some")]),
        # attributes
        ("attributes", [task("at", worker=d, attributes={"build_platform": "linux64", "shipping_phase": "build", "x": [1]})]),
        ("run-on-projects-keyed", [task("rop", worker=d, attributes={"build_platform": "linux64"},
                                         run_on_projects={"by-build-platform": {"linux.*": ["trunk"], "default": []}})]),
        ("run-on-projects-keyed-default", [task("ropd", worker=d, run_on_projects={"by-build-platform": {"linux.*": ["trunk"], "default": ["release"]}})]),
        ("run-on-projects-plain", [task("ropp", worker=d, run_on_projects=["widget"], run_on_tasks_for=["github-push"], run_on_git_branches=["main", "release.*"])]),
        ("run-on-git-branches-empty", [task("rogb", worker=d, run_on_git_branches=[])]),
        ("run-on-tasks-for-bad", [task("rotf", worker=d, run_on_tasks_for="github-push")]),
        ("shipping-phase", [task("sp", worker=d, shipping_phase="promote", attributes={"shipping_phase": "build"})]),
        ("shipping-phase-bad", [task("spb", worker=d, shipping_phase="later")]),
        ("always-target", [task("alt", worker=d, always_target=True)]),
        ("always-target-int", [task("alti", worker=d, always_target=1)]),
        # optimization
        ("optimization-index-search", [task("ois", worker=d, optimization={"index-search": ["a.b.c"]})]),
        ("optimization-skip-unless-changed", [task("osu", worker=d, optimization={"skip-unless-changed": ["src/**"]})]),
        ("optimization-other", [task("oo", worker=d, optimization={"custom-strategy": {"x": 1}})]),
        ("optimization-bad", [task("ob", worker=d, optimization=["a"])]),
        # dependencies
        ("dependencies", [task("dp", worker=d, dependencies={"build": "build-linux", "test": "test-linux"},
                                soft_dependencies=["lint"], if_dependencies=["build"])]),
        ("if-dependency-missing", [task("idm", worker=d, dependencies={"build": "b"}, if_dependencies=["test"])]),
        ("dependency-self", [task("ds", worker=d, dependencies={"self": "x"})]),
        ("dependency-decision", [task("dd", worker=d, dependencies={"decision": "x"})]),
        ("soft-dependencies-bad", [task("sdb", worker=d, soft_dependencies=[1])]),
        ("needs-sccache-bad", [task("nsb", worker=d, needs_sccache="yes")]),
        ("task-from", [task("tf", worker=d, task_from="tasks.yml")]),
    ]


def level1_cases():
    return [
        ("caches-untrusted", [task("cu", worker=docker(command=RUN_TASK, caches=CACHES))]),
        ("caches-no-run-task", [task("cn", worker=docker(caches=CACHES))]),
        ("no-caches", [task("nc", worker=docker(command=RUN_TASK))]),
        ("windows-alias-level-1", [task("w1", worker_type="t-win64", worker={"command": ["x"], "max-run-time": 1})]),
        ("generic-mount-cache", [task("gm", worker_type="t-win64", worker={"command": ["x"], "max-run-time": 1, "mounts": [{"cache-name": "c", "directory": "d"}]})]),
        ("treeherder", [task("th", worker=docker(), treeherder={"symbol": "T(x)", "tier": 1})]),
    ]


def pr_cases():
    return [
        ("treeherder", [task("th", worker=docker(), treeherder={"symbol": "I(x)"})]),
        ("no-treeherder", [task("nt", worker=docker())]),
        ("index", [task("ix", worker=docker(), treeherder=True, index={"product": "widget", "job-name": "j"})]),
    ]


def hg_cases():
    return [
        ("plain", [task("plain", worker=docker())]),
        ("treeherder", [task("th", worker=docker(), treeherder=True)]),
        ("succeed", [task("ok", worker_type="succeed")]),
    ]


def bare_config_cases():
    return [
        ("defaults", [task("df", worker=docker())]),
        ("treeherder-group", [task("tg", worker=docker(), treeherder={"symbol": "I(x)"})]),
        ("treeherder-plain", [task("tp", worker=docker(), treeherder={"symbol": "x"})]),
        ("index", [task("ix", worker=docker(), index={"product": "widget", "job-name": "j"})]),
        ("level-1-expiry-default", [task("le", worker=docker())]),
    ]


def write_root():
    root = os.path.join(OUT, "roots", "synthetic")
    files = {
        "kinds/docker-image/kind.yml": "loader: taskgraph.loader.transform:loader\ntasks:\n  withvol: {}\n  aliased:\n    definition: withvol\n  plain:\n    symbol: I(plain)\n",
        "docker/withvol/Dockerfile": "FROM alpine\nVOLUME /builds/worker/checkouts\n  VOLUME /builds/worker/.cache /builds/worker/tooltool\n# VOLUME /not/a/volume\nRUN true\n",
        "docker/plain/Dockerfile": "FROM alpine\nRUN true\n",
    }
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
    return os.path.join("roots", "synthetic")


def write(name, about, cases, params=None, graph_config=None, kind="widget-build", root=None, env=None):
    fixture = {
        "about": about,
        "command": COMMAND.format(name=name),
        "generator": "python3 transform/tests/py/make_task_fixtures.py",
        "transforms": ["taskgraph.transforms.task:transforms"],
        "kind": kind,
        "path": f"taskcluster/kinds/{kind}",
        "kind_config": {},
        "graph_config": graph_config or GRAPH_CONFIG,
        "params": params or PARAMS,
        "cases": [{"name": n, "input": i} for n, i in cases],
    }
    if root:
        fixture["root_dir"] = root
    if env:
        fixture["env"] = env
    path = os.path.join(OUT, f"{name}.json")
    # keep recorded outputs of unchanged cases? no: --update rewrites them all
    with open(path, "w") as fh:
        json.dump(fixture, fh, indent=1)
        fh.write("\n")


def main():
    root = write_root()
    write("syn-docker-worker", "docker-worker payloads: images, volumes, caches, features, artifacts, exit statuses, schema errors",
          docker_cases(), root=root)
    write("syn-generic-worker", "generic-worker payloads: windows/macosx, mounts, os-groups, features, artifacts",
          generic_cases(), kind="widget-test")
    write("syn-beetmover", "beetmover payloads", beetmover_cases(), kind="beetmover")
    write("syn-misc", "task description options: labels, treeherder, index, scopes, attributes, dependencies, built-in types",
          misc_cases(), root=root)
    p1 = dict(PARAMS, level="1")
    write("syn-level1", "level 1: untrusted caches, expiry default from task-expires-after", level1_cases(), params=p1, root=root)
    ppr = dict(PARAMS, tasks_for="github-pull-request", base_repository="https://github.com/upstream/widget-base.git",
               head_repository="git@github.com:contrib/widget.git")
    write("syn-pull-request", "pull requests: treeherder project from the base repository, -pr suffix", pr_cases(), params=ppr)
    phg = dict(PARAMS, repository_type="hg", head_repository="https://hg.example.com/widget")
    write("syn-hg", "hg repository: no checks route, hg file URLs", hg_cases(), params=phg, kind="docker-image")
    write("syn-parent", "extra.parent from $TASK_ID (the decision task)",
          [("parent", [task("p", worker=docker(), treeherder=True)])], env={"TASK_ID": "dEcIsIoNtAsKiD0000000A"})
    bare = copy.deepcopy(GRAPH_CONFIG)
    for k in ("task-deadline-after", "task-expires-after", "treeherder", "index"):
        bare.pop(k)
    bare["task-priority"] = "medium"
    write("syn-bare-config", "config.yml without deadline/expiry/treeherder/index settings", bare_config_cases(), graph_config=bare)
    write("syn-bare-config-level1", "level 1 without task-expires-after: 28 days", bare_config_cases()[-1:],
          graph_config=bare, params=dict(PARAMS, level="1"))


if __name__ == "__main__":
    main()
