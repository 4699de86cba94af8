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

echo "== web front end (Vitest, then the browser stories in headless chromium)"
if [[ -x build/wangban ]]; then
  WANGBAN_BINARY="$PWD/build/wangban" scripts/web-test.sh --e2e 2>&1 | tee build-logs/web.log
  if [[ ${PIPESTATUS[0]} -eq 0 ]]; then
    summary+=("web: $(grep -E "Tests +[0-9]+ passed" build-logs/web.log | tail -1 | tr -s ' ' | sed 's/^ //'), e2e $(grep -E "[0-9]+ passed, [0-9]+ failed" build-logs/web.log | tail -1)")
  else
    summary+=("web: FAILED (build-logs/web.log)"); status=1
  fi
else
  summary+=("web: SKIPPED (no release binary)"); status=1
fi

echo "== ASan+UBSan build (unit tests)"
if cmake --preset asan >/dev/null && cmake --build --preset asan --target unit_tests; then
  run_ctest asan asan
else
  summary+=("asan: BUILD FAILED"); status=1
fi

elapsed=$(( $(date +%s) - start ))
verdict=PASS; [[ $status -eq 0 ]] || verdict=FAIL
joined=$(printf '%s; ' "${summary[@]}"); joined=${joined%; }
echo "make test: $verdict — $joined — ${elapsed}s"
exit $status
