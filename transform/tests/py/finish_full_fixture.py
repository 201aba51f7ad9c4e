#!/usr/bin/env python3
"""Turn a capture_inputs.py fixture from a full source checkout into an rwfull-* fixture.

    finish_full_fixture.py CAPTURED.json WORKTREE OUT.json MODULE

Keeps only tasks whose run.using is built into taskgraph (run module), adds the files that
toolchain-script digests hash as repo_files, renames and rewords; skips kinds left empty.
"""

import json
import subprocess
import sys

from taskgraph.util import path as mozpath

BUILTIN_USING = {"run-task", "toolchain-script", "index-search", "always-optimized"}


def main(src, worktree, out, module):
    with open(src) as fh:
        f = json.load(fh)
    tasks = f["cases"][0]["input"]
    if module == "run":
        dropped = sorted({t["run"]["using"] for t in tasks if t["run"]["using"] not in BUILTIN_USING})
        tasks = [t for t in tasks if t["run"]["using"] in BUILTIN_USING]
        if dropped:
            f["about"] += f"; tasks using project-defined run.using {dropped} left out"
    if not tasks:
        print(f"{out}: no tasks left, skipped", file=sys.stderr)
        return
    f["cases"][0]["input"] = tasks
    f["about"] = f["about"].replace("check-python.sh's pruned work tree", "a full source checkout (capture_full_source.sh)")
    f["command"] = "bash transform/tests/py/capture_full_source.sh REPO SOURCE  (see that script)"
    scripts = [t["run"] for t in tasks if module == "run" and t["run"]["using"] == "toolchain-script"]
    if scripts:
        tracked = subprocess.run(["git", "ls-files"], cwd=worktree, capture_output=True, text=True).stdout.split("\n")
        patterns = set()
        for r in scripts:
            patterns.update(r.get("resources", []))
            patterns.add(mozpath.normpath(mozpath.join("taskcluster/scripts/toolchain/", r["script"])))
        files = {"taskcluster/config.yml": None}
        for p in patterns:
            files.update({x: None for x in tracked if x and mozpath.match(x, p)})
        f["repo_files"] = {}
        for x in sorted(files):
            with open(f"{worktree}/{x}", newline="") as fh:
                f["repo_files"][x] = fh.read()
    with open(out, "w") as fh:
        json.dump(f, fh, indent=1)
        fh.write("\n")
    print(f"{out}: {len(tasks)} tasks", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:])
