#!/usr/bin/env bash
# Catalog benchmark of the wangban server: a catalog of 40,000 generated service items (plus
# the 146 demo items) imported with `wangban catalog import --publish`, then searched and listed
# over HTTP, on SQLite (synchronous=FULL) and PostgreSQL. It prints figures and never fails on
# them: it is a measurement, not a test. See README.md.
#
#   bench/catalog/run.sh                    # or: make bench
#   DURATION=30 bench/catalog/run.sh        # seconds per measured wrk run (default 10)
#   N_ITEMS=100000 bench/catalog/run.sh     # generated items (default 40000)
#   PG=0 bench/catalog/run.sh               # SQLite only
#
# The table goes to stdout and to bench/catalog/last-run.txt. Everything it starts (servers,
# the importer, the throwaway PostgreSQL cluster) and its temp dir are removed on exit, Ctrl-C
# included.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
HERE="$ROOT/bench/catalog"
OUT_FILE="$HERE/last-run.txt"
N_ITEMS=${N_ITEMS:-40000}
PG=${PG:-1}
BATCH="基准"
GUIDE=000107001000460100HKZJJ  # a demo item: 建筑工程施工许可 of 海口市住房和城乡建设局
LATENCY_SAMPLES=20             # sequential requests for the single-connection latency
# At 64 connections a request waits for the 63 before it: at 30 requests/s that is 2 s, wrk's
# default timeout, past which a request counts as an error and leaves the latencies.
WRK_TIMEOUT=30s

command -v node >/dev/null 2>&1 || { log "node is required (the item generator)"; exit 1; }
ensure_tools wrk postgresql curl
# ninja's default is CPUs + 2 jobs; on a small shared machine that starves everything else.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
ensure_binary
binary_info
bench_tmp

# lib.sh's bench waits, between the warm-up and the measured run, until the server is idle. A
# slow query leaves dozens of warm-up requests queued, and on PostgreSQL the server idles while
# the backends run them, so they would eat into the measured run: wait for the cluster too.
eval "lib_$(declare -f wait_idle)"
wait_idle() {
  lib_wait_idle "$1"
  if [[ -n "$BENCH_DB_PID" ]]; then
    lib_wait_idle "$BENCH_DB_PID"
    lib_wait_idle "$1"
  fi
}

# --- the queries ------------------------------------------------------------------------------
urlencode() { node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' "$1"; }
Q_LABELS=("q=施工许可" "q=护照" "department=HK-SCJG&online=true" "q=登记&type=01&audience=company" "GET item $GUIDE")
Q_PATHS=(
  "/api/v1/items?q=$(urlencode 施工许可)"
  "/api/v1/items?q=$(urlencode 护照)"
  "/api/v1/items?department=HK-SCJG&online=true&limit=20"
  "/api/v1/items?q=$(urlencode 登记)&type=01&audience=company"
  "/api/v1/items/$GUIDE"
)

# --- the items --------------------------------------------------------------------------------
# The demo catalog seeded into the SQLite database the SQLite server will use, exported as the
# generator's template, then N_ITEMS rows derived from it (gen_items.js).
SQLITE_DATA="$TMP/var-sqlite"  # start_wangban sqlite uses this data dir
log "seeding the demo data (SQLite) and exporting the demo catalog"
"$BIN" migrate --data "$SQLITE_DATA" >/dev/null
"$BIN" seed --demo --data "$SQLITE_DATA" >/dev/null 2>"$TMP/seed-sqlite.err" ||
  { cat "$TMP/seed-sqlite.err" >&2; exit 1; }
"$BIN" catalog export --format csv --out "$TMP/demo.csv" --data "$SQLITE_DATA" >/dev/null
log "generating $N_ITEMS items"
node "$HERE/gen_items.js" --demo "$TMP/demo.csv" --departments "$ROOT/data/catalog/departments.json" \
  --count "$N_ITEMS" --out "$TMP/items.csv" 2>"$TMP/gen.txt" || { cat "$TMP/gen.txt" >&2; exit 1; }
cat "$TMP/gen.txt" >&2
GEN_SUMMARY=$(sed -n 's/^gen_items: wrote [^:]*: //p' "$TMP/gen.txt")
CSV_MIB=$(awk -v b="$(stat -c %s "$TMP/items.csv")" 'BEGIN {printf "%.0f", b / 1048576}')

# --- imports ----------------------------------------------------------------------------------
IMP_DB=() IMP_RUN=() IMP_KV=()

# import_row DB RUN ARGS...: one timed `wangban catalog import` of the generated file.
import_row() {
  local db=$1 run=$2 kv
  shift 2
  log "import ($db, $run): $N_ITEMS rows"
  run_child node "$HERE/time_import.js" "$TMP/import-$db-$run.log" -- \
    "$BIN" catalog import "$TMP/items.csv" --publish --batch "$BATCH" "$@" >"$TMP/import-$db-$run.kv" || true
  kv=$(tail -1 "$TMP/import-$db-$run.kv")
  log "import ($db, $run): $kv"
  if [[ " $kv " != *" rc=0 "* ]]; then
    log "the import failed:"
    grep -v '^[0-9.]* writing' "$TMP/import-$db-$run.log" | tail -20 >&2 || true
  fi
  IMP_DB+=("$db") IMP_RUN+=("$run") IMP_KV+=("$kv")
}

kv_get() { # KV KEY
  local pair
  for pair in $1; do
    if [[ "${pair%%=*}" == "$2" ]]; then echo "${pair#*=}"; return 0; fi
  done
  echo "-"
}

# --- queries ----------------------------------------------------------------------------------
NOTES=()
Q_TOTALS=() Q_ONE=()  # per bench row: the match count, the single-connection latency

# The `total` of a list answer (the size of the match set), or the size of a guide in bytes.
match_count() {  # URL
  curl -sS --max-time 30 "$1" -o "$TMP/answer.json" -w '%{http_code}' >"$TMP/answer.code" 2>/dev/null || true
  # shellcheck disable=SC2016  # JavaScript, not shell
  node -e '
    const fs = require("fs");
    const code = fs.readFileSync(process.argv[2], "utf8").trim();
    let text = "";
    try { text = fs.readFileSync(process.argv[1], "utf8"); } catch {}
    if (code !== "200") { process.stdout.write("HTTP " + (code || "failed")); process.exit(0); }
    const j = JSON.parse(text);
    process.stdout.write("total" in j ? String(j.total) : `guide ${Math.round(Buffer.byteLength(text) / 1024)} KiB`);
  ' "$TMP/answer.json" "$TMP/answer.code"
}

# Median of LATENCY_SAMPLES sequential requests (one connection at a time, the server idle): the
# cost of one request without queueing, in ms.
single_latency() {  # URL
  local i
  for ((i = 0; i < LATENCY_SAMPLES; i++)); do
    curl -sS --max-time 30 -o /dev/null -w '%{time_total}\n' "$1" 2>/dev/null || echo 999
  done | sort -n | awk '{a[NR] = $1} END {printf "%.1f", 1000 * a[int((NR + 1) / 2)]}'
}

query_rows() {  # DB
  local i url
  for i in "${!Q_PATHS[@]}"; do
    url="http://127.0.0.1:$WB_PORT${Q_PATHS[$i]}"
    Q_TOTALS+=("$(match_count "$url")")
    Q_ONE+=("$(single_latency "$url")")
    bench "${Q_LABELS[$i]}, $1" "$url" --timeout "$WRK_TIMEOUT"
  done
}

skip_queries() {  # DB REASON
  local i
  for i in "${!Q_PATHS[@]}"; do
    skip_row "${Q_LABELS[$i]}, $1" "$2"
    Q_TOTALS+=("-") Q_ONE+=("-")
  done
}

peak_rss_mib() { awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

# --- the runs ---------------------------------------------------------------------------------
# 1. SQLite: two imports into the seeded database, then the server on it.
import_row sqlite first --data "$SQLITE_DATA"
import_row sqlite again --data "$SQLITE_DATA"
"$BIN" catalog report --data "$SQLITE_DATA" >"$TMP/report.txt" 2>&1 || true  # exits 3 on deviations
DEVIATIONS=$(sed -n 's/^四级四同 deviations: //p' "$TMP/report.txt")
ITEMS_SQLITE=$(awk '$1 == "all" {print $2}' "$TMP/report.txt")
NOTES+=("after the import (sqlite): ${ITEMS_SQLITE:-?} published items; 四级四同 deviations: ${DEVIATIONS:-?} (the demo catalog has 1 on purpose)")
NOTES+=("sqlite database: $(du -sh "$SQLITE_DATA/wangban.db" | cut -f1)")
if start_wangban sqlite "$TMP/server-sqlite.log" --no-access-log --no-jobs; then
  BENCH_SERVER_PID=$WB_PID
  query_rows sqlite
  NOTES+=("server peak RSS (sqlite): $(peak_rss_mib "$WB_PID") MiB")
  wait_idle "$WB_PID"
  stop_wangban sqlite "$WB_PID"
  BENCH_SERVER_PID=""
else
  tail -5 "$TMP/server-sqlite.log" >&2 || true
  skip_queries sqlite "server failed"
fi

# 2. PostgreSQL (a throwaway cluster on this machine): migrate, seed, two imports, the server.
PG_DATA_DIR="$TMP/var-pg"  # the server's data dir (blobs); the database is PostgreSQL
pg_ok=0
if ((PG)) && start_pg; then
  PG_URL="$PG_URL_BASE/bench"
  if "$BIN" migrate --db "$PG_URL" >/dev/null &&
     WANGBAN_PII_KEY=$BENCH_PII_KEY "$BIN" seed --demo --db "$PG_URL" --data "$PG_DATA_DIR" \
       >/dev/null 2>"$TMP/seed-pg.err"; then
    pg_ok=1
  else
    log "seeding PostgreSQL failed:"; cat "$TMP/seed-pg.err" >&2 || true
  fi
fi
if ((pg_ok)); then
  import_row postgresql first --db "$PG_URL" --data "$PG_DATA_DIR"
  import_row postgresql again --db "$PG_URL" --data "$PG_DATA_DIR"
  # The queries are measured in the steady state autovacuum reaches a minute or so later. (Right
  # after the import the statistics are stale: autovacuum analyzed the tables while the import
  # transaction was open, and saw only the 146 demo items.)
  log "VACUUM ANALYZE (postgresql)"
  as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d bench -qAt -c "VACUUM ANALYZE" >&2 ||
    log "VACUUM ANALYZE failed"
  NOTES+=("postgresql database: $(as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d bench -At \
    -c "SELECT pg_size_pretty(pg_database_size('bench'))" 2>/dev/null || echo "?")")
  PG_SERVER_ARGS=(--no-access-log --no-jobs --db "$PG_URL")
  # Servers that keep an audit trail need its signing key (SM2) on PostgreSQL; any key does here.
  if [[ "$("$BIN" serve --help 2>/dev/null || true)" == *--audit-key-file* ]]; then
    if openssl genpkey -algorithm SM2 -out "$TMP/audit-sm2.pem" 2>"$TMP/openssl.err"; then
      PG_SERVER_ARGS+=(--audit-key-file "$TMP/audit-sm2.pem")
    else
      log "openssl genpkey -algorithm SM2 failed:"; cat "$TMP/openssl.err" >&2
    fi
  fi
  if start_wangban pg "$TMP/server-pg.log" "${PG_SERVER_ARGS[@]}"; then
    BENCH_SERVER_PID=$WB_PID BENCH_DB_PID=$(pg_postmaster_pid || true)
    query_rows postgresql
    NOTES+=("server peak RSS (postgresql): $(peak_rss_mib "$WB_PID") MiB")
    wait_idle "$WB_PID"
    stop_wangban pg "$WB_PID"
    BENCH_SERVER_PID="" BENCH_DB_PID=""
  else
    tail -5 "$TMP/server-pg.log" >&2 || true
    skip_queries postgresql "server failed"
  fi
else
  reason=$( ((PG)) && echo "postgresql failed" || echo "PG=0")
  IMP_DB+=(postgresql postgresql) IMP_RUN+=(first again) IMP_KV+=("rc=skipped" "rc=skipped")
  NOTES+=("postgresql: skipped ($reason)")
  skip_queries postgresql "$reason"
fi

# --- the report -------------------------------------------------------------------------------
# TEXT padded to WIDTH terminal columns (a CJK character takes two; bytes - characters = twice
# their number, as they are 3 bytes in UTF-8).
pad() {
  local chars bytes width
  chars=$(printf '%s' "$1" | LC_ALL=C.UTF-8 wc -m)
  bytes=$(printf '%s' "$1" | LC_ALL=C wc -c)
  width=$((chars + (bytes - chars) / 2))
  printf '%s%*s' "$1" $(($2 > width ? $2 - width : 0)) ''
}

report() {
  local i kv rows wall rc result
  machine_header "wangban catalog benchmark"
  echo "items     $N_ITEMS rows generated by gen_items.js ($CSV_MIB MiB of CSV), on top of the 146 demo items:"
  echo "          $GEN_SUMMARY"
  echo "import    build/wangban catalog import items.csv --publish --batch $BATCH, after wangban migrate and"
  echo "          wangban seed --demo; one transaction; SQLite in WAL mode with synchronous=FULL"
  echo "queries   wrk -t$THREADS -c$CONNECTIONS --latency, ${DURATION}s after a ${WARMUP}s warm-up; server:" \
    "build/wangban serve --no-access-log --no-jobs"
  echo "          (default --workers 8 --db-pool 8); wrk, the server and PostgreSQL share the machine"
  echo "postgres  $("$PG_BIN/postgres" --version 2>/dev/null | awk '{print $3}'), a throwaway cluster with the default settings" \
    "(shared_buffers 128MB, random_page_cost 4); VACUUM ANALYZE after the imports"
  echo
  printf '%-11s %-6s %6s %8s %7s %8s %8s %8s %8s %8s %8s %5s  %s\n' \
    import run rows "wall s" rows/s "parse s" "check s" "write s" "commit s" "w/s 1st" "w/s last" MiB result
  for i in "${!IMP_DB[@]}"; do
    kv=${IMP_KV[$i]}
    rc=$(kv_get "$kv" rc)
    if [[ "$rc" != 0 ]]; then
      printf '%-11s %-6s %6s  %s\n' "${IMP_DB[$i]}" "${IMP_RUN[$i]}" - \
        "$([[ "$rc" == skipped ]] && echo skipped || echo "the import failed (exit status $rc)")"
      continue
    fi
    wall=$(kv_get "$kv" wall)
    rows=$N_ITEMS
    result=$(kv_get "$kv" result | sed -E 's/_/ /g; s/^imported [0-9]+ rows in [0-9.]+ s: //')
    printf '%-11s %-6s %6s %8s %7s %8s %8s %8s %8s %8s %8s %5s  %s\n' "${IMP_DB[$i]}" "${IMP_RUN[$i]}" "$rows" \
      "$wall" "$(awk -v n="$rows" -v s="$wall" 'BEGIN {printf "%.0f", n / s}')" \
      "$(kv_get "$kv" parse)" "$(kv_get "$kv" check)" "$(kv_get "$kv" write)" "$(kv_get "$kv" commit)" \
      "$(kv_get "$kv" first_rps)" "$(kv_get "$kv" last_rps)" "$(kv_get "$kv" rss_mib)" "$result"
  done
  echo
  printf '%-46s %9s %8s %9s %8s %8s %7s %9s %7s  %s\n' \
    query matches "1 conn" rps "p50 ms" "p99 ms" "srv CPU" "ms CPU/rq" "db CPU" errors
  for i in "${!LABELS[@]}"; do
    printf '%s %9s %8s %9s %8s %8s %7s %9s %7s  %s\n' "$(pad "${LABELS[$i]}" 46)" "${Q_TOTALS[$i]}" "${Q_ONE[$i]}" \
      "${RPS[$i]}" "${P50[$i]}" "${P99[$i]}" "${SRV_CPU[$i]}" "${SRV_MS[$i]}" "${DB_CPU[$i]}" "${ERRS[$i]}"
  done
  echo
  echo "import: parse = start to the CSV parsed; check = the row checks and canonical documents (estimated);"
  echo "write = the drafts, publications and search index in the transaction; commit = commit and exit;"
  echo "w/s 1st / last = items written per second over the first and last fifth; MiB = the importer's peak RSS."
  echo "queries: matches = the answer's total (the whole match set; a page holds 20); 1 conn = median ms of"
  echo "$LATENCY_SAMPLES sequential requests on an idle server; srv CPU / db CPU = CPU of the wangban process /"
  echo "the PostgreSQL cluster during the run (100% = one core); ms CPU/rq = server CPU per request."
  for i in "${!Q_PATHS[@]}"; do echo "  ${Q_LABELS[$i]}: GET ${Q_PATHS[$i]}"; done
  for i in "${NOTES[@]}"; do echo "$i"; done
}

echo
report | tee "$OUT_FILE.tmp"
mv "$OUT_FILE.tmp" "$OUT_FILE"
log "written to ${OUT_FILE#"$ROOT"/}"
