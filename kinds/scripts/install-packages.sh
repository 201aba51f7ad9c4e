#!/bin/bash
# Installs Debian packages without recommends and cleans the apt lists.
# Shared by the docker images (see `# %include` in docker/base/Dockerfile).
set -euo pipefail
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
rm -rf /var/lib/apt/lists/*
