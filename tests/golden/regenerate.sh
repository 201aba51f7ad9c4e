#!/bin/bash
# Regenerate the Python reference outputs for the example config in kinds/.
#
#   tests/golden/regenerate.sh            (from anywhere)
#
# What it does (mirrors ../shared/realworld/check-python.sh):
#   1. copies kinds/ to a fresh directory as <tmp>/taskcluster (kinds/ is a taskgraph root,
#      i.e. what a repository keeps in taskcluster/), normalises file modes to 0644/0755
#      (docker context digests hash the modes) and makes <tmp> a one-commit git repository
#      whose origin is head_repository from kinds/parameters.yml (taskgraph needs git for the
#      repository root and for the tracked files that toolchain digests hash);
#   2. checks that kinds/parameters.yml sets every base parameter (nothing derived from git)
#      and saves it as parameters.yml here;
#   3. runs Python taskgraph with PYTHONHASHSEED=0 TASKGRAPH_SERIAL=1
#      TASKCLUSTER_ROOT_URL=https://tc.example.com:
#        taskgraph full         --json -> full-task-graph.json
#        taskgraph target       --json -> target-tasks.json
#        taskgraph target-graph --json -> target-task-graph.json
#        taskgraph optimized    --json -> optimized-task-graph.json  } PYTHONPATH=../shared/tools/
#        taskgraph morphed      --json -> morphed-task-graph.json    } python-empty-index
#      (the last two with every index look-up answering "not found", offline; their keys are
#      random taskIds, so they change on every run: compare them by label, e.g. with
#      ../shared/tools/compare_graphs.py);
#   4. sanity-checks the outputs (task counts per kind, docker digests, fetches, ...).
#
# Environment:
#   TG_PYTHON  a Python that can `import taskgraph` (taskcluster-taskgraph 24.5.1); default python3
#   KEEP=1     keep the temporary repository (its path is printed)
# Exit status: 0 on success, 1 if a taskgraph run or a sanity check failed, 2 on a usage or
# environment problem.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
KINDS=$REPO/kinds
SHARED=$(cd "$REPO/../shared" 2>/dev/null && pwd) || {
  echo "regenerate.sh: ../shared (next to the repository) not found" >&2; exit 2; }
EMPTY_INDEX=$SHARED/tools/python-empty-index
PY=${TG_PYTHON:-python3}
ROOT_URL=https://tc.example.com

[ -f "$KINDS/config.yml" ] || { echo "regenerate.sh: no $KINDS/config.yml" >&2; exit 2; }
[ -f "$EMPTY_INDEX/sitecustomize.py" ] || { echo "regenerate.sh: no $EMPTY_INDEX/sitecustomize.py" >&2; exit 2; }
# (run from / so that a directory called taskgraph/ in the cwd cannot shadow the package)
VERSION=$(cd / && "$PY" -c 'from importlib.metadata import version; print(version("taskcluster-taskgraph"))' 2>/dev/null) || {
  echo "regenerate.sh: $PY cannot import taskgraph; set TG_PYTHON" >&2; exit 2; }
[ "$VERSION" = 24.5.1 ] || { echo "regenerate.sh: taskcluster-taskgraph is $VERSION, expected 24.5.1" >&2; exit 2; }

W=$(mktemp -d /tmp/tg-golden.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "work tree: $W" >&2; else trap 'rm -rf "$W"' EXIT; fi

# 1. the repository: <W>/taskcluster is kinds/, with modes as a git checkout (umask 022) has them
mkdir "$W/taskcluster"
cp -r "$KINDS/." "$W/taskcluster/"
find "$W" -name __pycache__ -prune -exec rm -rf {} +
find "$W" -type f -perm -u+x -exec chmod 0755 {} +
find "$W" -type f ! -perm -u+x -exec chmod 0644 {} +
find "$W" -type d -exec chmod 0755 {} +
PARAMS=$W/taskcluster/parameters.yml
REMOTE=$(sed -n 's/^head_repository: *//p' "$PARAMS" | tr -d "'\"")
(
  cd "$W"
  git init -q
  git remote add origin "$REMOTE"
  git add -A
  git -c user.name=golden -c user.email=golden@example.com -c commit.gpgsign=false \
      commit -qm "kinds/ as taskcluster/"
)

# 2. the parameters: every base parameter set, nothing else; save an exact copy
(cd / && "$PY" - "$PARAMS" <<'PY'
import sys
import yaml
from taskgraph.parameters import _schema_key_names, base_schema

with open(sys.argv[1]) as fh:
    params = yaml.safe_load(fh)
required = {k for k in _schema_key_names(base_schema) if k != "code-review"}
missing, extra = sorted(required - set(params)), sorted(set(params) - required)
if missing or extra:
    sys.exit(f"kinds/parameters.yml: missing {missing}, unknown {extra}")
PY
)
cp "$KINDS/parameters.yml" "$HERE/parameters.yml"

# 3. the runs
export PYTHONHASHSEED=0 TASKGRAPH_SERIAL=1 TASKCLUSTER_ROOT_URL=$ROOT_URL
unset MOZ_AUTOMATION TASK_ID TASKGRAPH_USE_THREADS PYTHONPATH || true
run() {  # run COMMAND OUTFILE [PYTHONPATH]
  local cmd=$1 out=$2 pypath=${3:-}
  echo "taskgraph $cmd --json -> tests/golden/$out" >&2
  if ! (cd "$W" && PYTHONPATH=$pypath "$PY" -c \
        'import sys; from taskgraph.main import main; sys.exit(main(sys.argv[1:]))' \
        "$cmd" --json -p "$PARAMS" > "$HERE/$out.tmp" 2> "$W/$cmd.log"); then
    tail -30 "$W/$cmd.log" >&2
    echo "regenerate.sh: taskgraph $cmd failed" >&2
    rm -f "$HERE/$out.tmp"
    exit 1
  fi
  mv "$HERE/$out.tmp" "$HERE/$out"
}
run full full-task-graph.json
run target target-tasks.json
run target-graph target-task-graph.json
run optimized optimized-task-graph.json "$EMPTY_INDEX"
run morphed morphed-task-graph.json "$EMPTY_INDEX"

# 4. sanity checks
python3 - "$HERE" <<'PY'
import collections, json, os, re, sys

here = sys.argv[1]
def load(name):
    with open(os.path.join(here, name)) as fh:
        return json.load(fh)

full = load("full-task-graph.json")
target = load("target-tasks.json")
target_graph = load("target-task-graph.json")
optimized = load("optimized-task-graph.json")
morphed = load("morphed-task-graph.json")
errors = []
def check(cond, msg):
    if not cond:
        errors.append(msg)

for name, graph in (("full", full), ("target", target), ("target-graph", target_graph),
                    ("optimized", optimized), ("morphed", morphed)):
    check(graph, f"{name}: empty")
    per_kind = collections.Counter(t["attributes"]["kind"] for t in graph.values())
    print(f"{name}: {len(graph)} tasks: "
          + ", ".join(f"{k}={n}" for k, n in sorted(per_kind.items())), file=sys.stderr)

labels = set(full)
expect = {
    "docker-image": {"docker-image-base", "docker-image-build", "docker-image-fetch"},
    "build": {f"build-{p}-{t}" for p in ("linux64", "windows", "macos") for t in ("opt", "debug")}
             - {"build-macos-debug"},
    "test": {f"test-unit-linux64-{c}" for c in (1, 2, 3)}
            | {f"test-unit-windows-{c}" for c in (1, 2)} | {"test-unit-macos-1"},
    "signing": {f"signing-{p}-opt" for p in ("linux64", "windows", "macos")},
}
for kind, want in expect.items():
    got = {l for l, t in full.items() if t["attributes"]["kind"] == kind}
    check(got == want, f"{kind}: expected {sorted(want)}, got {sorted(got)}")

for label in expect["docker-image"]:
    env = full[label]["task"]["payload"]["env"]
    check(re.fullmatch(r"[0-9a-f]{64}", env.get("HASH", "")), f"{label}: no context digest")
    check(re.fullmatch(r"[0-9a-f]{64}",
                       full[label]["attributes"].get("cached_task", {}).get("digest", "")),
          f"{label}: no cached_task digest")
check("docker-image-base" in full["docker-image-build"]["dependencies"].values(),
      "docker-image-build does not depend on its parent")

def fetches(label):
    env = full[label]["task"]["payload"]["env"]
    return json.loads(env["MOZ_FETCHES"]["task-reference"]) if "MOZ_FETCHES" in env else []
check({f["task"] for f in fetches("build-linux64-opt")}
      == {"<fetch-protoc-linux64>", "<toolchain-linux64-zlib>"}, "build-linux64-opt fetches")
check({f["task"] for f in fetches("build-windows-opt")}
      == {"<fetch-protoc-win64>", "<toolchain-win64-zlib>"}, "build-windows-opt fetches")
check(fetches("signing-windows-opt")
      == [{"artifact": "public/build/widget-windows.tar.gz", "extract": False, "task": "<build>"}],
      "signing-windows-opt fetches")
check(fetches("test-unit-linux64-2")
      == [{"artifact": "public/build/widget-linux64.tar.gz", "extract": True, "task": "<build>"}],
      "test-unit-linux64-2 fetches")
check("build-macos-opt" not in target and "build-macos-opt" in target_graph,
      "build-macos-opt should be pulled into the target graph by its dependents only")
check("lint-audit" in full and "lint-audit" not in target, "lint-audit (PRs only) targeted")
check("lint-docs" in target_graph and not any(t["label"] == "lint-docs" for t in optimized.values()),
      "lint-docs should be optimized away (no files changed)")
check(len(morphed) == len(optimized), "morphed and optimized sizes differ")

if errors:
    print("sanity checks failed:\n  " + "\n  ".join(errors), file=sys.stderr)
    sys.exit(1)
print("sanity checks: ok", file=sys.stderr)
PY
