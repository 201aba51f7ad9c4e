#!/bin/bash
# Helpers shared by the toolchain scripts.
set -euo pipefail

# pack DIR NAME: archive DIR as $UPLOAD_DIR/NAME.tar.zst
pack() {
    mkdir -p "$UPLOAD_DIR"
    tar -C "$(dirname "$1")" -cf - "$(basename "$1")" | zstd -19 -T0 -o "$UPLOAD_DIR/$2.tar.zst"
}
