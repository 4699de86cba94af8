#!/usr/bin/env bash
# Runs every test: unit and integration (SQLite and a throwaway PostgreSQL) on the release
# build, then the unit tests again under ASan+UBSan. Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."

start=$(date +%s)
scripts/install-deps.sh --test || { echo "make test: FAIL (could not install dependencies)"; exit 1; }

jobs=$(nproc)
status=0
summary=()

run_ctest() {  # name preset [extra ctest args]
  local name=$1 preset=$2; shift 2
  local log="build-logs/ctest-$name.log"
  ctest --preset "$preset" --output-on-failure -j "$jobs" "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E "tests passed, [0-9]+ tests failed out of" "$log" | tail -1)
  summary+=("$name: ${line:-no result}")
  [[ $rc -eq 0 ]] || status=1
}

mkdir -p build-logs
echo "== release build"
if cmake --preset release >/dev/null && cmake --build --preset release; then
  run_ctest release release
else
  summary+=("release: BUILD FAILED"); status=1
fi

echo "== ASan+UBSan build (unit tests)"
if cmake --preset asan >/dev/null && cmake --build --preset asan --target unit_tests; then
  run_ctest asan asan
else
  summary+=("asan: BUILD FAILED"); status=1
fi

elapsed=$(( $(date +%s) - start ))
verdict=PASS; [[ $status -eq 0 ]] || verdict=FAIL
joined=$(IFS='; '; echo "${summary[*]}")
echo "make test: $verdict — $joined — ${elapsed}s"
exit $status
