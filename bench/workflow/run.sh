#!/usr/bin/env bash
# Workflow benchmark: the same BPMN process (a parallel fork/join and an exclusive gateway, see
# README.md) run N times in the npm package bpmn-engine and in our engine, in memory and durable
# (SQLite synchronous=FULL + WAL; PostgreSQL too when one is available). It prints instances per
# second and the ratio to bpmn-engine, and never fails on the figures: it is a measurement.
#
#   bench/workflow/run.sh                    # N=10000
#   N=2000 bench/workflow/run.sh             # instances per measurement
#   N_EXTRA=10000 bench/workflow/run.sh      # N for the other bpmn-engine variants (default 2000)
#   PG=0 bench/workflow/run.sh               # no PostgreSQL rows
#   SQLITE_THREADS="1 16" PG_THREADS="1 16" bench/workflow/run.sh   # concurrent callers per durable row
#   WANGBAN_BENCH_PG_URL=postgresql://... bench/workflow/run.sh   # that database, not a throwaway one
#
# It installs bpmn-engine (package.json / package-lock.json) into its temp dir with npm, builds
# build-bench/bench/wangban_bench_workflow (Release, -j2), starts a throwaway PostgreSQL cluster
# when PostgreSQL is installed and no URL is given, and removes all of it on exit. The table goes
# to stdout and to bench/workflow/last-run.txt.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
HERE="$ROOT/bench/workflow"
OUT_FILE="$HERE/last-run.txt"
BUILD_DIR=${BENCH_BUILD_DIR:-$ROOT/build-bench}
BENCH_BIN="$BUILD_DIR/bench/wangban_bench_workflow"
N=${N:-10000}
N_EXTRA=${N_EXTRA:-2000}
WARMUP_INSTANCES=${WARMUP_INSTANCES:-200}
PG=${PG:-1}
SQLITE_THREADS=${SQLITE_THREADS:-"1 2 8 32"}  # a durable row per number of concurrent callers
PG_THREADS=${PG_THREADS:-"1 2 8 32"}

for tool in node npm cmake ninja; do
  command -v "$tool" >/dev/null 2>&1 || { log "$tool is required"; exit 1; }
done

LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
BUSY_BEFORE=$(cpu_busy_now)
bench_tmp

# --- bpmn-engine ------------------------------------------------------------------------------
NPM_DIR="$TMP/bpmn-bench"
mkdir -p "$NPM_DIR"
cp "$HERE/package.json" "$HERE/bpmn_engine_bench.js" "$NPM_DIR/"
if [[ -f "$HERE/package-lock.json" ]]; then
  cp "$HERE/package-lock.json" "$NPM_DIR/"
  log "installing bpmn-engine (npm ci, from package-lock.json)"
  (cd "$NPM_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
else
  log "installing bpmn-engine (npm install; package-lock.json written back)"
  (cd "$NPM_DIR" && npm install --no-audit --no-fund --loglevel=error >&2)
  cp "$NPM_DIR/package-lock.json" "$HERE/package-lock.json"
fi

# --- our bench binary -------------------------------------------------------------------------
log "building ${BENCH_BIN#"$ROOT"/} (Release)"
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWANGBAN_BUILD_BENCH=ON \
  -DWANGBAN_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" --target wangban_bench_workflow -j 2 >&2

# --- PostgreSQL -------------------------------------------------------------------------------
PG_URL=${WANGBAN_BENCH_PG_URL:-}
PG_NOTE=""
if [[ -z "$PG_URL" && "$PG" == 1 ]]; then
  if [[ -x "$PG_BIN/initdb" ]]; then
    log "starting a throwaway PostgreSQL cluster"
    if start_pg; then
      PG_URL="$PG_URL_BASE/bench"
      PG_NOTE="PostgreSQL: a throwaway cluster ($PG_BIN, default settings: fsync on, synchronous_commit on) in $TMP"
    else
      PG_NOTE="PostgreSQL: the throwaway cluster did not start; no PostgreSQL rows"
    fi
  else
    PG_NOTE="PostgreSQL: not installed ($PG_BIN/initdb); no PostgreSQL rows"
  fi
elif [[ -n "$PG_URL" ]]; then
  PG_NOTE="PostgreSQL: WANGBAN_BENCH_PG_URL (its rows stay in that database)"
fi

# --- the runs (one at a time) -----------------------------------------------------------------
ROWS="$TMP/rows.tsv"
: >"$ROWS"

run_bpmn_engine() {  # N ARGS...
  local n=$1
  shift
  log "bpmn-engine: N=$n $*"
  if ! (cd "$NPM_DIR" && node bpmn_engine_bench.js --bpmn "$HERE/fork_join_xor.bpmn-engine.bpmn" \
      --reference "$HERE/fork_join_xor.bpmn" --n "$n" --warmup "$WARMUP_INSTANCES" "$@" >>"$ROWS"); then
    log "bpmn-engine run failed ($*)"
  fi
}

# The baseline first: the definition parsed once, the expression condition, one at a time.
BASE_MODE="memory, parsed once, expression condition, sequential"
run_bpmn_engine "$N" --load once
run_bpmn_engine "$N_EXTRA" --load once --concurrency 100
run_bpmn_engine "$N_EXTRA" --load each
run_bpmn_engine "$N_EXTRA" --load once --condition script

modes="memory:1,memory:2"
for t in $SQLITE_THREADS; do modes+=",sqlite:$t"; done
modes+=",sqlite-nogroup:8,sqlite-batch:100,sqlite-normal:1"
if [[ -n "$PG_URL" ]]; then
  for t in $PG_THREADS; do modes+=",pg:$t"; done
fi
log "wangban: N=$N, modes $modes"
if ! WANGBAN_BENCH_PG_URL="$PG_URL" TMPDIR="$TMP" "$BENCH_BIN" --n "$N" --warmup "$WARMUP_INSTANCES" \
    --modes "$modes" >>"$ROWS"; then
  log "wangban run failed"
fi

# --- the report -------------------------------------------------------------------------------
report() {
  local commit cpu_model
  commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    commit+=" (tracked files modified)"
  fi
  cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  echo "wangban workflow benchmark  $(date '+%Y-%m-%d %H:%M:%S %z')"
  echo "commit    $commit; ${BENCH_BIN#"$ROOT"/} (Release); node $(node --version)"
  echo "machine   $(nproc) CPUs, ${cpu_model:-unknown CPU}; load before run: $LOAD_BEFORE;" \
    "CPUs busy just before: $BUSY_BEFORE"
  if ((${BUSY_BEFORE%\%} > 20)); then
    echo "          note: something else was using the CPUs when the run started; the figures are low"
  fi
  echo "process   bench/workflow/fork_join_xor.bpmn (bpmn-engine: fork_join_xor.bpmn-engine.bpmn, same graph):"
  echo "          start, service, parallel fork, 2 services, join, exclusive gateway (amount > 100),"
  echo "          1 service, end; half the instances per branch; $WARMUP_INSTANCES warm-up instances first"
  [[ -z "$PG_NOTE" ]] || echo "          $PG_NOTE"
  awk -F'\t' '$1 == "NOTE" {print "          " $2}' "$ROWS"
  echo
  awk -F'\t' -v BASEMODE="$BASE_MODE" '
    $1 == "ROW" { n++; eng[n] = $2; mode[n] = $3; cnt[n] = $4; sec[n] = $5; rate[n] = $6; cpu[n] = $7
                  if ($2 ~ /^bpmn-engine/ && $3 == BASEMODE) { base = $6 + 0; basemode = $3 }
                  if ($2 ~ /^bpmn-engine/ && $6 + 0 > fastest) { fastest = $6 + 0; fastmode = $3 } }
    END {
      printf "%-20s %-60s %6s %9s %12s %15s %12s\n", "engine", "mode", "N", "seconds", "instances/s", "vs bpmn-engine",
        "CPU us/inst"
      for (i = 1; i <= n; i++) {
        ratio = base <= 0 ? "-" : sprintf(rate[i] / base >= 100 ? "%.0fx" : "%.1fx", rate[i] / base)
        printf "%-20s %-60s %6d %9.3f %12.0f %15s %12s\n", eng[i], mode[i], cnt[i], sec[i], rate[i], ratio,
          cpu[i] == "" ? "-" : sprintf(cpu[i] >= 100 ? "%.0f" : "%.1f", cpu[i])
      }
      print ""
      if (base > 0) printf "ratio baseline: bpmn-engine, %s: %.1f instances/s\n", basemode, base
      for (i = 1; i <= n; i++) {
        if (eng[i] == "wangban" && mode[i] ~ /^memory, 1 thread/ && base > 0)
          printf "goal in memory  >= 100x bpmn-engine: %.0fx, %s (%.0fx its fastest variant, %s)\n", rate[i] / base,
            (rate[i] / base >= 100 ? "met" : "MISSED"), rate[i] / fastest, fastmode
        # Durable: one transaction per instance, SQLite synchronous=FULL or PostgreSQL.
        if (eng[i] == "wangban" && mode[i] ~ /^(SQLite FULL\+WAL|PostgreSQL), [0-9]+ threads?$/ && rate[i] + 0 > best) {
          best = rate[i] + 0; bestmode = mode[i]
        }
      }
      for (i = 1; i <= n; i++) if (eng[i] == "wangban" && mode[i] == "SQLite FULL+WAL, 1 thread") single = rate[i]
      if (bestmode != "")
        printf "goal durable    >= 5000 instances/s, one transaction each: best %.0f/s (%s), %s%s\n",
          best, bestmode, (best >= 5000 ? "met" : "MISSED"),
          (single != "" ? sprintf("; one caller at a time on SQLite: %.0f/s", single) : "")
    }' "$ROWS"
  echo
  echo "CPU us/inst: CPU time (user + system, all threads) of the benchmark process per instance, less"
  echo "sensitive than the rate to what else runs on the machine; PostgreSQL's own CPU is not in it."
  echo "Durable rows: T threads each calling Engine::Start, one transaction per instance; on SQLite"
  echo "concurrent transactions share a commit (group commit, each in its own savepoint) and every call"
  echo "returns once its commit is synced. Diagnostics (README.md), not durable figures: \"no group"
  echo "commit\" (each transaction syncs alone), \"per transaction\" (100 Engine::Start(tx, ...) calls in"
  echo "one transaction by hand), \"NORMAL (no fsync)\" (not durable across a power loss)."
}

echo
report | tee "$OUT_FILE.tmp"
mv "$OUT_FILE.tmp" "$OUT_FILE"
log "written to ${OUT_FILE#"$ROOT"/}"
