#!/usr/bin/env bash
# Identity benchmark of the wangban server: the login rate (POST /api/v1/sessions, bound by
# argon2id) and authenticated GET /api/v1/me (a session lookup plus a profile read) on SQLite and
# PostgreSQL, and /me during a login flood. It prints figures and never fails on them: it is a
# measurement, not a test. See README.md.
#
#   bench/identity/run.sh                 # or: make bench
#   DURATION=30 bench/identity/run.sh     # seconds per measured run (default 10)
#   MODERATE=0 bench/identity/run.sh      # skip the run at the "moderate" argon2id cost
#
# The table goes to stdout and to bench/identity/last-run.txt. Everything it starts (servers,
# the throwaway PostgreSQL cluster) and its temp dir are removed on exit, Ctrl-C included.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
OUT_FILE="$ROOT/bench/identity/last-run.txt"
MODERATE=${MODERATE:-1}
ACCOUNT=13800000001  # a demo person (--demo); every demo password is Wangban@2026
PASSWORD='Wangban@2026'
LOGIN_BODY="{\"account\":\"$ACCOUNT\",\"password\":\"$PASSWORD\"}"
# A login waits behind the others for a worker and a CPU: at 64 connections that is seconds,
# past wrk's default 2 s timeout (a timed-out request is dropped from the latencies).
LOGIN_TIMEOUT=120s
# Logins are slow, so a short run collects too few for a p99: they run at least this long.
LOGIN_DURATION=$((DURATION > ${LOGIN_MIN_DURATION:-10} ? DURATION : ${LOGIN_MIN_DURATION:-10}))

ensure_tools wrk postgresql curl
ensure_binary
binary_info
bench_tmp

cat >"$TMP/login.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$LOGIN_BODY'
EOF

# Logs in once with curl; prints the session token.
login_token() {  # port
  curl -sS --max-time 30 -X POST -H 'Content-Type: application/json' -d "$LOGIN_BODY" \
    "http://127.0.0.1:$1/api/v1/sessions" | sed -n 's/.*"token":"\([0-9a-f]\{64\}\)".*/\1/p'
}

peak_rss_mib() {  # pid: the process's peak resident memory so far, MiB
  awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$1/status" 2>/dev/null || echo "?"
}

LOGIN_ROWS=()        # "row index|cost" of the login rows
NOTES=()             # extra report lines

at() {  # CONNS LABEL URL [WRK_ARGS...]: one row at CONNS connections
  local saved=$CONNECTIONS
  CONNECTIONS=$1
  shift
  bench "$@"
  CONNECTIONS=$saved
}

login_rows() {  # COST DB CONNS...: login rows against the running server
  local cost=$1 db=$2 c
  shift 2
  for c in "$@"; do
    LOGIN_ROWS+=("${#LABELS[@]}|$cost")
    RUN_DURATION=$LOGIN_DURATION
    at "$c" "login $cost, $db" "http://127.0.0.1:$WB_PORT/api/v1/sessions" \
      -s "$TMP/login.lua" --timeout "$LOGIN_TIMEOUT"
    RUN_DURATION=""
  done
}

me_row() {  # DB
  local token
  token=$(login_token "$WB_PORT")
  if [[ -z "$token" ]]; then
    log "login with curl failed; no token for /me"
    skip_row "GET /api/v1/me, $1" "login failed"
    return 0
  fi
  at 64 "GET /api/v1/me, $1" "http://127.0.0.1:$WB_PORT/api/v1/me" -H "Authorization: Bearer $token"
}

# /me at 8 connections while 64 others keep logging in: what a burst of logins does to every
# other request served by the worker pool.
me_during_flood_row() {  # DB
  local token flood saved=$BENCH_SERVER_PID
  token=$(login_token "$WB_PORT")
  if [[ -z "$token" ]]; then
    CONNECTIONS=8 skip_row "GET /api/v1/me, $1, login flood" "login failed"
    return 0
  fi
  log "login flood: 64 connections logging in, in the background"
  wrk -t1 -c64 -d$((WARMUP + DURATION + 60))s --timeout "$LOGIN_TIMEOUT" -s "$TMP/login.lua" \
    "http://127.0.0.1:$WB_PORT/api/v1/sessions" >/dev/null 2>&1 &
  flood=$!
  PIDS+=("$flood")
  sleep 2  # let the logins fill the queue
  BENCH_SERVER_PID=""  # its CPU is the flood's; no idle wait either
  at 8 "GET /api/v1/me, $1, login flood" "http://127.0.0.1:$WB_PORT/api/v1/me" \
    -H "Authorization: Bearer $token" --timeout 60s
  BENCH_SERVER_PID=$saved
  stop_started "$flood"
}

# --- the runs ---------------------------------------------------------------------------------
# 1. SQLite at the production cost (interactive: 64 MiB, 2 passes), the demo accounts loaded.
if start_wangban sqlite "$TMP/server-sqlite.log" --no-access-log --demo; then
  BENCH_SERVER_PID=$WB_PID
  login_rows interactive sqlite 64 8
  me_row sqlite
  me_during_flood_row sqlite
  NOTES+=("server peak RSS (sqlite, interactive): $(peak_rss_mib "$WB_PID") MiB")
  wait_idle "$WB_PID"  # logins wrk left queued: a clean stop
  stop_wangban sqlite "$WB_PID"
  BENCH_SERVER_PID=""
else
  CONNECTIONS=64 skip_row "login interactive, sqlite" "server failed"
  CONNECTIONS=8 skip_row "login interactive, sqlite" "server failed"
  skip_row "GET /api/v1/me, sqlite" "server failed"
  CONNECTIONS=8 skip_row "GET /api/v1/me, sqlite, login flood" "server failed"
fi

# 2. SQLite at the moderate cost (256 MiB, 3 passes); a fresh data dir, so the demo accounts
# are hashed at that cost (no rehash on the first login).
if ((MODERATE)); then
  if start_wangban sqlite-moderate "$TMP/server-moderate.log" --no-access-log --demo \
      --password-hash-cost moderate; then
    BENCH_SERVER_PID=$WB_PID
    login_rows moderate sqlite 8
    NOTES+=("server peak RSS (sqlite, moderate): $(peak_rss_mib "$WB_PID") MiB")
    wait_idle "$WB_PID"  # logins wrk left queued: a clean stop
    stop_wangban sqlite-moderate "$WB_PID"
    BENCH_SERVER_PID=""
  else
    CONNECTIONS=8 skip_row "login moderate, sqlite" "server failed"
  fi
fi

# 3. PostgreSQL (a throwaway cluster on this machine), interactive cost.
pg_ok=0
if start_pg; then pg_ok=1; fi
if ((pg_ok)) && start_wangban pg "$TMP/server-pg.log" --no-access-log --demo --db "$PG_URL_BASE/bench"; then
  BENCH_SERVER_PID=$WB_PID BENCH_DB_PID=$(pg_postmaster_pid || true)
  me_row postgresql
  login_rows interactive postgresql 8
  wait_idle "$WB_PID"  # logins wrk left queued: a clean stop
  stop_wangban pg "$WB_PID"
  BENCH_SERVER_PID="" BENCH_DB_PID=""
else
  skip_row "GET /api/v1/me, postgresql" "postgresql failed"
  CONNECTIONS=8 skip_row "login interactive, postgresql" "postgresql failed"
fi

# --- the report -------------------------------------------------------------------------------
NCPU=$(nproc)

report() {
  local i entry idx cost per_cpu per_cpu_s
  machine_header "wangban identity benchmark"
  echo "load      wrk -t$THREADS --latency, ${DURATION}s (logins ${LOGIN_DURATION}s) after a ${WARMUP}s warm-up;" \
    "wrk, the server and PostgreSQL share the machine"
  echo "server    build/wangban serve --no-access-log --demo (default --workers 8 --db-pool 8); login as $ACCOUNT"
  echo
  printf '%-36s %5s %9s %9s %9s %7s %5s %9s %7s  %s\n' \
    target conns rps "p50 ms" "p99 ms" "srv CPU" sys "ms CPU/rq" "db CPU" errors
  for i in "${!LABELS[@]}"; do
    printf '%-36s %5s %9s %9s %9s %7s %5s %9s %7s  %s\n' "${LABELS[$i]}" "${CONNS[$i]}" "${RPS[$i]}" \
      "${P50[$i]}" "${P99[$i]}" "${SRV_CPU[$i]}" "${SRV_SYS[$i]}" "${SRV_MS[$i]}" "${DB_CPU[$i]}" "${ERRS[$i]}"
  done
  echo
  echo "srv CPU / db CPU: CPU used by the wangban process / the PostgreSQL cluster during the run"
  echo "(100% = one core); sys: the kernel's share of srv CPU; ms CPU/rq: server CPU per completed request."
  for entry in "${LOGIN_ROWS[@]}"; do
    idx=${entry%%|*} cost=${entry#*|}
    [[ "${RPS[$idx]}" != "-" && "${REQS[$idx]}" != 0 ]] || continue
    per_cpu=$(awk -v r="${RPS[$idx]}" -v n="$NCPU" 'BEGIN {printf "%.1f", r / n}')
    per_cpu_s="-"
    if [[ "${SRV_MS[$idx]}" != "-" ]]; then
      per_cpu_s=$(awk -v m="${SRV_MS[$idx]}" 'BEGIN {printf "%.1f", (m > 0) ? 1000 / m : 0}')
    fi
    printf 'login %-11s %-10s c%-3s %6s logins/s = %5s per CPU (%s CPUs); %s logins per CPU-second of the server\n' \
      "$cost" "${LABELS[$idx]##*, }" "${CONNS[$idx]}" "${RPS[$idx]}" "$per_cpu" "$NCPU" "$per_cpu_s"
  done
  for entry in "${NOTES[@]}"; do echo "$entry"; done
}

echo
report | tee "$OUT_FILE.tmp"
mv "$OUT_FILE.tmp" "$OUT_FILE"
log "written to ${OUT_FILE#"$ROOT"/}"
