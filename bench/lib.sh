# shellcheck shell=bash
# Shared helpers of the benchmark scripts (bench/*/run.sh). Source it, do not run it:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
#
# It sets ROOT, BIN, DURATION, WARMUP, THREADS, CONNECTIONS and PG_BIN (each overridable from
# the environment where noted), installs the EXIT/INT/TERM traps, and provides:
#   ensure_tools wrk|nginx|postgresql|curl...   installs what is missing with apt-get
#   ensure_binary                               builds build/wangban if missing or out of date
#   bench_tmp                                   creates $TMP (removed on exit)
#   start_wangban NAME LOG ARGS...              starts the server; sets WB_PID, WB_PORT
#   stop_wangban NAME PID                       stops it; a non-zero exit is reported
#   stop_started PID                            stops a process this script started
#   start_pg                                    a throwaway PostgreSQL cluster; sets PG_URL_BASE
#   bench LABEL URL [WRK_ARGS...]               warm-up, then a measured wrk run; adds a row
#   skip_row LABEL REASON                       a row that could not be measured
#   machine_header TITLE                        the date / commit / machine lines of a report
# Only processes recorded in PIDS (and the PostgreSQL cluster it initialised) are ever signalled.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN="$ROOT/build/wangban"
DURATION=${DURATION:-10}  # seconds per measured run
WARMUP=${WARMUP:-2}
THREADS=2
CONNECTIONS=64
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
CLK_TCK=$(getconf CLK_TCK)

log() { printf 'bench: %s\n' "$*" >&2; }

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi

# --- tools ------------------------------------------------------------------------------------
ensure_tools() {  # any of: wrk nginx postgresql curl
  local missing=() t
  for t in "$@"; do
    case $t in
      wrk) command -v wrk >/dev/null 2>&1 || missing+=(wrk) ;;
      curl) command -v curl >/dev/null 2>&1 || missing+=(curl) ;;
      nginx) command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light) ;;
      postgresql) [[ -x "$PG_BIN/initdb" ]] || missing+=(postgresql) ;;
      *) log "ensure_tools: unknown tool $t"; return 1 ;;
    esac
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # shellcheck disable=SC2034  # for the scripts that source this file
  NGINX=$(command -v nginx 2>/dev/null || echo /usr/sbin/nginx)
}

# Brings build/wangban up to date with the sources (ninja rebuilds only what changed, so this
# costs a second when nothing did). BENCH_NO_BUILD=1 uses the binary as it is. If the build
# fails but an older binary exists, that one is measured and the report says which commit it is.
ensure_binary() {
  if [[ -x "$BIN" && "${BENCH_NO_BUILD:-0}" == 1 ]]; then return 0; fi
  local extra=()
  # A build dir configured when the release preset still enabled WANGBAN_BUILD_BENCH keeps it
  # cached; without bench/CMakeLists.txt that configure would fail.
  [[ -f "$ROOT/bench/CMakeLists.txt" ]] || extra+=(-DWANGBAN_BUILD_BENCH=OFF)
  log "bringing build/wangban up to date (release preset)"
  # Twice: a source edited while the first build ran (a header after some of its includers
  # were compiled) would leave a binary mixing two versions of it; the second pass rebuilds
  # those objects, and is a no-op otherwise.
  if (cd "$ROOT" && cmake --preset release "${extra[@]}" >/dev/null &&
      cmake --build --preset release --target wangban >&2 &&
      cmake --build --preset release --target wangban >&2); then
    return 0
  fi
  if [[ -x "$BIN" ]]; then
    log "WARNING: the build failed; measuring the existing build/wangban"
    return 0
  fi
  log "the build failed and there is no build/wangban"
  return 1
}

# --- cleanup ----------------------------------------------------------------------------------
TMP=""
PIDS=()  # processes this script started; only these are ever signalled
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

bench_tmp() {
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/wangban-bench.XXXXXX")
  chmod 711 "$TMP"  # the postgres user must reach its cluster dir inside
}

# --- processes --------------------------------------------------------------------------------
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

# On PostgreSQL the server needs the shared personal-data key (128 hex chars); any fixed value
# does for a benchmark. SQLite servers make their own key file in their data dir.
BENCH_PII_KEY=$(printf '0123456789abcdef%.0s' {1..8})

# Starts the server; sets WB_PID and WB_PORT. Args: name, log target, extra serve args.
# The name also names its data dir ($TMP/var-NAME), so a second start with a name reuses it.
start_wangban() {
  local name=$1 logto=$2 i env=()
  shift 2
  rm -f "$TMP/port-$name"
  if [[ " $* " == *" --db postgresql://"* ]]; then
    env+=("WANGBAN_PII_KEY=$BENCH_PII_KEY")
    # PostgreSQL deployments must be given the SM2 key that signs audit checkpoints.
    if [[ -z "${WANGBAN_AUDIT_KEY_FILE:-}" && " $* " != *" --audit-key-file "* ]]; then
      [[ -f "$TMP/audit-sm2.pem" ]] || openssl genpkey -algorithm SM2 -out "$TMP/audit-sm2.pem" 2>/dev/null
      env+=("WANGBAN_AUDIT_KEY_FILE=$TMP/audit-sm2.pem")
    fi
  fi
  env "${env[@]}" "$BIN" serve --host 127.0.0.1 --port 0 --port-file "$TMP/port-$name" --data "$TMP/var-$name" \
    --shutdown-grace-ms 1000 "$@" >"$logto" 2>>"$TMP/server-$name.err" &
  WB_PID=$!
  PIDS+=("$WB_PID")
  for ((i = 0; i < 300; i++)); do  # up to 30 s: the first start migrates (and may seed) the database
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

forget_pid() {
  local pid=$1 kept=() p
  for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || kept+=("$p"); done
  PIDS=("${kept[@]}")
}

stop_started() {
  stop_pid "$1"
  forget_pid "$1"
}

# Stops a server started by start_wangban; an exit other than 0 on SIGTERM (a crash in the
# shutdown path, or a hang that needed SIGKILL) is reported under the table.
SERVER_EXITS=()
stop_wangban() {  # NAME PID
  local rc=0 i
  if kill -0 "$2" 2>/dev/null; then
    kill -TERM "$2" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$2" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$2" 2>/dev/null; then kill -KILL "$2" 2>/dev/null || true; fi
  fi
  wait "$2" 2>/dev/null || rc=$?
  forget_pid "$2"
  if ((rc != 0)); then
    SERVER_EXITS+=("wangban ($1) exited with status $rc on SIGTERM$( ((rc > 128)) && echo " (signal $((rc - 128)))")")
    log "${SERVER_EXITS[-1]}"
  fi
}

# Runs a command as a recorded child and waits for it: a TERM to the script then cleans up at
# once (bash runs traps only between foreground commands, but interrupts `wait`).
run_child() {
  local pid rc=0
  "$@" &
  pid=$!
  PIDS+=("$pid")
  wait "$pid" || rc=$?
  forget_pid "$pid"
  return "$rc"
}

# A throwaway PostgreSQL cluster in $TMP/pg on a random port, with a database "bench".
# On success sets PG_URL_BASE (postgresql://postgres@127.0.0.1:PORT) and returns 0.
start_pg() {
  local dir="$TMP/pg"
  mkdir -p "$dir"
  [[ $(id -u) -ne 0 ]] || chown postgres: "$dir"
  PG_DATA="$dir/data"
  PG_PORT=$(free_port)
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1; then
    log "initdb failed:"; cat "$dir/initdb.log" >&2 || true
    return 1
  fi
  PG_STARTED=1  # from here on, cleanup stops it (a no-op if start fails)
  if as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $dir" start >/dev/null &&
     as_pg "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres bench; then
    # shellcheck disable=SC2034  # for the scripts that source this file
    PG_URL_BASE="postgresql://postgres@127.0.0.1:$PG_PORT"
    return 0
  fi
  log "PostgreSQL did not start:"; cat "$dir/server.log" >&2 || true
  return 1
}

# --- CPU accounting ---------------------------------------------------------------------------
# CPU ticks used so far by the given processes and their direct children (the PostgreSQL
# backends are children of the postmaster), as "USER SYSTEM". Gone processes count as 0.
cpu_ticks() {
  local pid user=0 sys=0 stat rest
  local -a f
  for pid in "$@"; do
    [[ -n "$pid" ]] || continue
    for stat in /proc/[0-9]*/stat; do
      { read -r rest <"$stat"; } 2>/dev/null || continue
      rest=${rest##*) }  # past "pid (comm) "
      read -r -a f <<<"$rest"
      # f[0] state, f[1] ppid, f[11] utime, f[12] stime
      if [[ "${stat#/proc/}" == "$pid/stat" || "${f[1]}" == "$pid" ]]; then
        user=$((user + f[11])) sys=$((sys + f[12]))
      fi
    done
  done
  echo "$user $sys"
}

cpu_total() { local t; t=$(cpu_ticks "$@"); echo $((${t% *} + ${t#* })); }

# Waits (up to 60 s) until the process and its children use under 2% of a CPU over 0.5 s.
wait_idle() {
  local pid=$1 a b i
  [[ -n "$pid" ]] || return 0
  a=$(cpu_total "$pid")
  for ((i = 0; i < 120; i++)); do
    sleep 0.5
    b=$(cpu_total "$pid")
    if (((b - a) * 100 <= CLK_TCK)); then return 0; fi
    a=$b
  done
  log "warning: pid $pid still busy after 60 s"
}

pg_postmaster_pid() { [[ -n "$PG_DATA" && -f "$PG_DATA/postmaster.pid" ]] && head -1 "$PG_DATA/postmaster.pid"; }

# --- wrk --------------------------------------------------------------------------------------
to_ms() {  # wrk prints latencies as 812.00us, 1.23ms, 1.05s, 1.20m
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
    else if (u == "h") n *= 3600000
    printf "%.2f", n }'
}

# One row per bench/skip_row call. CPU columns are filled when BENCH_SERVER_PID (and, for the
# database, BENCH_DB_PID: the postmaster) is set: the share of one CPU the process used during
# the measured run (100% = one core busy), the kernel's part of it, and the server's CPU
# milliseconds per completed request.
LABELS=() CONNS=() RPS=() P50=() P99=() ERRS=() SRV_CPU=() SRV_SYS=() SRV_MS=() DB_CPU=() REQS=()
BENCH_SERVER_PID="" BENCH_DB_PID=""
RUN_DURATION=""  # when set, overrides DURATION for the next bench calls

# bench LABEL URL [WRK_ARGS...]: a warm-up run, then the measured one, with $CONNECTIONS
# connections; appends one row.
bench() {
  local label=$1 url=$2 out="$TMP/wrk-${#LABELS[@]}.txt" rps p50 p99 errs reqs
  local s0 s1 d0 d1 t0 t1 secs su ss dur=${RUN_DURATION:-$DURATION}
  shift 2
  log "$label: warm-up ${WARMUP}s, then ${dur}s at $CONNECTIONS connections ($url)"
  run_child wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$@" "$url" >/dev/null 2>&1 || true
  # Requests the warm-up left queued (slow ones: logins) must not eat into the measured run.
  wait_idle "$BENCH_SERVER_PID"
  s0=$(cpu_ticks "$BENCH_SERVER_PID") d0=$(cpu_total "$BENCH_DB_PID") t0=$(date +%s.%N)
  if ! run_child wrk -t"$THREADS" -c"$CONNECTIONS" -d"${dur}s" --latency "$@" "$url" >"$out" 2>&1; then
    log "$label: wrk failed:"; cat "$out" >&2
    skip_row "$label" "wrk failed"
    return 0
  fi
  s1=$(cpu_ticks "$BENCH_SERVER_PID") d1=$(cpu_total "$BENCH_DB_PID") t1=$(date +%s.%N)
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$out")
  p50=$(awk '$1 == "50%" {print $2}' "$out")
  p99=$(awk '$1 == "99%" {print $2}' "$out")
  reqs=$(awk '/ requests in / {print $1}' "$out")
  # Socket errors (timeouts included) and non-2xx answers: a figure is worthless unless 0.
  errs=$(awk '/Socket errors:/ {gsub(/,/, ""); s += $4 + $6 + $8 + $10}
              /Non-2xx or 3xx responses:/ {s += $5}
              END {print s + 0}' "$out")
  if [[ "${reqs:-0}" == 0 ]]; then errs+=" (no request completed)"; p50="" p99=""; fi
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')
  LABELS+=("$label") CONNS+=("$CONNECTIONS") RPS+=("${rps:--}") REQS+=("${reqs:-0}")
  P50+=("$([[ -n "$p50" ]] && to_ms "$p50" || echo -)") P99+=("$([[ -n "$p99" ]] && to_ms "$p99" || echo -)")
  ERRS+=("$errs")
  if [[ -n "$BENCH_SERVER_PID" ]]; then
    su=$((${s1% *} - ${s0% *})) ss=$((${s1#* } - ${s0#* }))
    SRV_CPU+=("$(awk -v t=$((su + ss)) -v hz="$CLK_TCK" -v s="$secs" 'BEGIN {printf "%.0f%%", 100 * t / hz / s}')")
    SRV_SYS+=("$(awk -v t=$((su + ss)) -v k="$ss" 'BEGIN {if (t > 0) printf "%.0f%%", 100 * k / t; else printf "-"}')")
    SRV_MS+=("$(awk -v t=$((su + ss)) -v hz="$CLK_TCK" -v n="${reqs:-0}" \
      'BEGIN {if (n > 0) printf (1000 * t / hz / n < 10 ? "%.3f" : "%.1f"), 1000 * t / hz / n; else printf "-"}')")
  else
    SRV_CPU+=("-") SRV_SYS+=("-") SRV_MS+=("-")
  fi
  if [[ -n "$BENCH_DB_PID" ]]; then
    DB_CPU+=("$(awk -v t=$((d1 - d0)) -v hz="$CLK_TCK" -v s="$secs" 'BEGIN {printf "%.0f%%", 100 * t / hz / s}')")
  else
    DB_CPU+=("-")
  fi
}

skip_row() {
  LABELS+=("$1") CONNS+=("$CONNECTIONS") RPS+=("-") P50+=("-") P99+=("-") ERRS+=("$2")
  SRV_CPU+=("-") SRV_SYS+=("-") SRV_MS+=("-") DB_CPU+=("-") REQS+=("0")
}

row_index() {  # LABEL -> index of its row, or nothing
  local i
  for i in "${!LABELS[@]}"; do
    if [[ "${LABELS[$i]}" == "$1" ]]; then echo "$i"; return 0; fi
  done
  return 1
}

# --- the report -------------------------------------------------------------------------------
# How busy the CPUs are right now, from /proc/stat over one second: "37%" (all CPUs together).
cpu_busy_now() {
  local a b
  a=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; idle = y[2] - x[2]
    printf "%.0f%%", (busy + idle > 0) ? 100 * busy / (busy + idle) : 0 }'
}

# Call after ensure_binary, just before the runs. Sets VERSION, BIN_COMMIT, COMMIT,
# LOAD_BEFORE and BUSY_BEFORE.
binary_info() {
  LOAD_BEFORE=$(cut -d" " -f1-3 /proc/loadavg)
  BUSY_BEFORE=$(cpu_busy_now)
  read -r _ VERSION COMMIT_PAREN < <("$BIN" version)
  BIN_COMMIT=${COMMIT_PAREN//[()]/}
  COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    COMMIT+=" (tracked files modified)"
  fi
}

machine_header() {  # TITLE
  local cpu_model
  cpu_model=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo)
  [[ -n "$cpu_model" ]] || cpu_model=$(lscpu 2>/dev/null | awk -F': *' '/Model name/ {print $2; exit}')
  echo "$1  $(date '+%Y-%m-%d %H:%M:%S %z')"
  echo "commit    $COMMIT (binary: wangban $VERSION, built from $BIN_COMMIT)"
  if [[ "$BIN_COMMIT" != "${COMMIT%% *}" ]]; then
    echo "          note: build/wangban is not built from HEAD"
  fi
  echo "machine   $(nproc) CPUs, ${cpu_model:-unknown CPU}; load before run: $LOAD_BEFORE;" \
    "CPUs busy just before: $BUSY_BEFORE"
  if ((${BUSY_BEFORE%\%} > 20)); then
    echo "          note: something else was using the CPUs when the run started; the figures are low"
  fi
  local e
  for e in "${SERVER_EXITS[@]}"; do echo "WARNING   $e"; done
}
