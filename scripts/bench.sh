#!/usr/bin/env bash
# Reproduces the figures in docs/benchmarks.md and docs/benchmarks.json.
#
#   scripts/bench.sh [PROFILE ...]     default: every profile this build has
#   scripts/bench.sh scale             the routing scale run: 1,000,000 IPv4 and
#                                      200,000 IPv6 routes replaced 3 times each
#                                      while traffic flows
#
# For each profile: the rate against dpdk-testpmd io in the same run (release
# build, workers polling, median of 5 windows after a warm-up), then the
# instructions per packet under callgrind (build-icount/, no AVX-512). Both
# merge into docs/benchmarks.json. Extra switchyard-bench options can be
# passed in BENCH_ARGS (e.g. BENCH_ARGS="--frame-size imix").
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/hugepages.sh >/dev/null || true
bash scripts/build.sh release
bash scripts/build.sh icount
# A million IPv4 routes (the l3v4 default) take ~450 MiB of FIB, twice that
# while a swap builds the next one: more than the 1 GiB the lab reserves.
# Raise the reservation to 4 GiB for the run and put it back afterwards.
had=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$had" -lt 2048 ]; then
  echo 2048 >/proc/sys/vm/nr_hugepages 2>/dev/null || true
  trap 'echo "$had" >/proc/sys/vm/nr_hugepages 2>/dev/null || true' EXIT
fi
if [ "${1:-}" = scale ]; then
  build/switchyard-bench --profile l3v4 --routes 1000000 --swaps 3 --warmup 2 --windows 5 \
    --name l3v4-1M-routes --update-json docs/benchmarks.json
  build/switchyard-bench --profile l3v6 --routes 200000 --swaps 3 --warmup 2 --windows 5 \
    --name l3v6-200k-routes --update-json docs/benchmarks.json
  echo "bench.sh: docs/benchmarks.json updated"
  exit 0
fi
profiles=("$@")
[ ${#profiles[@]} -gt 0 ] || profiles=(l2 l3v4 l3v6 vxlan)
for p in "${profiles[@]}"; do
  echo "=== $p: rate against testpmd io"
  # shellcheck disable=SC2086
  build/switchyard-bench --profile "$p" --baseline --warmup 2 --windows 5 ${BENCH_ARGS:-} \
    --update-json docs/benchmarks.json
  echo "=== $p: instructions per packet"
  # Under valgrind, building a million routes takes half an hour; a DIR-24-8
  # or LPM6 lookup costs the same instructions with a tenth of them.
  icount_routes=()
  case "$p" in
    l3v4) icount_routes=(--routes 100000) ;;
    l3v6) icount_routes=(--routes 20000) ;;
  esac
  # shellcheck disable=SC2086
  build-icount/switchyard-bench --profile "$p" --icount "${icount_routes[@]}" ${BENCH_ARGS:-} \
    --update-json docs/benchmarks.json
done
echo "bench.sh: docs/benchmarks.json updated"
