"""Render a .taskcluster.yml with JSON-e for a GitHub push, as Taskcluster's GitHub service does.

Usage: render_taskcluster_yml.py TASKCLUSTER_YML REPO_URL BASE_SHA HEAD_SHA
Prints the decision task's shell command (the `bash -cx` argument of its payload).
"""
import json
import sys

import jsone
import yaml

path, repo_url, base_sha, head_sha = sys.argv[1:5]
with open(path) as f:
    template = yaml.safe_load(f)
event = {
    "ref": "refs/heads/main",
    "base_ref": None,
    "before": base_sha,
    "after": head_sha,
    "pusher": {"email": "pusher@example.com", "name": "pusher"},
    "repository": {"html_url": repo_url, "name": "redo", "full_name": "example/redo", "clone_url": repo_url + ".git"},
    "sender": {"login": "pusher"},
}
context = {
    "tasks_for": "github-push",
    "event": event,
    "as_slugid": lambda name: "dEcIsIoNtAsKiD0000000A",
    "taskcluster_root_url": "https://tc.example.com",
}
rendered = jsone.render(template, context)
task = rendered["tasks"][0]
command = task["payload"]["command"]
print(json.dumps({"command": command[-1], "image": task["payload"]["image"]}))
