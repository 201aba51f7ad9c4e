#!/bin/bash
# Real repositories WITH their project code through the pipeline (Python bridge included),
# compared stage by stage with shared/realworld/<repo>/reference/*.json, and optionally timed
# against pure Python taskgraph on the same checkout.
#
#   bridge/scripts/realworld.sh CHECKOUTS [REPO...]
#
# CHECKOUTS holds one checkout per repository, named like shared/realworld/<repo>, at the commit
# its README.txt names (file modes 0644/0755; a git repository whose origin is head_repository).
# Use /tmp/tgref/realcfg as CHECKOUTS: the references were made there, and xpi-manifest embeds
# absolute paths of its checkout in attributes.resources (and, through them, in digests).
# Needs a Python with taskcluster-taskgraph==24.5.1 mozilla-taskgraph==5.0.1 mozilla-version==5.1.0
# (TG_PYTHON; default python3) and release binaries (TG_BIN; default ./target/release).
# offline_stub/ goes on PYTHONPATH, as for the references: Docker Hub digest look-ups
# (mozilla-vpn-client) answer an all-zero digest, index look-ups find nothing.
# Wall-clock fields made by project code are ignored: task.payload.env.DOCKER_ARCHIVE_TAG
# (scriptworker-scripts) and task.payload.upload_date (mozilla-vpn-client).
#
# BENCH=N also times N runs of `tg-load | tg-transform | tg-resolve | tg-optimize | tg-morph`
# against `taskgraph morphed --json` (default parallel mode, and TASKGRAPH_SERIAL=1), best of N.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
MAIN=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$MAIN/../shared}
CHECKOUTS=$(cd "${1:?usage: realworld.sh CHECKOUTS [REPO...]}" && pwd); shift
B=${TG_BIN:-$MAIN/target/release}
export TG_PYTHON=${TG_PYTHON:-python3}
export PYTHONPATH=$HERE/offline_stub PYTHONHASHSEED=0
REPOS=${*:-$(ls "$CHECKOUTS")}
IGNORE="--ignore task.payload.env.DOCKER_ARCHIVE_TAG --ignore task.payload.upload_date"
now() { date +%s.%N; }
for R in $REPOS; do
  C=$SHARED/realworld/$R; P=$C/parameters.yml; O=$(mktemp -d /tmp/tg-bridge-rw-$R.XXXXXX)
  URL=$(sed -n 's/.*TASKCLUSTER_ROOT_URL=\([^, ]*\).*/\1/p' "$C/README.txt" | head -1)
  export TASKCLUSTER_ROOT_URL=${URL:-https://firefox-ci-tc.services.mozilla.com}
  cd "$CHECKOUTS/$R" || continue
  echo '{}' > "$O/empty-index.json"
  pipeline() {
    "$B/tg-load" -q -p "$P" --allow-unknown-parameters > "$O/items.jsonl" &&
    "$B/tg-transform" -q -p "$P" < "$O/items.jsonl" > "$O/full.jsonl" &&
    "$B/tg-resolve" -q -p "$P" --allow-unknown-parameters < "$O/full.jsonl" > "$O/target-graph.jsonl" &&
    "$B/tg-optimize" -q -p "$P" --index "$O/empty-index.json" < "$O/target-graph.jsonl" > "$O/optimized.jsonl" &&
    "$B/tg-morph" -q -p "$P" < "$O/optimized.jsonl" > "$O/morphed.jsonl"
  }
  if ! pipeline 2> "$O/err"; then echo "$R: pipeline failed: $(tail -c 800 "$O/err")"; continue; fi
  line="$R:"
  for pair in full:full-task-graph target-graph:target-task-graph morphed:morphed-task-graph; do
    s=${pair%%:*}; ref=${pair##*:}
    # shellcheck disable=SC2086
    python3 "$SHARED/tools/compare_graphs.py" $IGNORE "$C/reference/$ref.json" "$O/$s.jsonl" > "$O/compare-$s.txt" 2>&1
    line="$line $s $(tail -1 "$O/compare-$s.txt" | sed 's/identical: \([0-9]*\/[0-9]*\).*/\1/')"
  done
  echo "$line   (outputs: $O)"
  if [ -n "${BENCH:-}" ]; then
    best() { local b=; for _ in $(seq "$BENCH"); do local t0; t0=$(now); "$@" > /dev/null 2>&1; local t; t=$(echo "$(now) - $t0" | bc); if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi; done; printf '%.2f' "$b"; }
    PYBIN=$(dirname "$(command -v "$TG_PYTHON" || echo "$TG_PYTHON")")
    ours=$(best pipeline)
    py=$(best "$TG_PYTHON" -c 'import sys; from taskgraph.main import main; sys.exit(main(sys.argv[1:]))' morphed --json -p "$P")
    pyser=$(TASKGRAPH_SERIAL=1 best "$TG_PYTHON" -c 'import sys; from taskgraph.main import main; sys.exit(main(sys.argv[1:]))' morphed --json -p "$P")
    echo "  bench $R (best of $BENCH, wall s): tg-* pipeline $ours | taskgraph morphed $py (parallel) / $pyser (serial)"
  fi
done
