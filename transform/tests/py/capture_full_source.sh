#!/bin/bash
# Capture real inputs of the run, fetch and cached_tasks transforms from a FULL source checkout of
# a real-world repository (its project transforms included), as fixtures
#   transform/tests/fixtures/{run,fetch,cached_tasks}/rwfull-<repo>-<kind>.json
#
#   capture_full_source.sh REPO GIT_URL_OR_DIR
#
# REPO names shared/realworld/REPO (its README.txt gives the commit and root URL, parameters.yml
# the parameters); the repository is cloned at that commit (blobs missing from a partial mirror
# become placeholder files). taskgraph runs with the project's own code, with these offline
# stubs/extras on PYTHONPATH (set PYLIB to a directory holding them):
#   - stub/sitecustomize.py (below): Docker Hub digest look-ups return sha256:000..0, as in the
#     stored references;
#   - `pip install --no-deps --target $PYLIB mozilla-taskgraph==5.0.1 mozilla-version==5.0.0`
#     (projects' register functions import them).
# The full run is compared with shared/realworld/REPO/reference/full-task-graph.json first.
# Only tasks whose run.using is built into taskgraph are kept (taskcluster's `bare` is
# registered by its own code). Toolchain tasks get the files their digests hash as repo_files.
# Expected outputs: run_transform.py --update.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
FIX=$HERE/../fixtures
SHARED=$(cd "$HERE/../../../../shared" && pwd)
NAME=$1; SRC=$2; RW=$SHARED/realworld/$NAME
COMMIT=$(sed -n 's/^Source: .* at commit \([0-9a-f]*\).*/\1/p' "$RW/README.txt")
ROOT_URL=$(sed -n 's/.*TASKCLUSTER_ROOT_URL=\([^, ]*\).*/\1/p' "$RW/README.txt" | head -1)
PYLIB=${PYLIB:?set PYLIB to a directory with mozilla-taskgraph and mozilla-version installed}
TMP=$(mktemp -d "/tmp/capture-full-$NAME.XXXXXX"); trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/stub"
cat > "$TMP/stub/sitecustomize.py" <<'PY'
import requests
_orig_get = requests.get
class _DigestResponse:
    def json(self):
        return {"digest": "sha256:" + "0" * 64}
def _get(url, *args, **kwargs):
    if "hub.docker.com" in str(url):
        return _DigestResponse()
    return _orig_get(url, *args, **kwargs)
requests.get = _get
PY
W=$TMP/src
git clone -q --no-checkout "$SRC" "$W"
cd "$W"
git checkout -q "$COMMIT" 2>/dev/null || true
for p in $(git ls-tree --name-only HEAD); do git checkout HEAD -- "$p" 2>/dev/null || true; done
git ls-files | while read -r f; do
  [ -e "$f" ] || { mkdir -p "$(dirname "$f")"; echo "placeholder: blob missing from the mirror" > "$f"; }
done
export PYTHONPATH=$TMP/stub:$PYLIB:$W/taskcluster PYTHONHASHSEED=0 TASKGRAPH_SERIAL=1 TASKCLUSTER_ROOT_URL=$ROOT_URL
taskgraph full --json -p "$RW/parameters.yml" > "$TMP/full.json" 2>"$TMP/full.err" || { tail -5 "$TMP/full.err"; exit 1; }
python3 "$SHARED/tools/compare_graphs.py" "$RW/reference/full-task-graph.json" "$TMP/full.json" --quiet \
  --ignore task.payload.upload_date | tail -1 || true
for m in run fetch cached_tasks; do
  python3 "$HERE/capture_inputs.py" "$W" "$RW/parameters.yml" "$TMP/cap/$m" "$NAME" "taskgraph.transforms.$m" 2>&1 | grep -v " INFO " || true
  for f in "$TMP/cap/$m"/rw-*.json; do
    [ -e "$f" ] || continue
    kind=${f##*/rw-$NAME-}
    python3 "$HERE/finish_full_fixture.py" "$f" "$W" "$FIX/$m/rwfull-$NAME-$kind" "$m"
  done
done
python3 "$HERE/run_transform.py" --update "$FIX"/*/rwfull-"$NAME"-*.json
