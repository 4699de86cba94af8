#!/usr/bin/env bash
# HTTP benchmark of the wangban server: wrk against /api/health and /api/ready (SQLite and
# PostgreSQL), with nginx serving an equivalent static JSON file as the ceiling of this machine.
# It prints figures and never fails on them: it is a measurement, not a test.
#
#   bench/http/run.sh                 # or: make bench
#   DURATION=30 bench/http/run.sh     # seconds per measured run (default 10)
#
# The table goes to stdout and to bench/http/last-run.txt. Everything it starts (servers, the
# throwaway PostgreSQL cluster, nginx) and its temp dir are removed on exit, Ctrl-C included.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT_FILE="$ROOT/bench/http/last-run.txt"
BIN="$ROOT/build/wangban"
DURATION=${DURATION:-10}
WARMUP=2
THREADS=2
CONNECTIONS=64
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

log() { printf 'bench: %s\n' "$*" >&2; }

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# --- tools ------------------------------------------------------------------------------------
ensure_tools() {
  local missing=()
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
  [[ -x "$PG_BIN/initdb" ]] || missing+=(postgresql)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
}

ensure_binary() {
  if [[ -x "$BIN" ]]; then return; fi
  log "building the release binary (build/wangban)"
  local extra=()
  # The release preset turns WANGBAN_BUILD_BENCH on; without bench/CMakeLists.txt the configure
  # step would fail, and the HTTP benchmark needs only the server binary.
  [[ -f "$ROOT/bench/CMakeLists.txt" ]] || extra+=(-DWANGBAN_BUILD_BENCH=OFF)
  (cd "$ROOT" && cmake --preset release "${extra[@]}" >/dev/null && cmake --build --preset release --target wangban)
}

# --- cleanup ----------------------------------------------------------------------------------
TMP=""
PIDS=()        # processes this script started; only these are ever signalled
PG_DATA=""
PG_STARTED=0

as_pg() {  # PostgreSQL refuses to run as root
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_pid() {
  local pid=$1 sig=${2:-TERM} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -"$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  if ((PG_STARTED)); then
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
    PG_STARTED=0
  fi
  if [[ -n "$TMP" && -d "$TMP" ]]; then rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'exit 143' TERM

# --- helpers ----------------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
  local p i
  for ((i = 0; i < 100; i++)); do
    p=$((20000 + RANDOM % 40000))
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
  done
  log "no free port found"
  return 1
}

wait_listening() {  # port pid
  local i
  for ((i = 0; i < 100; i++)); do
    port_in_use "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Starts the server; sets WB_PID and WB_PORT. Args: name, log target, extra serve args.
start_wangban() {
  local name=$1 logto=$2 i
  shift 2
  rm -f "$TMP/port-$name"
  "$BIN" serve --host 127.0.0.1 --port 0 --port-file "$TMP/port-$name" --data "$TMP/var-$name" \
    --shutdown-grace-ms 1000 "$@" >"$logto" 2>>"$TMP/server-$name.err" &
  WB_PID=$!
  PIDS+=("$WB_PID")
  for ((i = 0; i < 200; i++)); do  # up to 20 s: the first start migrates the database
    [[ -s "$TMP/port-$name" ]] && break
    if ! kill -0 "$WB_PID" 2>/dev/null; then
      log "wangban ($name) exited before listening:"
      cat "$TMP/server-$name.err" >&2 || true
      return 1
    fi
    sleep 0.1
  done
  if [[ ! -s "$TMP/port-$name" ]]; then log "wangban ($name) wrote no port file"; return 1; fi
  WB_PORT=$(<"$TMP/port-$name")
  wait_listening "$WB_PORT" "$WB_PID"
}

stop_started() {
  local pid=$1 kept=() p
  stop_pid "$pid"
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

to_ms() {  # wrk prints latencies as 812.00us, 1.23ms, 1.05s, 1.20m
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    else if (u == "h") n *= 3600000
    printf "%.2f", n }'
}

LABELS=() RPS=() P50=() P99=() ERRS=()

# bench LABEL URL: 2 s warm-up, then the measured run; appends one row.
bench() {
  local label=$1 url=$2 out="$TMP/wrk-${#LABELS[@]}.txt" rps p50 p99 errs
  log "$label: warm-up ${WARMUP}s, then ${DURATION}s ($url)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
  if ! wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$out" 2>&1; then
    log "$label: wrk failed:"; cat "$out" >&2
    LABELS+=("$label") RPS+=("-") P50+=("-") P99+=("-") ERRS+=("wrk failed")
    return 0
  fi
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  # Socket errors and non-2xx answers: a figure is worthless if these are not zero.
  errs=$(awk '/Socket errors:/ {gsub(/,/, ""); s += $4 + $6 + $8 + $10}
              /Non-2xx or 3xx responses:/ {s += $5}
              END {print s + 0}' "$out")
  LABELS+=("$label") RPS+=("${rps:--}")
  P50+=("$([[ -n "$p50" ]] && to_ms "$p50" || echo -)") P99+=("$([[ -n "$p99" ]] && to_ms "$p99" || echo -)")
  ERRS+=("$errs")
}

skip_row() { LABELS+=("$1") RPS+=("-") P50+=("-") P99+=("-") ERRS+=("$2"); }

# --- the runs ---------------------------------------------------------------------------------
ensure_tools
ensure_binary
LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wangban-bench.XXXXXX")
chmod 711 "$TMP"  # the postgres user must reach its cluster dir inside

# The health answer, byte for byte what the server sends (nlohmann orders keys alphabetically).
read -r _ VERSION COMMIT_PAREN < <("$BIN" version)
BIN_COMMIT=${COMMIT_PAREN//[()]/}
HEALTH_JSON="{\"commit\":\"$BIN_COMMIT\",\"db\":\"sqlite\",\"status\":\"ok\",\"version\":\"$VERSION\"}"

# 1. nginx, the ceiling
NG="$TMP/nginx"
mkdir -p "$NG/www/api" "$NG/tmp"
printf '%s' "$HEALTH_JSON" >"$NG/www/api/health"
NG_PORT=$(free_port)
cat >"$NG/nginx.conf" <<EOF
user root;
worker_processes 2;
daemon off;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $NG/tmp/body;
  proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi;
  uwsgi_temp_path $NG/tmp/uwsgi;
  scgi_temp_path $NG/tmp/scgi;
  server {
    listen 127.0.0.1:$NG_PORT;
    root $NG/www;
    location = /api/health {
      default_type application/json;
      add_header Cache-Control no-store;
      add_header X-Content-Type-Options nosniff;
      add_header Referrer-Policy no-referrer;
    }
  }
}
EOF
if [[ $(id -u) -ne 0 ]]; then sed -i '/^user root;/d' "$NG/nginx.conf"; fi
"$NGINX" -p "$NG" -e "$NG/error.log" -c "$NG/nginx.conf" >/dev/null 2>&1 &
NG_PID=$!
PIDS+=("$NG_PID")
if wait_listening "$NG_PORT" "$NG_PID"; then
  bench "nginx static JSON (ceiling)" "http://127.0.0.1:$NG_PORT/api/health"
else
  log "nginx did not start:"; cat "$NG/error.log" >&2 || true
  skip_row "nginx static JSON (ceiling)" "nginx failed"
fi
stop_started "$NG_PID"  # nginx: TERM is its fast shutdown

# 2. wangban on SQLite, without and with the access log
if start_wangban sqlite "$TMP/server-sqlite.log" --no-access-log; then
  bench "wangban /api/health" "http://127.0.0.1:$WB_PORT/api/health"
  bench "wangban /api/ready sqlite" "http://127.0.0.1:$WB_PORT/api/ready"
  stop_started "$WB_PID"
else
  skip_row "wangban /api/health" "server failed"
  skip_row "wangban /api/ready sqlite" "server failed"
fi
if start_wangban sqlite /dev/null; then  # access log on, written to /dev/null
  bench "wangban /api/health +access log" "http://127.0.0.1:$WB_PORT/api/health"
  stop_started "$WB_PID"
else
  skip_row "wangban /api/health +access log" "server failed"
fi

# 3. wangban on a throwaway PostgreSQL cluster
PG_DIR="$TMP/pg"
mkdir -p "$PG_DIR"
[[ $(id -u) -ne 0 ]] || chown postgres: "$PG_DIR"
PG_DATA="$PG_DIR/data"
PG_PORT=$(free_port)
pg_ok=0
if as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
  PG_STARTED=1  # from here on, cleanup stops it (a no-op if start fails)
  if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null &&
     as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres bench; then
    pg_ok=1
  else
    log "PostgreSQL did not start:"; cat "$PG_DIR/server.log" >&2 || true
  fi
else
  log "initdb failed:"; cat "$PG_DIR/initdb.log" >&2 || true
fi
if ((pg_ok)) && start_wangban pg "$TMP/server-pg.log" --no-access-log \
    --db "postgresql://postgres@127.0.0.1:$PG_PORT/bench"; then
  bench "wangban /api/ready postgresql" "http://127.0.0.1:$WB_PORT/api/ready"
  stop_started "$WB_PID"
else
  skip_row "wangban /api/ready postgresql" "postgresql failed"
fi

# --- the report -------------------------------------------------------------------------------
# Table order: ceiling, health, health + access log, ready sqlite, ready postgresql.
ORDER=("nginx static JSON (ceiling)" "wangban /api/health" "wangban /api/health +access log"
       "wangban /api/ready sqlite" "wangban /api/ready postgresql")
NGINX_RPS=${RPS[0]}
cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
[[ -n "$cpu_model" ]] || cpu_model=$(lscpu 2>/dev/null | awk -F': *' '/Model name/ {print $2; exit}')
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then commit+=" (tracked files modified)"; fi

report() {
  local label i share
  echo "wangban HTTP benchmark  $(date '+%Y-%m-%d %H:%M:%S %z')"
  echo "commit    $commit (binary: wangban $VERSION, built from $BIN_COMMIT)"
  if [[ "$BIN_COMMIT" != "${commit%% *}" ]]; then
    echo "          note: build/wangban is not built from HEAD; \`make bench\` rebuilds it first"
  fi
  echo "machine   $(nproc) CPUs, ${cpu_model:-unknown CPU}; load before run: $LOAD_BEFORE"
  echo "load      wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency, after a ${WARMUP}s warm-up; wrk and the server share the machine"
  echo
  printf '%-34s %10s %9s %9s %15s  %s\n' target rps "p50 ms" "p99 ms" "share of nginx" errors
  for label in "${ORDER[@]}"; do
    for i in "${!LABELS[@]}"; do
      [[ "${LABELS[$i]}" == "$label" ]] || continue
      share="-"
      if [[ "${RPS[$i]}" != "-" && "$NGINX_RPS" != "-" ]]; then
        share=$(awk -v a="${RPS[$i]}" -v b="$NGINX_RPS" 'BEGIN {printf "%.1f%%", 100 * a / b}')
      fi
      printf '%-34s %10s %9s %9s %15s  %s\n' "$label" "${RPS[$i]}" "${P50[$i]}" "${P99[$i]}" "$share" "${ERRS[$i]}"
    done
  done
}

echo
report | tee "$OUT_FILE.tmp"
mv "$OUT_FILE.tmp" "$OUT_FILE"
log "written to ${OUT_FILE#"$ROOT"/}"
