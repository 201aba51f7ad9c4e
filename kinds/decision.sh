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
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${TG_ROOT:-$here}
params=${TG_PARAMETERS:-$root/parameters.yml}
out=${TG_OUT:-$PWD/decision-out}
if [ -n "${TG_BIN:-}" ]; then PATH="$TG_BIN:$PATH"; fi
mkdir -p "$out/artifacts"
common=(-r "$root" -p "$params")

tg-load "${common[@]}" \
  | tg-transform "${common[@]}" \
  | tee "$out/full.jsonl" \
  | tg-resolve "${common[@]}" \
  | tee "$out/target-graph.jsonl" \
  | tg-optimize "${common[@]}" \
  | tg-morph "${common[@]}" \
  | tee "$out/morphed.jsonl" \
  | tg-submit "${common[@]}" --state "$out/state" --artifacts "$out/artifacts" \
      --full-graph "$out/full.jsonl" --target-graph "$out/target-graph.jsonl" \
      --dry-run-dir "$out/queue"

echo "decision: done; artifacts in $out/artifacts" >&2
