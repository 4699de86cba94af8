#!/usr/bin/env bash
# Cases benchmark of the wangban server: durable case submissions and task completions per second
# over HTTP at 64 connections (p50, p99), and the 秒批 (automatic approval) latency from submission
# to decision, on SQLite (synchronous=FULL, the server's default) and PostgreSQL, beside the raw
# commit ceiling of the same disk measured in the same run (a sqlite3 commit loop; pgbench). It
# prints figures and never fails on them: it is a measurement, not a test. See README.md.
#
#   bench/cases/run.sh                      # or: make bench
#   DURATION=30 bench/cases/run.sh          # seconds per measured wrk run (default 10)
#   N_DRAFTS=40000 bench/cases/run.sh       # housing drafts prepared per backend (default 20000)
#   N_AUTO=5000 bench/cases/run.sh          # 秒批 drafts per connection count (default 2000)
#   AUTO_CONNS="16 64" bench/cases/run.sh   # connections of the 秒批 rows (default "1 16 64")
#   PG=0 bench/cases/run.sh                 # SQLite only
#
# The table goes to stdout and to bench/cases/last-run.txt. Everything it starts (servers, wrk,
# the preparation tool, the throwaway PostgreSQL cluster) and its temp dir are removed on exit,
# Ctrl-C included.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
HERE="$ROOT/bench/cases"
OUT_FILE="$HERE/last-run.txt"
N_DRAFTS=${N_DRAFTS:-20000}
N_AUTO=${N_AUTO:-2000}
AUTO_CONNS=${AUTO_CONNS:-"1 16 64"}   # connections of the 秒批 rows (1: the latency without queueing)
PREP_SECONDS=${PREP_SECONDS:-90}      # at most this long to prepare the housing drafts
TOPUP_SECONDS=${TOPUP_SECONDS:-30}     # at most this long to submit / accept what a run left
AUTO_MAX_SECONDS=${AUTO_MAX_SECONDS:-120}  # a 秒批 run ends when its drafts are used up
PREP_CONCURRENCY=${PREP_CONCURRENCY:-32}
PG=${PG:-1}
# At 64 connections on a slow disk a request can wait seconds; past wrk's default 2 s timeout it
# would count as an error and leave the latencies.
WRK_TIMEOUT=30s

# The demo (--demo) accounts: every password is Wangban@2026.
PERSON=13800000001   # 张三
WINDOW=window        # 综合窗口 王芳, HK-XZSP: the one-stop window of 460100
APPROVER=approver2   # 审批员 陈静, HK-ZJJ
PASSWORD='Wangban@2026'
# 公共租赁住房资格审核 (HK-ZJJ, process supplement_loop: window review, then department review).
HOUSING=000707011000460100HKZJJ
HOUSING_FORM='{"applicant_name":"张三","id_number":"460100199001011230","phone":"13800000001","household_size":3,"monthly_income":1800.5,"current_housing_area":9.5,"hukou_type":"本市户籍","address":{"district":"龙华区","street":"金贸街道","detail":"国贸路1号1栋101"}}'
HOUSING_MATERIALS='{"M01":{"license_id":"EL-46-0001"},"M03":{"commitment":true}}'
# 无犯罪记录证明 (HK-GAJ, 秒批: the rules decide inside the submission's transaction).
AUTO=002001001000460100HKGAJ
AUTO_FORM='{"applicant_name":"张三","id_number":"460100199001011230","phone":"13800000001","purpose":"就业","receiving_unit":"海口示例科技有限公司"}'
AUTO_MATERIALS='{"M01":{"license_id":"SFZ-460100"}}'
SUBMIT_BODY='{"commitment_signed":true}'
ACCEPT_BODY='{"outcome":"accept"}'
APPROVE_BODY='{"outcome":"approve"}'
APPROVED_PATTERN='"status"%s*:%s*"approved"'

command -v node >/dev/null 2>&1 || { log "node is required (bench/cases/prep.js)"; exit 1; }
ensure_tools wrk postgresql curl
if ! command -v sqlite3 >/dev/null 2>&1; then
  log "installing sqlite3"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends sqlite3 >/dev/null
fi
# ninja's default is CPUs + 2 jobs; on a small shared machine that starves everything else.
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
ensure_binary
binary_info
bench_tmp

NOTES=()
ERROR_SAMPLES=()

# --- helpers ----------------------------------------------------------------------------------
login_token() {  # ACCOUNT: prints a session token
  curl -sS --max-time 30 -X POST -H 'Content-Type: application/json' \
    -d "{\"account\":\"$1\",\"password\":\"$PASSWORD\"}" \
    "http://127.0.0.1:$WB_PORT/api/v1/sessions" | sed -n 's/.*"token":"\([0-9a-f]\{64\}\)".*/\1/p'
}

BACKEND=""  # sqlite | postgresql: where db_query looks
db_query() {  # SQL: one row a line, columns separated by |
  if [[ $BACKEND == sqlite ]]; then
    sqlite3 -readonly -cmd '.timeout 10000' "$TMP/var-sqlite/wangban.db" "$1"
  else
    as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d bench -At -c "$1"
  fi
}

SQL_DRAFTS="SELECT id FROM cases WHERE status = 'draft' AND item_code = '$HOUSING' ORDER BY id"
SQL_WINDOW_TASKS="SELECT id FROM workflow_tasks WHERE state = 'open' AND node_id = 'window_review' ORDER BY id"
SQL_REVIEW_TASKS="SELECT id FROM workflow_tasks WHERE state = 'open' AND node_id = 'department_review' ORDER BY id"

# ids_now SQL OUT [KEEP]: the ids the query returns now (only those listed in KEEP, if given).
ids_now() {
  if [[ -n "${3:-}" ]]; then
    db_query "$1" | grep -Fxf "$3" >"$2" || true
  else
    db_query "$1" >"$2" || true
  fi
  wc -l <"$2" | tr -d ' '
}

# prep ARGS...: runs prep.js; its key=value line goes to $PREP_KV, its failures to the log.
PREP_KV=""
prep() {
  local out="$TMP/prep.out" rc=0
  run_child node "$HERE/prep.js" "$@" --port "$WB_PORT" --concurrency "$PREP_CONCURRENCY" >"$out" 2>"$TMP/prep.err" || rc=$?
  PREP_KV=$(tail -1 "$out")
  if [[ -s "$TMP/prep.err" ]]; then
    log "prep.js reported:"; head -10 "$TMP/prep.err" >&2
    while IFS= read -r line; do ERROR_SAMPLES+=("preparation ($BACKEND): ${line#prep: failed: }"); done \
      < <(head -3 "$TMP/prep.err")
  fi
  return "$rc"
}

kv_get() {  # KV KEY
  local pair
  for pair in $1; do
    if [[ "${pair%%=*}" == "$2" ]]; then echo "${pair#*=}"; return 0; fi
  done
  echo "-"
}

# --- one wrk run over a list of ids -----------------------------------------------------------
# run_ids CONNS SECONDS IDS PATH BODY TOKEN [EXPECT]: wrk, each request POSTing BODY to PATH with
# the next id; ends after SECONDS or once every id has been answered. Sets W_OUT (wrk's output),
# W_LUA (the script's summary line), W_TICKS0/1 and W_DB0/1 (CPU ticks around the run).
run_ids() {
  local conns=$1 secs=$2 ids=$3 path=$4 body=$5 token=$6 expect=${7:-} threads=$THREADS state pid rc=0 n f
  ((conns >= threads)) || threads=$conns
  state=$(mktemp -d "$TMP/wrk-state.XXXXXX")
  W_OUT="$state/wrk.txt"
  W_TICKS0=$(cpu_ticks "$BENCH_SERVER_PID") W_DB0=$(cpu_total "$BENCH_DB_PID")
  env WB_IDS="$ids" WB_THREADS="$threads" WB_PATH="$path" WB_BODY="$body" WB_TOKEN="$token" \
    WB_STATE="$state" WB_EXPECT="$expect" \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout "$WRK_TIMEOUT" --latency \
    -s "$HERE/post_ids.lua" "http://127.0.0.1:$WB_PORT" >"$W_OUT" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  # Once every thread has used up its ids and had its answers, SIGINT makes wrk report at once
  # (with the time elapsed so far) instead of idling to the end of -d.
  while kill -0 "$pid" 2>/dev/null; do
    n=0
    for f in "$state"/done-*; do [[ -e "$f" ]] && n=$((n + 1)); done
    if ((n >= threads)); then kill -INT "$pid" 2>/dev/null || true; break; fi
    sleep 0.05
  done
  wait "$pid" || rc=$?
  forget_pid "$pid"
  W_TICKS1=$(cpu_ticks "$BENCH_SERVER_PID") W_DB1=$(cpu_total "$BENCH_DB_PID")
  W_LUA=$(grep '^cases-lua ' "$W_OUT" | tail -1 || true)
  W_ERRFILES=("$state"/errors-*)
  if ((rc != 0)); then log "wrk exited with status $rc:"; cat "$W_OUT" >&2; fi
  return 0
}

# --- the table --------------------------------------------------------------------------------
R_LABEL=() R_CONNS=() R_REQS=() R_SECS=() R_RPS=() R_P50=() R_P99=() R_ERRS=() R_SRV=() R_MS=() R_DB=() R_NOTE=()
declare -A ROW  # key -> row index

# add_row KEY LABEL CONNS [NOTE]: a row from the last run_ids.
add_row() {
  local key=$1 label=$2 conns=$3 note=${4:-} rps p50 p99 reqs secs errs su ss t f
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$W_OUT")
  p50=$(awk '$1 == "50%" {print $2}' "$W_OUT")
  p99=$(awk '$1 == "99%" {print $2}' "$W_OUT")
  reqs=$(awk '/ requests in / {print $1}' "$W_OUT")
  secs=$(awk '/ requests in / {v = $4; sub(/,$/, "", v); print v}' "$W_OUT")
  errs=$(awk '/Socket errors:/ {gsub(/,/, ""); s += $4 + $6 + $8 + $10}
              /Non-2xx or 3xx responses:/ {s += $5}
              END {print s + 0}' "$W_OUT")
  if [[ "${reqs:-0}" == 0 ]]; then errs+=" (no request completed)"; p50="" p99=""; fi
  [[ -z "$secs" ]] || secs=$(to_ms "$secs" | awk '{printf "%.1f", $1 / 1000}')
  # (秒批 rows end when their drafts are used up, by design.)
  if [[ " $W_LUA " == *" exhausted="* && $key != *.auto.* ]]; then
    t=$(kv_get "$W_LUA" exhausted)
    if [[ "$t" != 0 && "$t" != - ]]; then note="${note:+$note; }ids used up"; fi
  fi
  ROW[$key]=${#R_LABEL[@]}
  R_LABEL+=("$label") R_CONNS+=("$conns") R_REQS+=("${reqs:-0}") R_SECS+=("${secs:--}") R_RPS+=("${rps:--}")
  R_P50+=("$([[ -n "$p50" ]] && to_ms "$p50" || echo -)") R_P99+=("$([[ -n "$p99" ]] && to_ms "$p99" || echo -)")
  R_ERRS+=("$errs") R_NOTE+=("$note")
  su=$((${W_TICKS1% *} - ${W_TICKS0% *})) ss=$((${W_TICKS1#* } - ${W_TICKS0#* }))
  R_SRV+=("$(awk -v t=$((su + ss)) -v hz="$CLK_TCK" -v s="${secs:-0}" 'BEGIN {if (s > 0) printf "%.0f%%", 100 * t / hz / s; else printf "-"}')")
  R_MS+=("$(awk -v t=$((su + ss)) -v hz="$CLK_TCK" -v n="${reqs:-0}" 'BEGIN {if (n > 0) printf "%.2f", 1000 * t / hz / n; else printf "-"}')")
  if [[ -n "$BENCH_DB_PID" ]]; then
    R_DB+=("$(awk -v t=$((W_DB1 - W_DB0)) -v hz="$CLK_TCK" -v s="${secs:-0}" 'BEGIN {if (s > 0) printf "%.0f%%", 100 * t / hz / s; else printf "-"}')")
  else
    R_DB+=("-")
  fi
  for f in "${W_ERRFILES[@]}"; do
    [[ -f "$f" ]] || continue
    while IFS= read -r line; do ERROR_SAMPLES+=("$label: $line"); done < <(head -2 "$f")
  done
  log "$label: ${rps:-?} requests/s, p50 ${R_P50[-1]} ms, p99 ${R_P99[-1]} ms, errors $errs ($W_LUA)"
}

skip_case_row() {  # KEY LABEL CONNS REASON: a row that could not be measured
  ROW[$1]=${#R_LABEL[@]}
  R_LABEL+=("$2") R_CONNS+=("$3") R_REQS+=("-") R_SECS+=("-") R_RPS+=("-") R_P50+=("-") R_P99+=("-")
  R_ERRS+=("$4") R_SRV+=("-") R_MS+=("-") R_DB+=("-") R_NOTE+=("")
}

# phase KEY LABEL SQL KEEP PATH BODY TOKEN: a warm-up run (WARMUP seconds; the ids it used are not
# used again), then the measured run on the ids still left, at 64 connections.
phase() {
  local key=$1 label=$2 sql=$3 keep=$4 path=$5 body=$6 token=$7 n
  n=$(ids_now "$sql" "$TMP/ids-warm" "$keep")
  if ((n == 0)); then log "$label: nothing to do"; skip_case_row "$key" "$label" "$CONNECTIONS" "no ids"; return 0; fi
  log "$label: warm-up ${WARMUP}s ($n ids)"
  run_ids "$CONNECTIONS" "$WARMUP" "$TMP/ids-warm" "$path" "$body" "$token"
  wait_idle "$BENCH_SERVER_PID"
  n=$(ids_now "$sql" "$TMP/ids-run" "$keep")
  if ((n == 0)); then log "$label: the warm-up used every id"; skip_case_row "$key" "$label" "$CONNECTIONS" "no ids left"; return 0; fi
  log "$label: up to ${DURATION}s at $CONNECTIONS connections ($n ids)"
  run_ids "$CONNECTIONS" "$DURATION" "$TMP/ids-run" "$path" "$body" "$token"
  add_row "$key" "$label" "$CONNECTIONS"
  wait_idle "$BENCH_SERVER_PID"
}

# topup WHAT SQL KEEP PATH BODY TOKEN: posts to every id still left, for at most TOPUP_SECONDS,
# so that the next phase has work (each submission opens a window task, each acceptance a
# review task).
topup() {
  local what=$1 sql=$2 keep=$3 path=$4 body=$5 token=$6 n
  n=$(ids_now "$sql" "$TMP/ids-topup" "$keep")
  ((n > 0)) || return 0
  log "$what: $n left, for at most ${TOPUP_SECONDS}s (not measured)"
  prep post --token "$token" --ids "$TMP/ids-topup" --path "$path" --body "$body" \
    --max-seconds "$TOPUP_SECONDS" || true
  log "$what: $PREP_KV"
  wait_idle "$BENCH_SERVER_PID"
}

# --- one backend ------------------------------------------------------------------------------
PREP_NOTES=()

backend_rows() {  # DB NAME: every row against the running server
  local db=$1 person window approver c ok secs rps
  person=$(login_token "$PERSON") window=$(login_token "$WINDOW") approver=$(login_token "$APPROVER")
  if [[ -z "$person" || -z "$window" || -z "$approver" ]]; then
    log "logging in the demo accounts failed"
    skip_backend "$db" "login failed"
    return 0
  fi

  # 1. Housing drafts, complete (form, M01 e-license, M03 commitment).
  log "$db: preparing $N_DRAFTS drafts of $HOUSING (for at most ${PREP_SECONDS}s)"
  if ! prep drafts --token "$person" --item "$HOUSING" --form "$HOUSING_FORM" \
      --materials "$HOUSING_MATERIALS" --count "$N_DRAFTS" --max-seconds "$PREP_SECONDS" \
      --out "$TMP/drafts-$db"; then
    skip_backend "$db" "preparation failed"
    return 0
  fi
  ok=$(kv_get "$PREP_KV" ok) secs=$(kv_get "$PREP_KV" seconds) rps=$(kv_get "$PREP_KV" rps)
  PREP_NOTES+=("$db: $ok housing drafts (POST /api/v1/cases + 2 PUT materials each) in $secs s: $rps requests/s at $PREP_CONCURRENCY keep-alive connections")
  wait_idle "$BENCH_SERVER_PID"

  # 2. Submissions.
  phase "$db.submit" "submit (housing), $db" "$SQL_DRAFTS" "$TMP/drafts-$db" \
    "/api/v1/cases/{id}/submit" "$SUBMIT_BODY" "$person"
  topup "$db: submitting the drafts left" "$SQL_DRAFTS" "$TMP/drafts-$db" \
    "/api/v1/cases/{id}/submit" "$SUBMIT_BODY" "$person"

  # 3. Task completions: the window accepts, then the department approves.
  phase "$db.accept" "complete: window accept, $db" "$SQL_WINDOW_TASKS" "" \
    "/api/v1/tasks/{id}/complete" "$ACCEPT_BODY" "$window"
  topup "$db: accepting the window tasks left" "$SQL_WINDOW_TASKS" "" \
    "/api/v1/tasks/{id}/complete" "$ACCEPT_BODY" "$window"
  phase "$db.approve" "complete: review approve, $db" "$SQL_REVIEW_TASKS" "" \
    "/api/v1/tasks/{id}/complete" "$APPROVE_BODY" "$approver"

  # 4. 秒批: submission to decision in one request, N_AUTO fresh drafts per connection count.
  for c in $AUTO_CONNS; do
    log "$db: preparing $N_AUTO drafts of $AUTO"
    if ! prep drafts --token "$person" --item "$AUTO" --form "$AUTO_FORM" --materials "$AUTO_MATERIALS" \
        --count "$N_AUTO" --out "$TMP/auto-$db-$c"; then
      skip_case_row "$db.auto.$c" "秒批 submit, $db" "$c" "preparation failed"
      continue
    fi
    wait_idle "$BENCH_SERVER_PID"
    log "$db: 秒批 submissions at $c connections ($(wc -l <"$TMP/auto-$db-$c") drafts)"
    run_ids "$c" "$AUTO_MAX_SECONDS" "$TMP/auto-$db-$c" "/api/v1/cases/{id}/submit" "$SUBMIT_BODY" \
      "$person" "$APPROVED_PATTERN"
    add_row "$db.auto.$c" "秒批 submit, $db" "$c" \
      "$(kv_get "$W_LUA" matched) of $(kv_get "$W_LUA" ok) answers approved"
    wait_idle "$BENCH_SERVER_PID"
  done

  NOTES+=("$db after the run: $(db_query "SELECT status || ' ' || count(*) FROM cases GROUP BY status ORDER BY status" | paste -sd, - | sed 's/,/, /g') cases")
}

skip_backend() {  # DB REASON
  local c
  for k in submit accept approve; do
    [[ -n "${ROW[$1.$k]:-}" ]] || skip_case_row "$1.$k" "$k, $1" "$CONNECTIONS" "$2"
  done
  for c in $AUTO_CONNS; do
    [[ -n "${ROW[$1.auto.$c]:-}" ]] || skip_case_row "$1.auto.$c" "秒批 submit, $1" "$c" "$2"
  done
}

# --- the raw commit ceilings ------------------------------------------------------------------
C_LABEL=() C_VALUE=()

# SQLite: the sqlite3 CLI (the same library the server links) inserting one row per transaction
# (autocommit), then 8 and 64 rows per transaction, WAL and synchronous=FULL, single-threaded,
# in a file next to the server's database.
sqlite_ceiling() {
  local db="$TMP/ceiling/commit.db" probe n per b t0 t1 secs rate sync
  mkdir -p "$TMP/ceiling"
  sqlite3 "$db" "PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);" >/dev/null
  gen() {  # COMMITS ROWS_PER_COMMIT
    awk -v n="$1" -v b="$2" -v q="'" 'BEGIN {
      print "PRAGMA synchronous = FULL;"; print "PRAGMA synchronous;"
      for (i = 0; i < n; i++) {
        if (b > 1) print "BEGIN;"
        for (j = 0; j < b; j++) print "INSERT INTO t (v) VALUES (" q "commit ceiling row" q ");"
        if (b > 1) print "COMMIT;"
      } }'
  }
  timed() {  # FILE: seconds the CLI takes to run it
    local a z
    a=$(date +%s.%N)
    sqlite3 "$db" <"$1" >"$TMP/ceiling/out" || return 1
    z=$(date +%s.%N)
    awk -v a="$a" -v z="$z" 'BEGIN {printf "%.3f", z - a}'
  }
  # Size the runs to about 3 s each from a 100-commit probe.
  gen 100 1 >"$TMP/ceiling/probe.sql"
  probe=$(timed "$TMP/ceiling/probe.sql") || { C_LABEL+=("SQLite commit loop"); C_VALUE+=("failed"); return 0; }
  per=$(awk -v s="$probe" 'BEGIN {print s / 100}')
  n=$(awk -v p="$per" 'BEGIN {n = int(3 / (p > 0 ? p : 1e-6)); if (n < 200) n = 200; if (n > 200000) n = 200000; print n}')
  for b in 1 8 64; do
    gen "$n" "$b" >"$TMP/ceiling/run.sql"
    secs=$(timed "$TMP/ceiling/run.sql") || secs=""
    sync=$(head -1 "$TMP/ceiling/out")
    if [[ -z "$secs" || "$sync" != 2 ]]; then
      C_LABEL+=("SQLite, $b row(s) per commit"); C_VALUE+=("failed (synchronous=${sync:-?})"); continue
    fi
    rate=$(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f", n / s}')
    if ((b == 1)); then
      SQLITE_CEILING=$rate
      C_LABEL+=("SQLite commit loop, 1 row per commit")
      C_VALUE+=("$(printf '%6s commits/s  (%s commits in %s s; %s ms per commit)' "$rate" "$n" "$secs" \
        "$(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.2f", 1000 * s / n}')")")
    else
      C_LABEL+=("SQLite commit loop, $b rows per commit")
      C_VALUE+=("$(printf '%6s rows/s     (%s commits/s; %s commits in %s s)' \
        "$(awk -v r="$rate" -v b="$b" 'BEGIN {printf "%.0f", r * b}')" "$rate" "$n" "$secs")")
      ((b != 8)) || SQLITE_CEILING_8=$(awk -v r="$rate" -v b="$b" 'BEGIN {printf "%.0f", r * b}')
    fi
  done
  log "SQLite commit ceiling: ${SQLITE_CEILING:-?} commits/s single-threaded"
}

# PostgreSQL: pgbench with an insert-only script (one row per transaction, synchronous_commit on)
# at 64 clients, then 1, against a database of its own in the throwaway cluster.
pg_ceiling() {
  local dir="$TMP/pgbench" c secs out tps p50 p99
  mkdir -p "$dir"
  if ! as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres ceiling ||
     ! as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d ceiling -qAt \
       -c "CREATE TABLE commit_ceiling (id bigserial PRIMARY KEY, v text NOT NULL)" >/dev/null; then
    C_LABEL+=("pgbench"); C_VALUE+=("failed (createdb)"); return 0
  fi
  echo "INSERT INTO commit_ceiling (v) VALUES ('commit ceiling row');" >"$dir/insert.sql"
  log "PostgreSQL: $(as_pg "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d ceiling -At \
    -c "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit') || ' wal_sync_method=' || current_setting('wal_sync_method')")"
  for c in 64 1; do
    secs=$DURATION
    ((c > 1)) || secs=$((DURATION < 5 ? DURATION : 5))
    out="$dir/out-$c.txt"
    log "pgbench: insert-only, $c clients, ${secs}s"
    rm -f "$dir"/pgbench_log.*
    if ! run_child "$PG_BIN/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U postgres -n -M prepared -c "$c" \
        -j "$((c < THREADS ? c : THREADS))" -T "$secs" -f "$dir/insert.sql" -l --log-prefix "$dir/pgbench_log" \
        ceiling >"$out" 2>&1; then
      log "pgbench failed:"; cat "$out" >&2
      C_LABEL+=("pgbench insert-only, $c clients"); C_VALUE+=("failed"); continue
    fi
    tps=$(awk '/^tps = / {printf "%.0f", $3}' "$out")
    # Per-transaction log: client, transaction number, latency in us, ...
    read -r p50 p99 < <(cat "$dir"/pgbench_log.* | awk '{print $3}' | sort -n | awk '{a[NR] = $1}
      END {if (NR) printf "%.2f %.2f\n", a[int(NR * 0.50) + 1] / 1000, a[int(NR * 0.99) + 1] / 1000; else print "- -"}')
    C_LABEL+=("pgbench insert-only, $c client$([[ $c == 1 ]] || echo s)")
    C_VALUE+=("$(printf '%6s commits/s  (p50 %s ms, p99 %s ms; %s s)' "${tps:-?}" "$p50" "$p99" "$secs")")
    ((c != 64)) || PG_CEILING=$tps
  done
}

# --- the runs ---------------------------------------------------------------------------------
SERVER_ARGS=(--demo --no-jobs --no-access-log --password-hash-cost minimum)
SQLITE_CEILING="" SQLITE_CEILING_8="" PG_CEILING=""

# 1. SQLite: the commit ceiling of this disk, then the server (its default: WAL, synchronous=FULL,
# group commit).
sqlite_ceiling
BACKEND=sqlite
if start_wangban sqlite "$TMP/server-sqlite.log" "${SERVER_ARGS[@]}"; then
  BENCH_SERVER_PID=$WB_PID
  NOTES+=("sqlite database: journal_mode=$(db_query 'PRAGMA journal_mode'); the server opens it with synchronous=FULL (DatabaseOptions default)")
  backend_rows sqlite
  NOTES+=("sqlite database size after the run: $(du -sh "$TMP/var-sqlite/wangban.db" | cut -f1) (+ WAL $(du -sh "$TMP/var-sqlite/wangban.db-wal" 2>/dev/null | cut -f1 || echo 0))")
  wait_idle "$WB_PID"
  stop_wangban sqlite "$WB_PID"
  BENCH_SERVER_PID=""
else
  skip_backend sqlite "server failed"
fi

# 2. PostgreSQL (a throwaway cluster on this machine): pgbench first, then the server.
pg_ok=0
if ((PG)) && start_pg; then pg_ok=1; fi
if ((pg_ok)); then
  pg_ceiling
  BACKEND=postgresql
  # On PostgreSQL the server needs the shared audit signing key (SM2); any key does here.
  openssl genpkey -algorithm SM2 -out "$TMP/audit-sm2.pem" 2>"$TMP/openssl.err" ||
    { log "openssl genpkey -algorithm SM2 failed:"; cat "$TMP/openssl.err" >&2; }
  if start_wangban pg "$TMP/server-pg.log" "${SERVER_ARGS[@]}" --db "$PG_URL_BASE/bench" \
      --audit-key-file "$TMP/audit-sm2.pem"; then
    BENCH_SERVER_PID=$WB_PID BENCH_DB_PID=$(pg_postmaster_pid || true)
    backend_rows postgresql
    NOTES+=("postgresql database size after the run: $(db_query "SELECT pg_size_pretty(pg_database_size('bench'))")")
    wait_idle "$WB_PID"
    stop_wangban pg "$WB_PID"
    BENCH_SERVER_PID="" BENCH_DB_PID=""
  else
    skip_backend postgresql "server failed"
  fi
else
  skip_backend postgresql "$( ((PG)) && echo "postgresql failed" || echo "PG=0")"
  C_LABEL+=("pgbench"); C_VALUE+=("skipped")
fi

# --- the report -------------------------------------------------------------------------------
# TEXT padded to WIDTH terminal columns (a CJK character takes two: 3 bytes in UTF-8).
pad() {
  local chars bytes width
  chars=$(printf '%s' "$1" | LC_ALL=C.UTF-8 wc -m)
  bytes=$(printf '%s' "$1" | LC_ALL=C wc -c)
  width=$((chars + (bytes - chars) / 2))
  printf '%s%*s' "$1" $(($2 > width ? $2 - width : 0)) ''
}

val() {  # KEY FIELD: a field of a row by key, or -
  local i=${ROW[$1]:-}
  [[ -n "$i" ]] || { echo -; return 0; }
  case $2 in
    rps) echo "${R_RPS[$i]}" ;; p50) echo "${R_P50[$i]}" ;; p99) echo "${R_P99[$i]}" ;;
    errs) echo "${R_ERRS[$i]}" ;; note) echo "${R_NOTE[$i]}" ;;
  esac
}

verdict() {  # VALUE OP LIMIT: met / missed / -
  awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
    if (v == "-" || v == "") { print "not measured"; exit }
    ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 < l + 0)
    print ok ? "met" : "missed" }'
}

goals() {
  local db best bestkey k v line c
  echo "goals"
  for db in sqlite postgresql; do
    best=- bestkey=""
    for k in submit accept approve; do
      v=$(val "$db.$k" rps)
      [[ "$v" != - && "$(val "$db.$k" errs)" == 0 ]] || continue
      if [[ "$best" == - ]] || ((v > best)); then best=$v bestkey=$k; fi
    done
    printf '  %-44s %s\n' ">= 10,000 durable writes/s ($db):" \
      "$(verdict "$best" ">=" 10000) — submit $(val "$db.submit" rps)/s, accept $(val "$db.accept" rps)/s, approve $(val "$db.approve" rps)/s${bestkey:+ (best: $bestkey)}"
    if [[ $db == sqlite && -n "$SQLITE_CEILING" && "$best" != - ]]; then
      printf '  %-44s %s\n' "  against the commit loop:" \
        "best $best/s = $(awk -v a="$best" -v b="$SQLITE_CEILING" 'BEGIN {printf "%.1f", a / b}')x one commit at a time ($SQLITE_CEILING/s); 8 rows per commit: ${SQLITE_CEILING_8:--} rows/s"
    elif [[ $db == postgresql && -n "$PG_CEILING" && "$best" != - ]]; then
      printf '  %-44s %s\n' "  against pgbench:" \
        "best $best/s = $(awk -v a="$best" -v b="$PG_CEILING" 'BEGIN {printf "%.2f", a / b}')x pgbench's one-row inserts at 64 clients ($PG_CEILING/s)"
    fi
    line=""
    for k in submit accept approve; do
      v=$(val "$db.$k" p99)
      line+="${line:+, }$k $v ms ($(verdict "$v" "<" 10))"
    done
    printf '  %-44s %s\n' "p99 < 10 ms at 64 connections ($db):" "$line"
    for c in $AUTO_CONNS; do
      v=$(val "$db.auto.$c" p99)
      printf '  %s %s\n' "$(pad "秒批 submit to decision p99 < 50 ms ($db):" 44)" \
        "$c connection$([[ $c == 1 ]] || echo s): p50 $(val "$db.auto.$c" p50) ms, p99 $v ms ($(verdict "$v" "<" 50)); $(val "$db.auto.$c" note)"
    done
  done
}

report() {
  local i
  machine_header "wangban cases benchmark"
  echo "server    build/wangban serve ${SERVER_ARGS[*]} (default --workers 64; --db-pool: SQLite 32,"
  echo "          PostgreSQL 4 per CPU and at least 8: $(( $(nproc) * 4 < 8 ? 8 : ($(nproc) * 4 > 64 ? 64 : $(nproc) * 4) )) here);"
  echo "          SQLite: WAL, synchronous=FULL, group commit (the defaults); PostgreSQL 15: a throwaway"
  echo "          cluster on the same disk (fsync on, synchronous_commit on); wrk, the server, PostgreSQL share the CPUs"
  echo "load      wrk -t$THREADS --latency --timeout $WRK_TIMEOUT, bench/cases/post_ids.lua: every request a POST"
  echo "          with the next id of a list, each id once; ${WARMUP}s warm-up on other ids, then up to ${DURATION}s"
  echo "          (less when the ids run out); 秒批 rows: $N_AUTO fresh drafts each, no warm-up, until used up"
  for i in "${PREP_NOTES[@]}"; do echo "prep      $i"; done
  echo
  printf '%s %5s %8s %6s %7s %8s %8s %7s %9s %7s  %s\n' "$(pad target 34)" conns requests secs rps \
    "p50 ms" "p99 ms" "srv CPU" "ms CPU/rq" "db CPU" errors
  for i in "${!R_LABEL[@]}"; do
    printf '%s %5s %8s %6s %7s %8s %8s %7s %9s %7s  %s%s\n' "$(pad "${R_LABEL[$i]}" 34)" "${R_CONNS[$i]}" \
      "${R_REQS[$i]}" "${R_SECS[$i]}" "${R_RPS[$i]}" "${R_P50[$i]}" "${R_P99[$i]}" "${R_SRV[$i]}" \
      "${R_MS[$i]}" "${R_DB[$i]}" "${R_ERRS[$i]}" "${R_NOTE[$i]:+   ${R_NOTE[$i]}}"
  done
  echo
  echo "raw commit ceiling (same run, same disk: what one durable commit costs here)"
  for i in "${!C_LABEL[@]}"; do printf '  %-44s %s\n' "${C_LABEL[$i]}" "${C_VALUE[$i]}"; done
  echo
  goals
  echo
  echo "submit: POST /api/v1/cases/{id}/submit {\"commitment_signed\":true} as 张三 ($PERSON), item $HOUSING"
  echo "  (number, clock, process start with the window task, events, audit record, jobs: one transaction);"
  echo "accept: POST /api/v1/tasks/{id}/complete {\"outcome\":\"accept\"} as $WINDOW (opens the review task);"
  echo "approve: the same with {\"outcome\":\"approve\"} as $APPROVER (decides the case);"
  echo "秒批: submit of item $AUTO (无犯罪记录证明), decided by the rules in the submission's transaction."
  echo "srv CPU / db CPU: CPU of the wangban process / the PostgreSQL cluster during the run (100% = one core);"
  echo "ms CPU/rq: server CPU per completed request; errors: socket errors (timeouts included) + non-2xx answers."
  for i in "${NOTES[@]}"; do echo "$i"; done
  if ((${#ERROR_SAMPLES[@]})); then
    echo "error answers (first of each run):"
    for i in "${ERROR_SAMPLES[@]}"; do echo "  ${i:0:400}"; done
  fi
}

echo
report | tee "$OUT_FILE.tmp"
mv "$OUT_FILE.tmp" "$OUT_FILE"
log "written to ${OUT_FILE#"$ROOT"/}"
