#!/usr/bin/env bash
# Reproduces the figures in docs/benchmarks.md and docs/benchmarks.json.
#
#   scripts/bench.sh [PROFILE ...]     default: every profile this build has
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
profiles=("$@")
[ ${#profiles[@]} -gt 0 ] || profiles=(l2)
for p in "${profiles[@]}"; do
  echo "=== $p: rate against testpmd io"
  # shellcheck disable=SC2086
  build/switchyard-bench --profile "$p" --baseline --warmup 2 --windows 5 ${BENCH_ARGS:-} \
    --update-json docs/benchmarks.json
  echo "=== $p: instructions per packet"
  # shellcheck disable=SC2086
  build-icount/switchyard-bench --profile "$p" --icount ${BENCH_ARGS:-} \
    --update-json docs/benchmarks.json
done
echo "bench.sh: docs/benchmarks.json updated"
