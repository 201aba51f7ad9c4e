"""Compare two decisions made against the same tc-fake: Python taskgraph's and ours.

  compare_decisions.py create-decision ROOT_URL TASK_ID SCHEDULER_ID
      creates the decision task itself (the tasks of a decision depend on it)
  compare_decisions.py compare ROOT_URL COMPARE_GRAPHS A_ID A_DIR B_ID B_DIR
      A_DIR and B_DIR are the checkouts the two decisions ran in (artifacts/ and
      docker-contexts/ inside). Prints a JSON report: tasks compared and identical, artifacts
      compared and identical, and every difference.

Tasks are compared by label: taskIds (in any string) become labels, the decision's own id
becomes <decision>, and timestamps become offsets in seconds from the task's `created`.
"""
import datetime
import json
import os
import re
import subprocess
import sys
import urllib.request

import taskcluster
import yaml

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def parse_time(s):
    return datetime.datetime.strptime(s.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S")


def normalise(value, ids, created, key=None):
    if isinstance(value, dict):
        return {normalise(k, ids, created): normalise(v, ids, created, k) for k, v in value.items()}
    if isinstance(value, list):
        items = [normalise(v, ids, created) for v in value]
        # A task's dependencies are a set (Python lists them in taskId order, which is random).
        return sorted(items) if key == "dependencies" else items
    if isinstance(value, str):
        if TIME.match(value):
            return f"<created{(parse_time(value) - created).total_seconds():+.0f}s>"
        for task_id, label in ids.items():
            value = value.replace(task_id, f"<{label}>")
        return value
    return value


def group_tasks(state, group, checkout):
    with open(os.path.join(checkout, "artifacts", "label-to-taskid.json")) as f:
        label_to_id = json.load(f)
    ids = {tid: label for label, tid in label_to_id.items()}
    ids[group] = "decision"
    out = {}
    for task_id, task in state["tasks"].items():
        definition = task["def"]
        if definition["taskGroupId"] != group or task_id == group:
            continue
        label = ids.get(task_id, task_id)
        out[label] = normalise(definition, ids, parse_time(definition["created"]))
    return out


def read(path):
    with open(path, "rb") as f:
        return f.read()


def compare_artifacts(compare_graphs, a_dir, b_dir, a_id, b_id):
    a_art, b_art = os.path.join(a_dir, "artifacts"), os.path.join(b_dir, "artifacts")
    results = {}
    for name in ["parameters.yml"]:
        results[name] = yaml.safe_load(read(os.path.join(a_art, name))) == yaml.safe_load(read(os.path.join(b_art, name)))
    # Graph artifacts under compare_graphs.py, each decision's own taskId made the same; the
    # target set is a set (Python writes it in its set's hash order).
    for name in ["full-task-graph.json", "task-graph.json", "target-tasks.json"]:
        copies = []
        for art, decision in [(a_art, a_id), (b_art, b_id)]:
            copy = os.path.join(art, "..", f"compared-{name}")
            with open(copy, "w") as f:
                f.write(read(os.path.join(art, name)).decode().replace(decision, "DECISION"))
            copies.append(copy)
        p = subprocess.run([sys.executable, compare_graphs, "-q", *copies], capture_output=True, text=True)
        last = (p.stdout.strip().splitlines() or [""])[-1]
        m = re.search(r"identical: (\d+)/(\d+)", last)
        results[name] = bool(m) and m.group(1) == m.group(2) and m.group(2) != "0"
    for name in ["runnable-jobs.json"]:
        results[name] = json.loads(read(os.path.join(a_art, name))) == json.loads(read(os.path.join(b_art, name)))
    results["label-to-taskid.json"] = (json.loads(read(os.path.join(a_art, "label-to-taskid.json"))).keys()
                                       == json.loads(read(os.path.join(b_art, "label-to-taskid.json"))).keys())
    actions_a = read(os.path.join(a_art, "actions.json")).decode().replace(a_id, "<decision>")
    actions_b = read(os.path.join(b_art, "actions.json")).decode().replace(b_id, "<decision>")
    results["actions.json"] = json.loads(actions_a) == json.loads(actions_b)
    for name in ["run-task", "fetch-content"]:
        results[name] = read(os.path.join(a_art, name)) == read(os.path.join(b_art, name))
    a_ctx, b_ctx = os.path.join(a_dir, "docker-contexts"), os.path.join(b_dir, "docker-contexts")
    a_names = sorted(os.listdir(a_ctx)) if os.path.isdir(a_ctx) else []
    b_names = sorted(os.listdir(b_ctx)) if os.path.isdir(b_ctx) else []
    results["docker-contexts (names)"] = a_names == b_names
    for name in a_names:
        if name in b_names:
            results[f"docker-contexts/{name}"] = read(os.path.join(a_ctx, name)) == read(os.path.join(b_ctx, name))
    return results


def main():
    cmd = sys.argv[1]
    root_url = sys.argv[2]
    options = taskcluster.optionsFromEnvironment({"rootUrl": root_url})
    if cmd == "create-decision":
        task_id, scheduler_id = sys.argv[3], sys.argv[4]
        now = datetime.datetime.utcnow()

        def at(s):
            return (now + datetime.timedelta(seconds=s)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

        taskcluster.Queue(options).createTask(task_id, {
            "provisionerId": "decision", "workerType": "linux", "schedulerId": scheduler_id,
            "taskGroupId": task_id, "created": at(0), "deadline": at(3600), "expires": at(86400),
            "payload": {}, "metadata": {"name": "decision", "description": "d",
                                        "owner": "dev@example.com", "source": "https://example.com"},
        })
        return 0
    compare_graphs, a_id, a_dir, b_id, b_dir = sys.argv[3:8]
    with urllib.request.urlopen(root_url + "/__fake/state") as f:
        state = json.load(f)
    a_tasks, b_tasks = group_tasks(state, a_id, a_dir), group_tasks(state, b_id, b_dir)
    same = sorted(label for label in a_tasks if b_tasks.get(label) == a_tasks[label])
    differ = sorted(set(a_tasks) ^ set(b_tasks) | {label for label in a_tasks if label in b_tasks and a_tasks[label] != b_tasks[label]})
    artifacts = compare_artifacts(compare_graphs, a_dir, b_dir, a_id, b_id)
    report = {
        "tasks": len(a_tasks), "tasks_ours": len(b_tasks), "tasks_identical": len(same), "tasks_differing": differ,
        "artifacts": len(artifacts), "artifacts_identical": sum(artifacts.values()),
        "artifacts_differing": sorted(k for k, v in artifacts.items() if not v),
    }
    if differ:
        label = differ[0]
        report["first_difference"] = {"label": label, "python": a_tasks.get(label), "ours": b_tasks.get(label)}
    print(json.dumps(report, indent=1))
    return 0


sys.exit(main())
