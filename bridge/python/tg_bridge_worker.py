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
(run a target-task method or filter), "strategies" (describe project optimization strategies),
"optimize" (a batch of should_remove_task / should_replace_task calls), "morph" (the project's
morphs on the morphed graph), "decision_parameters", "shutdown".

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


# The key that marks a value as a Python object the worker keeps (Worker.keep_objects).
OBJECT_KEY = "__tg_object__"


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
        # taskgraph's own strategies and morphs, as they were before register() ran.
        self.builtin_strategies = {}
        self.builtin_morphs = []
        # Task objects a loader put in its items, by handle: they go to Rust as their JSON
        # plus {"__tg_object__": handle} and come back as the same objects (see keep_objects).
        self.objects = []

    # ------------------------------------------------------------------ init
    def op_init(self, req):
        from taskgraph.config import load_graph_config
        from taskgraph.parameters import load_parameters_file

        import taskgraph.morph as morph
        import taskgraph.optimize.base as optimize_base

        before = registry_snapshot()
        self.builtin_strategies = dict(optimize_base.registry)
        self.builtin_morphs = list(morph.registered_morphs)
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

    def op_decision_hook(self, req):
        """`taskgraph decision`'s use of the hook: on the raw dict, no defaults filled."""
        from taskgraph.util.python_path import find_object

        path = self.graph_config["taskgraph"].get("decision-parameters")
        values = dict(req["parameters"])
        if path:
            decision_params = find_object(path)
            assert callable(decision_params)
            decision_params(self.graph_config, values)
        return {"parameters": values}

    def op_check_parameters(self, req):
        """`Parameters(**values).check()`, strict, with the project's schema extensions."""
        from taskgraph.parameters import Parameters

        Parameters(**req["parameters"]).check()
        return {}

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
        tasks = [self.restore_objects(task) for task in req["tasks"]]
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
        items = [self.keep_objects(item) for item in items]
        return {"items": jsonable_tasks(items, kind, f"loader {loader_path}"), "transforms": transforms}

    def keep_objects(self, value):
        """`value` with every taskgraph Task in it replaced by its JSON and a handle, the Task
        kept here: project transforms get the Task object back (`restore_objects`), as in
        taskgraph, where a loader's items reach the transforms without serialization."""
        from taskgraph.task import Task

        if isinstance(value, Task):
            handle = len(self.objects)
            self.objects.append(value)
            return {**value.to_json(), OBJECT_KEY: handle}
        if isinstance(value, dict):
            return {k: self.keep_objects(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.keep_objects(v) for v in value]
        return value

    def restore_objects(self, value):
        """The inverse of `keep_objects` for values coming back from Rust."""
        if isinstance(value, dict):
            handle = value.get(OBJECT_KEY)
            if isinstance(handle, int) and 0 <= handle < len(self.objects):
                return self.objects[handle]
            return {k: self.restore_objects(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.restore_objects(v) for v in value]
        return value

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

    # ------------------------------------------------------------ optimization
    def op_strategies(self, req):
        """Describe registered strategies by name: a composite of taskgraph's own strategies
        as a definition the Rust side builds natively ({"any": [...]}, {"all": [...]},
        {"alias": X}, {"not": X}, leaves named), anything else as project code (run here)."""
        import taskgraph.optimize.base as base

        out = {}
        for name in req["names"]:
            if name not in base.registry:
                raise BridgeError(
                    f"unknown optimization strategy {name!r} (registered: {', '.join(sorted(base.registry))})"
                )
            strategy = base.registry[name]
            definition = self.native_definition(strategy)
            if isinstance(definition, dict):
                out[name] = {"definition": definition}
            else:
                description = getattr(strategy, "description", name)
                out[name] = {"description": str(description)}
        return {"strategies": out}

    def native_definition(self, strategy):
        """A built-in strategy's name, or a composite of them with default split_args, else None."""
        from taskgraph.optimize import base

        for name, builtin in self.builtin_strategies.items():
            if strategy is builtin:
                return name
        key = {base.Any: "any", base.All: "all", base.Alias: "alias", base.Not: "not"}.get(type(strategy))
        split = getattr(strategy, "split_args", None)
        if key is None or not getattr(split, "__qualname__", "").startswith("CompositeStrategy.__init__"):
            return None
        subs = [self.native_definition(sub) for sub in strategy.substrategies]
        if not subs or any(sub is None for sub in subs):
            return None
        return {key: subs} if key in ("any", "all") else {key: subs[0]}

    def op_optimize(self, req):
        """One phase's calls: {"phase": "remove"|"replace", "tasks": [task...], "calls":
        [{"name", "task" (index), "arg", "deadline"}]} -> {"results": [...]}, where a removal
        answer is a bool and a replacement answer false, true (remove) or a taskId."""
        import taskgraph.optimize.base as base

        tasks = [task_from_json(t) for t in req["tasks"]]
        phase = req["phase"]
        results = []
        for call in req["calls"]:
            name, task = call["name"], tasks[call["task"]]
            step = f"optimization strategy {name} ({'should_remove_task' if phase == 'remove' else 'should_replace_task'})"
            try:
                strategy = base.registry[name]
                if phase == "remove":
                    results.append(bool(strategy.should_remove_task(task, self.parameters, call.get("arg"))))
                    continue
                rv = strategy.should_replace_task(task, self.parameters, call.get("deadline"), call.get("arg"))
            except Exception as e:
                raise BridgeError(f"{type(e).__name__}: {e}", kind=task.kind, task=task.label, step=step) from e
            if not rv or rv is True or isinstance(rv, str):
                results.append(rv if rv else False)
            else:
                raise BridgeError(
                    f"returned {rv!r}: expected False, True or a taskId", kind=task.kind, task=task.label, step=step
                )
        return {"results": results}

    # ------------------------------------------------------------------ morphs
    def op_morph(self, req):
        """The project's morphs (registered_morphs after taskgraph's own, in order) on the
        morphed graph: {"tasks": [task with task_id...], "label_to_taskid": {...}} -> the same,
        tasks in the graph's order after the last morph."""
        from taskgraph.graph import Graph
        from taskgraph.taskgraph import TaskGraph

        tasks = {}
        for t in req["tasks"]:
            task = task_from_json(t)
            tasks[task.task_id] = task
        edges = {
            (task_id, dep, name)
            for task_id, task in tasks.items()
            for name, dep in task.dependencies.items()
            if dep in tasks and name not in task.soft_dependencies
        }
        graph = TaskGraph(tasks, Graph(frozenset(tasks), edges))
        label_to_taskid = dict(req["label_to_taskid"])
        names = []
        for m in self.project_morphs():
            name = getattr(m, "__name__", repr(m))
            try:
                graph, label_to_taskid = m(graph, label_to_taskid, self.parameters, self.graph_config)
            except Exception as e:
                raise BridgeError(f"{type(e).__name__}: {e}", step=f"morph {name}") from e
            names.append(name)
        out = []
        for task in graph.tasks.values():
            try:
                out.append(dumps(task.to_json()))
            except (TypeError, ValueError) as e:
                raise BridgeError(f"task is not JSON-serializable: {e}", task=task.label, step="morphs") from e
        return {"tasks": Raw("[" + ",".join(out) + "]"), "label_to_taskid": label_to_taskid, "morphs": names}

    def project_morphs(self):
        import taskgraph.morph as morph

        return [m for m in morph.registered_morphs if not any(m is b for b in self.builtin_morphs)]

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
