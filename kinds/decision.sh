#!/usr/bin/env bash
# The decision task for this example, as a shell pipeline under `set -euo pipefail`:
#
#   tg-load | tg-transform | tg-resolve | tg-optimize | tg-morph | tg-submit
#
# With no Taskcluster configured (no TASKCLUSTER_PROXY_URL / TASKCLUSTER_ROOT_URL), tg-optimize
# uses an empty index and tg-submit writes the createTask requests to $TG_OUT/queue instead of
# sending them. Environment:
#   TG_BIN         directory of the tg-* binaries (default: found on PATH)
#   TG_ROOT        taskgraph root (default: this directory)
#   TG_PARAMETERS  parameters file (default: $TG_ROOT/parameters.yml)
#   TG_OUT         output directory (default: ./decision-out)
#   TG_INDEX       tg-optimize --index FILE (or `empty`) instead of the Taskcluster index
#   TG_TASKCLUSTER_YML  the repository's .taskcluster.yml, for actions.json (default: the VCS
#                  root's, else $TG_ROOT/.taskcluster.yml as this example ships one)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${TG_ROOT:-$here}
params=${TG_PARAMETERS:-$root/parameters.yml}
out=${TG_OUT:-$PWD/decision-out}
if [ -n "${TG_BIN:-}" ]; then PATH="$TG_BIN:$PATH"; fi
# A new decision makes new taskIds: start with fresh state. To resume an interrupted submission,
# rerun only the last stage on the saved graph:
#   tg-submit -r ROOT -p PARAMS --state "$out/state" ... < "$out/morphed.jsonl"
rm -rf "$out/state" "$out/queue"
mkdir -p "$out/artifacts"
common=(-r "$root" -p "$params")
optimize_args=()
submit_args=()
if [ -n "${TG_INDEX:-}" ]; then optimize_args+=(--index "$TG_INDEX"); fi
if [ -z "${TASKCLUSTER_PROXY_URL:-}${TASKCLUSTER_ROOT_URL:-}" ]; then
  # No Taskcluster: task definitions still need a root URL (as in taskgraph); the index is
  # empty and the queue is the local dry-run directory.
  export TASKCLUSTER_ROOT_URL=https://tc.example.com
  optimize_args=(--index empty)
  submit_args+=(--dry-run)
  echo "decision: no Taskcluster configured: root URL $TASKCLUSTER_ROOT_URL, empty index, dry-run queue" >&2
fi

tg-load "${common[@]}" \
  | tg-transform "${common[@]}" \
  | tee "$out/full.jsonl" \
  | tg-resolve "${common[@]}" --target-tasks-out "$out/target-tasks.json" \
  | tg-optimize "${common[@]}" "${optimize_args[@]}" --target-tasks "$out/target-tasks.json" \
      --label-to-taskid "$out/optimized-label-to-taskid.json" \
  | tg-morph "${common[@]}" --label-to-taskid-in "$out/optimized-label-to-taskid.json" \
      --label-to-taskid "$out/label-to-taskid.json" \
  | tee "$out/morphed.jsonl" \
  | tg-submit "${common[@]}" "${submit_args[@]}" --state "$out/state" --artifacts "$out/artifacts" \
      --full-graph "$out/full.jsonl" --target-tasks "$out/target-tasks.json" \
      --label-to-taskid "$out/label-to-taskid.json" --dry-run-dir "$out/queue"

tcyml=${TG_TASKCLUSTER_YML:-$(git -C "$root" rev-parse --show-toplevel 2>/dev/null || echo "$root")/.taskcluster.yml}
[ -f "$tcyml" ] || tcyml=$root/.taskcluster.yml
tg-action render "${common[@]}" --artifacts "$out/artifacts" --taskcluster-yml "$tcyml"

echo "decision: done; artifacts in $out/artifacts" >&2
