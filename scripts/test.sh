#!/usr/bin/env bash
# The README's test command: installs what is missing, builds with sanitizers,
# runs every test layer (unit, packet, bench harness, lab) and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/hugepages.sh || true
bash scripts/build.sh asan || { echo "0 passed, 1 failed"; exit 1; }

results=$root/build-asan/test-results
rm -rf "$results" && mkdir -p "$results"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_catch() {  # name binary
  local name=$1 bin=$2
  echo "=== $name tests"
  "$bin" -r junit -o "$results/$name.xml" >"$results/$name.log" 2>&1
  local rc=$?
  if [ $rc -ne 0 ]; then tail -80 "$results/$name.log"; fi
  # A crash leaves no report: count it as one failure.
  if [ ! -s "$results/$name.xml" ]; then
    echo '<testsuites><testsuite name="'"$name"'"><testcase name="'"$name"' binary"><failure message="crashed"/></testcase></testsuite></testsuites>' >"$results/$name.xml"
  fi
}

run_catch unit build-asan/unit_tests
run_catch packet build-asan/packet_tests
echo "=== bench harness tests"
/usr/bin/python3 test/bench/bench_tests.py --build build-asan --junit "$results/bench.xml" 2>&1 | tee "$results/bench.log"
echo "=== lab tests"
/usr/bin/python3 test/lab/lab_tests.py --build build-asan --junit "$results/lab.xml" 2>&1 | tee "$results/lab.log"

/usr/bin/python3 scripts/junit_summary.py "$results"/*.xml
