"""Hand-written fixture inputs (edge cases and errors) for docker_image, matrix, chunking,
from_deps, task_context, notify and code_review. Used by gen_fixtures_split_deps_docker.py."""

import copy

PARAMS = {
    "base_repository": "https://example.com/repo",
    "head_repository": "https://example.com/fork",
    "head_rev": "abcdef0123456789abcdef0123456789abcdef01",
    "head_ref": "main",
    "repository_type": "git",
    "project": "proj",
    "level": "3",
    "tasks_for": "github-push",
    "nested": {"deep": {"value": "found"}, "none": None},
    "version": "1.2.3",
    "next_version": None,
}

GRAPH = {
    "trust-domain": "test",
    "task-priority": "low",
    "workers": {"aliases": {}},
    "taskgraph": {"repositories": {"x": {"name": "X"}}},
}


def task_json(kind, label, attributes=None, **rest):
    attrs = dict(attributes or {})
    attrs["kind"] = kind
    t = {
        "kind": kind,
        "label": label,
        "description": f"{label} description",
        "attributes": attrs,
        "dependencies": {},
        "soft_dependencies": [],
        "if_dependencies": [],
        "optimization": None,
        "task": {"payload": {}},
    }
    t.update(rest)
    return t


def base(modules, kind, tasks, **kw):
    case = {
        "modules": modules,
        "kind": kind,
        "kind_config": kw.pop("kind_config", {}),
        "graph_config": kw.pop("graph_config", GRAPH),
        "params": kw.pop("params", PARAMS),
        "kind_dependencies_tasks": kw.pop("deps", []),
        "tasks": tasks,
    }
    case.update(kw)
    return case


def f(path, content="", mode=0o644):
    return {"path": path, "content": content, "mode": mode}


# ---------------------------------------------------------------------------------------------
# docker_image
# ---------------------------------------------------------------------------------------------
DI = ["taskgraph.transforms.docker_image"]


def docker(name, **kw):
    t = {"name": name, "task-from": "kind.yml"}
    t.update(kw)
    return t


def docker_tree_modes():
    a = "taskcluster/docker/a/"
    name100 = a + "n" * (100 - len("n"))  # archive path "nnn..." of exactly 100 bytes
    tree = [
        f(a + "Dockerfile", "FROM debian:12\n# a comment\nRUN true\n", 0o755),
        f(a + "exec.sh", "#!/bin/sh\necho hi\n", 0o755),
        f(a + "private", "secret\n", 0o600),
        f(a + "privexec", "x\n", 0o700),
        f(a + "ro", "read only\n", 0o444),
        f(a + "roexec", "read exec\n", 0o555),
        f(a + "group-write", "g\n", 0o664),
        f(a + ".hidden", "hidden\n"),
        f(a + "empty", ""),
        f(a + "block512", "x" * 512),
        f(a + "block513", "y" * 513),
        f(a + "block10240", "z" * 10240),
        f(a + "sub/dir/deep.txt", "deep\n"),
        f(a + "__pycache__/x.pyc", "cache"),
        f(a + "sub/__pycache__/y.pyc", "cache"),
        f(a + "Z-upper.txt", "upper sorts first\n"),
        f(a + "\u00fcn\u00efc\u00f6d\u00e9.txt", "unicode name\n"),
        f(name100, "exactly 100\n"),
        f(a + "m" * 101, "101 bytes\n"),
        f(a + ("long-directory-name/" * 8) + "file-at-the-end.txt", "long nested\n"),
        {"path": a + "link-to-file", "symlink": "exec.sh"},
        {"path": a + "link-to-dir", "symlink": "sub"},
    ]
    return tree


def docker_cases(write):
    tree = docker_tree_modes()
    b = "taskcluster/docker/b/"
    tree += [
        f(b + "Dockerfile",
          "FROM base\r\nRUN echo $VERSION before-arg\r\n# %ARG VERSION\r\nFROM python:$VERSION\r\n"
          "# %ARG TAG\r\nRUN echo $VERSION $VERSIONX ${VERSION} $TAG-$VERSION\r\n"
          "VOLUME /builds/worker/checkouts\r\nENV X=$TAG"),
        f(b + "context.txt", "b\n"),
    ]
    c = "taskcluster/docker/c/"
    tree += [
        f(c + "Dockerfile",
          "FROM x\n# %include scripts/setup.sh\n# %include lib\n# %include lib/\n# %include ./docs/readme.md\n"
          "# %include-run-task\n# %include  taskcluster/scripts/tool.py  \nRUN true\n"),
        f("scripts/setup.sh", "#!/bin/sh\n", 0o755),
        f("lib/a.py", "a = 1\n"),
        f("lib/sub/b.txt", "b\n", 0o600),
        f("lib/__pycache__/a.cpython-311.pyc", "cache"),
        f("docs/readme.md", "# readme\n"),
        f("taskcluster/scripts/tool.py", "print('tool')\n", 0o755),
    ]
    write("docker_image", "synthetic-contexts", base(DI, "docker-image", [
        docker("a", symbol="I(a)"),
        docker("b", args={"VERSION": "3.11", "TAG": "t\u00fcg \\\\ done"}, parent="a"),
        docker("c", symbol="I(c)", index={"product": "prod", "job-name": "img", "rank": "build_date"}),
        docker("a-again", definition="a", cache=False, symbol=""),
        docker("b-other-args", definition="b", args={"TAG": "2", "VERSION": "3.12", "UNUSED": "x"}),
    ], tree=tree, description="contexts with file modes 0600-0755, long and unicode names, symlinks, "
                              "__pycache__, %ARG with CRLF lines, %include file/dir/run-task"))

    deps = [task_json("packages", "packages-foo"), task_json("packages", "packages-bar"),
            task_json("other", "packages-baz")]
    write("docker_image", "packages-level1", base(DI, "docker-image", [
        docker("p", definition="a", packages=["foo", "bar"], parent="b", cache=True),
        docker("q", definition="a", packages=[]),
    ], tree=tree, deps=deps, params=dict(PARAMS, level="1"),
        graph_config=dict(GRAPH, **{"task-expires-after": "2 weeks"}),
        description="packages dependencies (sorted), level 1 (zstd 3, task-expires-after)"))

    errors = {
        "error-missing-arg": ([f("taskcluster/docker/e/Dockerfile", "# %ARG NOPE\nFROM x\n")], docker("e")),
        "error-include-absolute": ([f("taskcluster/docker/e/Dockerfile", "# %include /etc/hostname\n")], docker("e")),
        "error-include-outside": ([f("taskcluster/docker/e/Dockerfile", "# %include ../outside\n")], docker("e")),
        "error-include-missing": ([f("taskcluster/docker/e/Dockerfile", "# %include nope/x\n")], docker("e")),
        "error-setuid": ([f("taskcluster/docker/e/Dockerfile", "FROM x\n"), f("taskcluster/docker/e/s", "s", 0o4755)],
                         docker("e")),
        "error-no-dockerfile": ([f("taskcluster/docker/e/other", "x")], docker("e")),
        "error-dangling-symlink": ([f("taskcluster/docker/e/Dockerfile", "FROM x\n"),
                                    {"path": "taskcluster/docker/e/dangling", "symlink": "nowhere"}], docker("e")),
        "error-missing-package": ([f("taskcluster/docker/e/Dockerfile", "FROM x\n")], docker("e", packages=["zzz"])),
        "error-unknown-field": ([f("taskcluster/docker/e/Dockerfile", "FROM x\n")], docker("e", foo=1)),
        "error-args-not-str": ([f("taskcluster/docker/e/Dockerfile", "FROM x\n")], docker("e", args={"A": 1})),
        "error-args-null": ([f("taskcluster/docker/e/Dockerfile", "FROM x\n")], docker("e", args=None)),
        "error-bad-rank": ([f("taskcluster/docker/e/Dockerfile", "FROM x\n")], docker("e", index={"rank": "x"})),
    }
    for case, (t, task) in errors.items():
        write("docker_image", case, base(DI, "docker-image", [task], tree=t, description=case))


# ---------------------------------------------------------------------------------------------
# matrix
# ---------------------------------------------------------------------------------------------
MX = ["taskgraph.transforms.matrix"]


def matrix_cases(write):
    write("matrix", "synthetic-basic", base(MX, "test", [
        {
            "name": "t",
            "description": "{matrix[os]} / {matrix[arch]} {{literal}}",
            "attributes": {"a": "{matrix[os]}"},
            "worker": {"env": {"OS_{matrix[os]}": ["{matrix[arch]}", 3, True]}},
            "matrix": {
                "exclude": [{"os": "win", "arch": "arm"}, {"os": "mac"}],
                "os": ["linux", "win", "mac"],
                "arch": ["x86", "arm"],
            },
        },
        {"name": "plain", "description": "no matrix {braces} stay"},
        {
            "name": "named",
            "description": "d",
            "matrix": {"set-name": "n-{matrix[v]}", "substitution-fields": ["description"], "v": [1, 2]},
        },
        {"name": "chars", "matrix": {"substitution-fields": [], "v": "ab", "k": {"x": 1, "y": 2}}},
        {"name": "empty", "matrix": {"v": []}, "description": "{nope}"},
        {"name": "nested", "run": {"command": "{matrix[v]}"}, "matrix": {"substitution-fields": ["run.command"], "v": ["c"]}},
    ], description="exclusions, default and explicit substitution fields, set-name, string and mapping values"))
    errors = {
        "error-no-name": {"matrix": {"v": [1]}},
        "error-exclude-not-str": {"name": "x", "matrix": {"exclude": [{"v": 1}], "v": [1]}},
        "error-missing-field": {"name": "x", "matrix": {"substitution-fields": ["nope"], "v": [1]}},
        "error-format": {"name": "x", "description": "{matrix[nope]}", "matrix": {"v": [1]}},
        "error-values-int": {"name": "x", "matrix": {"v": 3}},
        "error-exclude-null": {"name": "x", "matrix": {"exclude": None, "v": [1]}},
    }
    for case, task in errors.items():
        write("matrix", case, base(MX, "test", [task], description=case))


# ---------------------------------------------------------------------------------------------
# chunking
# ---------------------------------------------------------------------------------------------
CH = ["taskgraph.transforms.chunking"]


def chunking_cases(write):
    write("chunking", "synthetic-basic", base(CH, "test", [
        {
            "name": "t-{this_chunk}",
            "attributes": {"x": 1, "this_chunk": 0},
            "run": {"command": "run {this_chunk}/{total_chunks}", "key-{this_chunk}": "v{total_chunks}"},
            "worker": {"env": {"C": "{this_chunk}"}},
            "chunk": {"total-chunks": 3, "substitution-fields": ["name", "run.command", "worker", "run.key-{this_chunk}"]},
        },
        {"name": "none", "chunk": None},
        {"name": "zero", "chunk": {"total-chunks": 0, "substitution-fields": []}},
        {"name": "plain"},
        {"name": "no-attrs", "chunk": {"total-chunks": 1, "substitution-fields": []}},
    ], description="dotted fields, formatted keys, null chunk, zero chunks"))
    errors = {
        "error-no-substitution-fields": {"name": "x", "chunk": {"total-chunks": 2}},
        "error-total-not-int": {"name": "x", "chunk": {"total-chunks": "2", "substitution-fields": []}},
        "error-unknown-field": {"name": "x", "chunk": {"total-chunks": 2, "substitution-fields": [], "x": 1}},
        "error-missing-field": {"name": "x", "chunk": {"total-chunks": 2, "substitution-fields": ["nope"]}},
    }
    for case, task in errors.items():
        write("chunking", case, base(CH, "test", [task], description=case))


# ---------------------------------------------------------------------------------------------
# task_context
# ---------------------------------------------------------------------------------------------
TC = ["taskgraph.transforms.task_context"]


def task_context_cases(write):
    tree = [f("taskcluster/context/values.yml", "from_file: file-value\nshared: from-file\nplatform: linux64\n")]
    write("task_context", "synthetic-basic", base(TC, "test", [
        {
            "name": "t",
            "description": "{name} {project} {deep} {missing} {fallback} {shared} {from_file} {obj}",
            "worker": {
                "max-run-time": {"by-platform": {"linux.*": 10, "default": 20}},
                "env": {"P": "{platform}", "L": {"by-level": {"3": "three", "default": "other"}}},
            },
            "task-context": {
                "from-parameters": {
                    "project": "project",
                    "deep": "nested.deep.value",
                    "missing": "nested.nope.value",
                    "fallback": ["next_version", "nested.none", "version"],
                    "level": "level",
                    "unset": ["nope", "next_version"],
                },
                "from-file": "taskcluster/context/values.yml",
                "from-object": {"shared": "from-object", "obj": {"k": "v"}},
                "substitution-fields": ["description", "worker.max-run-time", "worker.env"],
            },
        },
        {"name": "plain", "description": "{untouched}"},
        {"name": "null-context", "task-context": None},
        {
            "label": "labelled",
            "description": "{name}",
            "x": {"by-thing": {"a": 1, "default": 2}},
            "task-context": {"from-object": {"name": "given", "thing": "a"}, "substitution-fields": ["description", "x"]},
        },
        {
            "name": "deferred",
            "x": {"by-platform": {"default": {"by-later": {"a": 1, "default": 2}}, "mac": 0}},
            "task-context": {
                "from-object": {"platform": "linux"},
                "resolve-keyed-by-options": {"defer": ["later"]},
                "substitution-fields": ["x"],
            },
        },
    ], tree=tree, chdir_root=True, description="parameters (paths, fallbacks), file, object, precedence, keyed-by, defer"))
    errors = {
        "error-custom": {"name": "x", "task-context": {"from-custom": ["nope"], "substitution-fields": []}},
        "error-unknown-field": {"name": "x", "task-context": {"substitution-fields": [], "extra": 1}},
        "error-no-fields": {"name": "x", "task-context": {"from-object": {}}},
        "error-missing-field": {"name": "x", "task-context": {"substitution-fields": ["nope"]}},
        "error-multiple-matches": {
            "name": "x",
            "v": {"by-p": {"a.*": 1, ".*b": 2}},
            "task-context": {
                "from-object": {"p": "ab"},
                "resolve-keyed-by-options": {"enforce-single-match": False},
                "substitution-fields": ["v"],
            },
        },
    }
    for case, task in errors.items():
        write("task_context", case, base(TC, "test", [task], description=case))


# ---------------------------------------------------------------------------------------------
# from_deps
# ---------------------------------------------------------------------------------------------
FD = ["taskgraph.transforms.from_deps"]


def from_deps_cases(write):
    deps = [
        task_json("build", "build-linux", {"platform": "linux", "phase": "ship", "n": 1, "tags": ["a"]}),
        task_json("build", "build-win", {"platform": "win", "phase": "ship", "n": True}),
        task_json("build", "build-mac", {"platform": "mac", "phase": "", "n": 1.0}),
        task_json("test", "test-linux", {"platform": "linux", "phase": "ship"}),
        task_json("test", "test-win", {"platform": "win", "phase": "promote"}),
        task_json("lint", "lint", {"platform": "linux"}),
    ]
    kc = {"kind-dependencies": ["build", "test", "lint"]}

    def t(name, **fd):
        return {"name": name, "description": "d", "attributes": {"own": "x", "platform": "mine"},
                "dependencies": {"extra": "lint"}, "from-deps": fd}

    write("from_deps", "synthetic-groupings", base(FD, "sign", [
        t("single", kinds=["build"]),
        t("by-platform", kinds=["test", "build"], **{"group-by": {"attribute": "platform"}}),
        t("all", kinds=["build"], **{"group-by": "all", "unique-kinds": False, "set-name": "retain-kind"}),
        t("by-n", kinds=["build"], **{"group-by": {"attribute": "n"}, "unique-kinds": False, "set-name": None}),
        t("with-attrs", **{"with-attributes": {"platform": ["linux", "win"], "phase": "ship"}, "kinds": ["build", "test"],
                           "copy-attributes": True}),
        t("default-kinds", **{"with-attributes": {"platform": "linux"}, "group-by": "all", "unique-kinds": True,
                              "set-name": False}),
        t("fetches", kinds=["build", "test"], **{
            "group-by": {"attribute": "platform"},
            "fetches": {"build": [{"artifact": "{platform}/target.tar.gz", "dest": "{phase}-dir", "extract": False}],
                        "lint": [{"artifact": "lint.log"}]},
        }),
        t("fetches-by-label", kinds=["build"], **{
            "group-by": "all", "unique-kinds": False, "set-name": False,
            "fetches": {"build": [{"artifact": "a-{platform}.zip", "verify-hash": True}]},
        }),
    ], deps=deps, kind_config=kc, description="single, all, attribute grouping; unique-kinds; set-name; copy-attributes; fetches"))
    errors = {
        "error-kind-not-dependency": ({"kinds": ["nope"]}, kc),
        "error-no-kind-dependencies": ({}, {}),
        "error-not-unique": ({"kinds": ["build"], "group-by": "all"}, kc),
        "error-unknown-group-by": ({"group-by": "nope"}, kc),
        "error-unknown-set-name": ({"kinds": ["build"], "set-name": "nope"}, kc),
        "error-set-name-true": ({"kinds": ["build"], "set-name": True}, kc),
        "error-empty-all": ({"kinds": ["build"], "group-by": "all", "with-attributes": {"platform": "none"}}, kc),
        "error-unknown-field": ({"kinds": ["build"], "nope": 1}, kc),
        "error-fetch-format": ({"kinds": ["build"], "fetches": {"build": [{"artifact": "{nope}"}]}}, kc),
        "error-attribute-arg": ({"kinds": ["build"], "group-by": {"attribute": 1}}, kc),
        "error-single-arg": ({"kinds": ["build"], "group-by": {"single": "x"}}, kc),
    }
    for case, (fd, kconf) in errors.items():
        write("from_deps", case, base(FD, "sign", [{"name": "x", "from-deps": fd}], deps=deps, kind_config=kconf,
                                      description=case))
    write("from_deps", "error-missing-from-deps", base(FD, "sign", [{"name": "x"}], deps=deps, kind_config=kc,
                                                       description="from-deps is required"))


# ---------------------------------------------------------------------------------------------
# notify
# ---------------------------------------------------------------------------------------------
NT = ["taskgraph.transforms.notify"]


def notify_cases(write):
    write("notify", "synthetic-basic", base(NT, "release-notify", [
        {
            "name": "new-style",
            "routes": ["existing"],
            "notify": {
                "recipients": [
                    {"type": "email", "address": {"by-project": {"proj": "proj@example.com", "default": "x@example.com"}}},
                    {"type": "email", "address": "{task[name]}@example.com", "status-type": "on-failed"},
                    {"type": "matrix-room", "room-id": "!room:{config[params][project]}"},
                    {"type": "pulse", "routing-key": "key.{config[kind]}", "status-type": "on-resolved"},
                    {"type": "slack-channel", "channel-id": "C123"},
                ],
                "content": {
                    "email": {"subject": "Done {task[name]}", "link": {"text": "t", "href": "https://x/{config[params][level]}"}},
                    "matrix": {"body": "b {task[name]}", "formatted-body": "<b>f</b>", "msg-type": "m.notice", "format": "html"},
                    "slack": {"text": "s", "blocks": [{"type": "{not-formatted}"}], "attachments": []},
                },
            },
        },
        {
            "name": "legacy",
            "notifications": {
                "emails": {"by-level": {"3": ["a@example.com", "b@example.com"], "default": []}},
                "subject": "Subject {task[name]}",
                "status-types": ["on-completed", "on-failed"],
            },
        },
        {"name": "legacy-message", "extra": {"keep": 1},
         "notifications": {"emails": ["c@example.com"], "subject": "S", "message": "M"}},
        {"name": "plain"},
        {"name": "empty-notify", "notify": None},
        {"name": "no-content", "notify": {"recipients": [{"type": "pulse", "routing-key": "k"}]}},
    ], description="all recipient types, keyed-by addresses, content conversion, legacy notifications"))
    errors = {
        "error-both": {"name": "x", "notify": {"recipients": []}, "notifications": {"emails": [], "subject": "s"}},
        "error-unknown-type": {"name": "x", "notify": {"recipients": [{"type": "fax", "number": "1"}]}},
        "error-bad-status": {"name": "x", "notify": {"recipients": [{"type": "pulse", "routing-key": "k", "status-type": "on-x"}]}},
        "error-unknown-recipient-field": {"name": "x", "notify": {"recipients": [{"type": "pulse", "routing-key": "k", "x": 1}]}},
        "error-address-keyed-by-other": {"name": "x", "notify": {"recipients": [{"type": "email", "address": {"by-x": {"a": "b"}}}]}},
        "error-format": {"name": "x", "notify": {"recipients": [{"type": "pulse", "routing-key": "{nope}"}]}},
    }
    for case, task in errors.items():
        write("notify", case, base(NT, "release-notify", [task], description=case))


# ---------------------------------------------------------------------------------------------
# code_review
# ---------------------------------------------------------------------------------------------
CR = ["taskgraph.transforms.code_review"]


def code_review_cases(write):
    deps = [
        task_json("test", "test-a", {"code-review": True}),
        task_json("test", "test-b", {"code-review": "true"}),
        task_json("test", "test-c", {"code-review": 1}),
        task_json("lint", "lint-d", {"code-review": True}),
        task_json("lint", "lint-e", {}),
    ]
    write("code_review", "synthetic-basic", base(CR, "pr", [
        {"name": "pr"},
        {"name": "existing", "soft-dependencies": ["x"]},
    ], deps=deps, description="only `code-review: true` (not truthy) dependencies"))
    write("code_review", "error-not-list", base(CR, "pr", [{"name": "x", "soft-dependencies": "x"}], deps=deps,
                                                description="soft-dependencies must be a list"))


def synthetic_fixtures(write):
    docker_cases(write)
    matrix_cases(write)
    chunking_cases(write)
    task_context_cases(write)
    from_deps_cases(write)
    notify_cases(write)
    code_review_cases(write)
    copy.deepcopy  # keep the import used
