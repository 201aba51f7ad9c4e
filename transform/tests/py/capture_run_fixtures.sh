#!/bin/bash
# Regenerate the real-world fixtures of the run, fetch and cached_tasks modules:
#   transform/tests/fixtures/{run,fetch,cached_tasks}/rw-<repo>-<kind>.json
# For each repository: check-python.sh (KEEP=1) makes the pruned work tree, capture_inputs.py
# records what reaches the module in each kind, run_transform.py --update writes the expected
# outputs (Python taskgraph 24.5.1).   Usage: bash transform/tests/py/capture_run_fixtures.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../fixtures
SHARED=$(cd "$HERE/../../../../shared" && pwd)
export PYTHONHASHSEED=0 TASKGRAPH_SERIAL=1
for repo in balrog mozilla-linux-pkg-manager mozilla-vpn-client redo scriptworker-scripts taskcluster taskgraph xpi-manifest; do
  out=$(mktemp -d "/tmp/capture-$repo.XXXXXX")
  wt=$(KEEP=1 TG_PYTHON=python3 bash "$SHARED/realworld/check-python.sh" "$repo" "$out" 2>&1 | sed -n 's/^work tree: //p')
  root_url=$(sed -n 's/.*TASKCLUSTER_ROOT_URL=\([^, ]*\).*/\1/p' "$SHARED/realworld/$repo/README.txt" | head -1)
  for module in run fetch cached_tasks; do
    TASKCLUSTER_ROOT_URL=$root_url python3 "$HERE/capture_inputs.py" "$wt" "$out/parameters.yml" "$FIX/$module" "$repo" "taskgraph.transforms.$module"
  done
  rm -rf "$wt" "$out"
done
for module in run fetch cached_tasks; do
  python3 "$HERE/run_transform.py" --update "$FIX/$module"/rw-*.json
done
