#!/usr/bin/env bash
# Builds Switchyard. `build.sh release` → build/ (optimised, for run and bench);
# `build.sh asan` → build-asan/ (AddressSanitizer + UBSan, for the tests);
# `build.sh icount` → build-icount/ (release without AVX-512, so valgrind can
# count the bench's instructions).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:-release}
case "$kind" in
  release) dir=build;      opts=(--buildtype=release -Db_ndebug=true) ;;
  asan)    dir=build-asan; opts=(--buildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false) ;;
  icount)  dir=build-icount; opts=(--buildtype=release -Ddebug=true -Db_ndebug=true -Dmarch=x86-64-v3) ;;
  *) echo "usage: build.sh [release|asan|icount]" >&2; exit 64 ;;
esac
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "${opts[@]}" >/dev/null
fi
# Two cores: two jobs keeps memory and the machine responsive.
ninja -C "$dir" -j 2 >"$dir/ninja.log" 2>&1 || { tail -60 "$dir/ninja.log"; exit 1; }
echo "build.sh: $dir ready"
