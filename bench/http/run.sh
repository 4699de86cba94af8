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

# shellcheck source-path=SCRIPTDIR source=../lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
OUT_FILE="$ROOT/bench/http/last-run.txt"

# --- the runs ---------------------------------------------------------------------------------
ensure_tools wrk nginx postgresql
ensure_binary
binary_info
bench_tmp

# The health answer, byte for byte what the server sends (nlohmann orders keys alphabetically).
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
  stop_wangban sqlite "$WB_PID"
else
  skip_row "wangban /api/health" "server failed"
  skip_row "wangban /api/ready sqlite" "server failed"
fi
if start_wangban sqlite /dev/null; then  # access log on, written to /dev/null
  bench "wangban /api/health +access log" "http://127.0.0.1:$WB_PORT/api/health"
  stop_wangban sqlite-access-log "$WB_PID"
else
  skip_row "wangban /api/health +access log" "server failed"
fi

# 3. wangban on a throwaway PostgreSQL cluster
pg_ok=0
if start_pg; then pg_ok=1; fi
if ((pg_ok)) && start_wangban pg "$TMP/server-pg.log" --no-access-log \
    --db "$PG_URL_BASE/bench"; then
  bench "wangban /api/ready postgresql" "http://127.0.0.1:$WB_PORT/api/ready"
  stop_wangban pg "$WB_PID"
else
  skip_row "wangban /api/ready postgresql" "postgresql failed"
fi

# --- the report -------------------------------------------------------------------------------
# Table order: ceiling, health, health + access log, ready sqlite, ready postgresql.
ORDER=("nginx static JSON (ceiling)" "wangban /api/health" "wangban /api/health +access log"
       "wangban /api/ready sqlite" "wangban /api/ready postgresql")
NGINX_RPS=${RPS[$(row_index "nginx static JSON (ceiling)")]}

report() {
  local label i share
  machine_header "wangban HTTP benchmark"
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
