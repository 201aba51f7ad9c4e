#!/bin/bash
# Runs once while building the base image.
set -euo pipefail

bash /setup/install-packages.sh ca-certificates curl git mercurial python3 zstd

groupadd -g 1000 worker
useradd -u 1000 -g 1000 -d /builds/worker -s /bin/bash -m worker
mkdir -p /builds/worker/artifacts /builds/worker/checkouts /builds/worker/.task-cache/cargo
chown -R worker:worker /builds/worker
