"""tg-bridge worker: runs a taskgraph project's own Python code for the tg-* stages.

One long-lived process per stage run. The Rust side (the tg_bridge crate) writes one JSON
request per line on our stdin and reads exactly one JSON response line per request on our
stdout. Everything else the project prints or logs goes to stderr (sys.stdout is redirected
there, so a stray print() cannot corrupt the protocol).

Request:  {"op": NAME, ...arguments}
Response: {"ok": true, "result": ...}
      or  {"ok": false, "error": "Type: message", "traceback": "...", "kind": K, "task": T, "step": S}

The first request must be "init" (load config.yml, call GraphConfig.register(), which puts the
taskgraph root on sys.path and runs the project's `taskgraph.register` hook, then load the
parameters as `taskgraph full -p FILE` does). Other ops: "kind" (set up a TransformConfig for a
kind), "transforms" (run a segment of transforms), "loader" (run a custom loader), "target"
(run a target-task method or filter), "decision_parameters", "shutdown".

Started as `python -c <this file's text> PROGRAM LOGLEVEL`.
"""

import copy
import inspect
import json
import logging
import os
import sys
import traceback

PROTOCOL_OUT = sys.stdout
sys.stdout = sys.stderr
# `python -c` puts the working directory first on sys.path; taskgraph's console script does
# not, and a directory named like a package in the cwd must not shadow the real one.
if sys.path and sys.path[0] == "":
    sys.path.pop(0)

PROGRAM = sys.argv[1] if len(sys.argv) > 1 else "tg-bridge"
LEVEL = sys.argv[2] if len(sys.argv) > 2 else "WARNING"
REQUIRED_VERSION = "24.5.1"
INSTALL = "pip install taskcluster-taskgraph==24.5.1"
DEFAULT_TRANSFORMS = [
    "taskgraph.transforms.run:transforms",
    "taskgraph.transforms.task:transforms",
]


class BridgeError(Exception):
    """An error with context (kind, task, step) for the response."""

    def __init__(self, message, **context):
        super().__init__(message)
        self.context = context


class Raw(str):
    """Already-encoded JSON text (task lists are encoded once, task by task)."""


def send(obj):
    PROTOCOL_OUT.write(dumps(obj))
    PROTOCOL_OUT.write("\n")
    PROTOCOL_OUT.flush()


def send_result(result):
    """{"ok": true, "result": result}, where result's values may be Raw JSON text."""
    fields = ",".join(
        f"{dumps(k)}:{v if isinstance(v, Raw) else dumps(v)}" for k, v in result.items()
    )
    PROTOCOL_OUT.write('{"ok":true,"result":{' + fields + "}}\n")
    PROTOCOL_OUT.flush()


def encode_extra(value):
    """JSON for values transforms may leave in task dicts besides plain JSON types."""
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:
            return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(obj):
    return json.dumps(
        obj, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=encode_extra
    )


def task_name(task):
    if isinstance(task, dict):
        for key in ("name", "label"):
            if isinstance(task.get(key), str):
                return task[key]
    return None


def jsonable_tasks(tasks, kind, step):
    """The tasks as one JSON list (Raw), each encoded on its own so that an unencodable
    value names its task."""
    out = []
    for task in tasks:
        if not isinstance(task, dict):
            raise BridgeError(
                f"transform yielded a {type(task).__name__}, not a dict", kind=kind, step=step
            )
        try:
            out.append(dumps(task))
        except (TypeError, ValueError) as e:
            raise BridgeError(
                f"task is not JSON-serializable: {e}", kind=kind, task=task_name(task), step=step
            ) from e
    return Raw("[" + ",".join(out) + "]")


def registry_snapshot():
    """Name -> identity of every registry a project's register() may extend."""
    import taskgraph.filter_tasks as filter_tasks
    import taskgraph.morph as morph
    import taskgraph.optimize.base as optimize_base
    import taskgraph.target_tasks as target_tasks
    import taskgraph.transforms.run as run
    import taskgraph.transforms.task as task

    return {
        "run_using": {
            using: {impl: id(entry[0]) for impl, entry in impls.items()}
            for using, impls in run.registry.items()
        },
        "payload_builders": {k: id(v) for k, v in task.payload_builders.items()},
        "index_builders": {k: id(v) for k, v in task.index_builders.items()},
        "target_methods": {k: id(v) for k, v in target_tasks._target_task_methods.items()},
        "filters": {k: id(v) for k, v in filter_tasks.filter_task_functions.items()},
        "strategies": {k: id(v) for k, v in optimize_base.registry.items()},
        "morphs": {getattr(m, "__name__", repr(m)): id(m) for m in morph.registered_morphs},
    }


def registry_changes(before, after):
    """Names added or replaced by project code, per registry, sorted."""
    return {
        key: sorted(name for name, ident in after[key].items() if before[key].get(name) != ident)
        for key in after
    }


class Worker:
    def __init__(self):
        self.graph_config = None
        self.parameters = None
        self.kinds = {}
        self.loader_configs = {}

    # ------------------------------------------------------------------ init
    def op_init(self, req):
        from taskgraph.config import load_graph_config
        from taskgraph.parameters import load_parameters_file

        before = registry_snapshot()
        self.graph_config = load_graph_config(req["root"])
        self.graph_config.register()
        changes = registry_changes(before, registry_snapshot())
        # As taskgraph's parameters_loader(spec, strict=False), but with the repository root
        # the stage found (taskgraph refuses to guess it for a root not named `taskcluster`
        # outside a VCS checkout).
        self.parameters = load_parameters_file(
            req.get("parameters"),
            strict=False,
            overrides=req.get("overrides") or None,
            repo_root=req.get("repo_root") or self.graph_config.vcs_root,
            trust_domain=self.graph_config["trust-domain"],
        )
        self.parameters.check()
        return {
            "parameters": dict(self.parameters),
            "project": changes,
            "register": self.graph_config["taskgraph"].get("register"),
            "python": sys.version.split()[0],
        }

    def op_decision_parameters(self, req):
        from taskgraph.parameters import Parameters
        from taskgraph.util.python_path import find_object

        path = self.graph_config["taskgraph"].get("decision-parameters")
        values = dict(req.get("parameters") or self.parameters)
        if path:
            find_object(path)(self.graph_config, values)
        self.parameters = Parameters(strict=False, **values)
        return {"parameters": dict(self.parameters)}

    # ------------------------------------------------------------- transforms
    def params(self):
        from taskgraph.parameters import Parameters

        return Parameters(**dict(self.parameters))

    def op_kind(self, req):
        from taskgraph.task import Task
        from taskgraph.transforms.base import TransformConfig

        name = req["kind"]
        config = copy.deepcopy(req["config"])
        loader = config.get("loader", "taskgraph.loader.default:loader")
        if name in self.loader_configs:
            config = self.loader_configs[name]
        elif loader == "taskgraph.loader.default:loader":
            config.setdefault("transforms", []).extend(DEFAULT_TRANSFORMS)
        deps = {t["label"]: Task.from_json(t) for t in req.get("dependencies", [])}
        self.kinds[name] = TransformConfig(
            name,
            req["path"],
            config,
            self.params(),
            deps,
            self.graph_config,
            write_artifacts=False,
        )
        return {}

    def op_transforms(self, req):
        from taskgraph.util.python_path import find_object

        kind = req["kind"]
        config = self.kinds.get(kind)
        if config is None:
            raise BridgeError("kind was not set up (op kind)", kind=kind)
        tasks = req["tasks"]
        steps = []
        for name in req["names"]:
            path = name if ":" in name else f"{name}:transforms"
            try:
                steps.append((name, find_object(path)))
            except Exception as e:
                raise BridgeError(f"cannot load it: {type(e).__name__}: {e}", kind=kind, step=f"transform {name}") from e
        trace = []
        for name, step in steps:
            tasks = run_step(config, name, step, tasks)
            if req.get("trace"):
                trace.append(jsonable_tasks(tasks, kind, f"transform {name}"))
        result = {"tasks": jsonable_tasks(tasks, kind, f"transform {steps[-1][0]}" if steps else None)}
        if req.get("trace"):
            result["steps"] = Raw("[" + ",".join(trace) + "]")
        return result

    # ---------------------------------------------------------------- loaders
    def op_loader(self, req):
        from taskgraph.util.python_path import find_object

        kind, path, loader_path = req["kind"], req["path"], req["loader"]
        config = copy.deepcopy(req["config"])
        deps = [task_from_json(t) for t in req.get("dependencies", [])]
        try:
            loader = find_object(loader_path)
            if not callable(loader):
                raise TypeError(f"loader {loader_path} is not callable")
            extra = (False,) if "write_artifacts" in inspect.signature(loader).parameters else ()
            inputs = loader(kind, path, config, self.params(), deps, *extra)
            # taskgraph reads config["transforms"] right after calling the loader, before
            # iterating its items: a loader that is a generator function cannot extend it.
            transforms = list(config["transforms"])
            items = list(inputs) if req.get("items", True) else []
        except Exception as e:
            raise BridgeError(f"{type(e).__name__}: {e}", kind=kind, step=f"loader {loader_path}") from e
        self.loader_configs[kind] = config
        return {"items": jsonable_tasks(items, kind, f"loader {loader_path}"), "transforms": transforms}

    # ----------------------------------------------------------- target tasks
    def op_target(self, req):
        import taskgraph.filter_tasks as filter_tasks
        import taskgraph.target_tasks as target_tasks
        from taskgraph.graph import Graph
        from taskgraph.taskgraph import TaskGraph

        tasks = {t["label"]: task_from_json(t) for t in req["tasks"]}
        graph = TaskGraph(tasks, Graph(frozenset(tasks), frozenset()))
        name = req["name"]
        if req["what"] == "filter":
            if name not in filter_tasks.filter_task_functions:
                raise BridgeError(
                    f"unknown filter {name!r} (registered: {', '.join(sorted(filter_tasks.filter_task_functions))})"
                )
            fn = filter_tasks.filter_task_functions[name]
        else:
            if name not in target_tasks._target_task_methods:
                raise BridgeError(
                    f"unknown target_tasks_method {name!r} (registered: {', '.join(sorted(target_tasks._target_task_methods))})"
                )
            fn = target_tasks.get_method(name)
        labels = list(fn(graph, self.parameters, self.graph_config))
        return {"labels": labels}

    def op_shutdown(self, req):
        return {}


def task_from_json(data):
    from taskgraph.task import Task

    return Task.from_json(data)


def run_step(config, name, step, tasks):
    """Run one transform over the whole list, eagerly; an exception names the task it was
    processing (the last one the step pulled from its input)."""
    current = {"task": None}

    def feed():
        for task in tasks:
            current["task"] = task
            yield task

    try:
        out = step(config, feed())
        if out is None:
            raise Exception(f"Transform {step} is not a generator")
        return list(out)
    except BridgeError:
        raise
    except Exception as e:
        raise BridgeError(
            f"{type(e).__name__}: {e}",
            kind=config.kind,
            task=task_name(current["task"]),
            step=f"transform {name}",
        ) from e


def check_taskgraph():
    try:
        import taskgraph  # noqa: F401
    except ImportError as e:
        return {"fatal": "missing", "error": f"{type(e).__name__}: {e}", "install": INSTALL}
    version = getattr(taskgraph, "__version__", "unknown")
    if version != REQUIRED_VERSION:
        return {"fatal": "version", "version": version, "install": INSTALL}
    return None


def main():
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, LEVEL, logging.WARNING),
        format=f"{PROGRAM}: python: %(levelname)s: %(name)s: %(message)s",
    )
    problem = check_taskgraph()
    send({"hello": problem or {"taskgraph": REQUIRED_VERSION, "python": sys.version.split()[0]}})
    if problem:
        return 0
    worker = Worker()
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            op = getattr(worker, "op_" + req["op"])
            send_result(op(req))
            if req["op"] == "shutdown":
                return 0
        except BaseException as e:  # noqa: BLE001 - every failure goes back to Rust
            context = e.context if isinstance(e, BridgeError) else {}
            message = str(e) if isinstance(e, BridgeError) else f"{type(e).__name__}: {e}"
            cause = e.__cause__ if isinstance(e, BridgeError) and e.__cause__ else e
            tb = "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
            send({"ok": False, "error": message, "traceback": tb, **context})
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
