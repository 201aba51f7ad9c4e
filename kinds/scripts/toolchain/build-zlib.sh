#!/bin/bash
# Builds a static zlib from the `zlib` fetch and uploads it as a toolchain.
#   build-zlib.sh                           -> $UPLOAD_DIR/zlib.tar.zst
#   build-zlib.sh --host x86_64-w64-mingw32 -> $UPLOAD_DIR/zlib-win64.tar.zst
set -euo pipefail
. "$(dirname "$0")/common.sh"

name=zlib
if [ "${1:-}" = --host ]; then
    export CHOST=$2 CC=$2-gcc AR=$2-ar RANLIB=$2-ranlib
    name=zlib-win64
fi
prefix=$PWD/$name
cd "$MOZ_FETCHES_DIR/zlib"
./configure --static --prefix="$prefix"
make -j"$(nproc)" install
pack "$prefix" "$name"
