# Shared helpers for bench/run-*.sh and bench/drill-*.sh. Source it; do not run it.
# The service runs as production would: the Release build, `dotnet GigaOffice.dll`, configured by
# environment variables only (and the process environment of PROFILE_ENV below), in a fresh
# temporary directory (its own SQLite file and logs).

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
# SERVICE_DLL may point at another build (e.g. a publish of an older commit) for A/B runs.
SERVICE_DLL=$(realpath -m "${SERVICE_DLL:-$ROOT/src/GigaOffice/bin/Release/net10.0/GigaOffice.dll}")
# LOADGEN_DLL may point at another build of the generator, as SERVICE_DLL does.
LOADGEN_DLL=$(realpath -m "${LOADGEN_DLL:-$ROOT/bench/LoadGen/bin/Release/net10.0/LoadGen.dll}")
FAKE_DLL=$ROOT/tests/FakeGigaChat/bin/Release/net10.0/FakeGigaChat.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
# Extra environment for every service start (start_backend fills it for PostgreSQL/Kafka).
declare -a SERVICE_ENV=()
# The process environment the README's `dotnet run` gives the service (its launch profile) and
# deploy/ sets too: MALLOC_ARENA_MAX=2, which must be there before the process starts. Measured
# without it by LAUNCH_PROFILE_ENV=0 (as benchmarks before the twelfth pass were).
declare -a PROFILE_ENV=()
if [ "${LAUNCH_PROFILE_ENV:-1}" != 0 ]; then
  mapfile -t PROFILE_ENV < <(python3 -c 'import json, sys
for name, value in json.load(open(sys.argv[1]))["profiles"]["GigaOffice"].get("environmentVariables", {}).items(): print(f"{name}={value}")' \
    "$ROOT/src/GigaOffice/Properties/launchSettings.json")
fi

log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

build_all() {
  log "building Release (service, load generator, fake GigaChat)"
  dotnet build "$ROOT/src/GigaOffice" -c Release -nologo -v q >/dev/null
  dotnet build "$ROOT/bench/LoadGen" -c Release -nologo -v q >/dev/null
  dotnet build "$ROOT/tests/FakeGigaChat" -c Release -nologo -v q >/dev/null
  dotnet build "$ROOT/bench/NullGateway" -c Release -nologo -v q >/dev/null
}

# on_cpus LIST: the command prefix that runs a process on the CPUs in LIST (taskset -c), or nothing
# when LIST is empty. SERVICE_CPUS, LOADGEN_CPUS and FAKE_CPUS (e.g. 1, 0, 0) split the two cores
# between the service and what drives it, to see what sharing them costs the service.
on_cpus() { [ -z "$1" ] || echo "taskset -c $1"; }

loadgen() { $(on_cpus "${LOADGEN_CPUS:-}") dotnet "$LOADGEN_DLL" "$@"; }

# The machine's state next to every figure: other work on 2 cores changes results.
machine_note() { echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), nproc $(nproc)"; }

# Waits until the machine's 1-minute load average is below $1 (default 1.0), at most $2 s (default 600).
wait_quiet() {
  local limit=${1:-1.0} patience=${2:-600} waited=0
  while awk -v l="$limit" '{ exit !($1 >= l) }' /proc/loadavg; do
    if (( waited >= patience )); then log "machine still busy ($(cut -d' ' -f1 /proc/loadavg)); measuring anyway"; return 0; fi
    (( waited % 60 == 0 )) && log "waiting for a quiet machine: load $(cut -d' ' -f1 /proc/loadavg)"
    sleep 10; waited=$((waited + 10))
  done
}

# The common start of a run-*.sh script: build (unless NO_BUILD=1), stop everything on exit,
# start the backend, wait for a quiet machine (load below QUIET_LOAD, default 1.0, at most
# QUIET_PATIENCE seconds, default 600).
# ROLE_ENV: SERVICE_ROLE, WORKER_CONCURRENCY and DRYRUN_DELAY_MS (the dry-run model's delay,
# GIGACHAT_DRYRUN_DELAY_MS: 300 paces the worker like GigaChat would) when the caller set them.
prepare() {
  [ -n "${NO_BUILD:-}" ] || build_all
  trap 'stop_service; stop_fake; stop_backend' EXIT
  trap 'exit 143' INT TERM
  start_backend
  wait_quiet "${QUIET_LOAD:-1.0}" "${QUIET_PATIENCE:-600}"
  ROLE_ENV=(${SERVICE_ROLE:+SERVICE_ROLE=$SERVICE_ROLE} ${WORKER_CONCURRENCY:+WORKER_CONCURRENCY=$WORKER_CONCURRENCY}
    ${DRYRUN_DELAY_MS:+GIGACHAT_DRYRUN_DELAY_MS=$DRYRUN_DELAY_MS})
}

# start_service PORT [VAR=value ...]: sets SERVICE_PID and SERVICE_DIR (a new temporary directory).
# Defaults: embedded default (SQLite, in-process queue), GIGACHAT_RUN_MODE=dryrun, LOG_LEVEL=warning.
# SERVICE_EXTRA_ENV="VAR=value ..." adds variables for A/B runs (e.g. DOTNET_TieredPGO=0).
start_service() {
  local port=$1; shift
  # BENCH_TMPDIR=/dev/shm puts the service's files (the SQLite database) in memory instead of on disk.
  SERVICE_DIR=${SERVICE_DIR_REUSE:-$(mktemp -d "${BENCH_TMPDIR:-/tmp}/gigaoffice-bench.XXXXXX")}
  (cd "$SERVICE_DIR" && exec env ${PROFILE_ENV[@]+"${PROFILE_ENV[@]}"} HOST=127.0.0.1 PORT="$port" LOG_LEVEL=warning GIGACHAT_RUN_MODE=dryrun \
      ${SERVICE_ENV[@]+"${SERVICE_ENV[@]}"} ${SERVICE_EXTRA_ENV:-} "$@" $(on_cpus "${SERVICE_CPUS:-}") dotnet "$SERVICE_DLL" >>service.log 2>&1) &
  SERVICE_PID=$!
  SERVICE_PORT=$port
  wait_ready "$port" "$SERVICE_PID"
}

wait_ready() {
  local port=$1 pid=$2
  for _ in $(seq 1 300); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/health/ready"; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then log "service exited during start:"; tail -20 "$SERVICE_DIR/service.log" >&2; return 1; fi
    sleep 0.2
  done
  log "service on port $port not ready after 60 s"; return 1
}

stop_service() {
  local pid=${1:-$SERVICE_PID}
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

# server_buckets: cumulative "le count" of the service's 202 answers to POST /api/ai/process (from /metrics).
server_buckets() {
  curl -s "http://127.0.0.1:$SERVICE_PORT/metrics" \
    | grep '^http_server_request_duration_seconds_bucket' | grep 'http_route="/api/ai/process"' | grep 'http_response_status_code="202"' \
    | sed -E 's/.*le="([^"]+)".* ([0-9]+)$/\1 \2/'
}

# server_share BEFORE AFTER: share of the 202s between the two scrapes that the service answered within 5, 10 and 25 ms.
server_share() {
  awk 'NR == FNR { before[$1] = $2; next } { n[$1] = $2 - before[$1] }
       END { t = n["+Inf"]; if (t <= 0) { print "n/a"; exit }
             printf "%d answers, within 5 ms %.1f%%, within 10 ms %.1f%%, within 25 ms %.1f%%\n", t, 100 * n["0.005"] / t, 100 * n["0.01"] / t, 100 * n["0.025"] / t }' "$1" "$2"
}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

# sample_rss PID FILE [INTERVAL]: appends "seconds rss_kb" lines until the process ends. Run in background.
sample_rss() {
  local pid=$1 file=$2 interval=${3:-1} start=$SECONDS rss
  while rss=$(rss_kb "$pid") && [ -n "$rss" ]; do
    echo "$((SECONDS - start)) $rss" >>"$file"
    sleep "$interval"
  done
}

# field NAME: the value of NAME=... on the RESULT line read from stdin.
field() { grep '^RESULT' | tail -1 | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }

# wrk_result TEXT: wrk's --latency output as a LoadGen-style RESULT line (latencies in ms).
wrk_result() {
  echo "$1" | sed 's/^/  /'
  echo "$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +90%/ { p90 = ms($2) } /^ +99%/ { p99 = ms($2) }
    /Requests\/sec:/ { rps = $2 } /Non-2xx/ { err += $5 } /Socket errors/ { gsub(/,/, ""); err += $4 + $6 + $8 + $10 }
    /^ +Latency / { max = ms($4) }
    END { printf "RESULT scenario=accept tool=wrk throughput=%s p50_ms=%s p90_ms=%s p99_ms=%s max_ms=%s errors=%d\n", rps, p50, p90, p99, max, err }'
}

# runtime_stats: the service's own runtime counters from /metrics (meter System.Runtime):
# "gen0 gen1 gen2 gc_pause_s allocated_bytes cpu_s sqlite_lock_waits sqlite_lock_wait_s".
# Two calls bracket a run; runtime_delta subtracts.
runtime_stats() {
  curl -s "http://127.0.0.1:$SERVICE_PORT/metrics" | awk '
    /^dotnet_gc_collections_total/ { match($0, /gc_heap_generation="gen[0-2]"/); g[substr($0, RSTART + 23, 1)] = $NF }
    /^dotnet_gc_pause_time_seconds_total/ { pause = $NF }
    /^dotnet_gc_heap_total_allocated_bytes_total/ { alloc = $NF }
    /^dotnet_process_cpu_time_seconds_total/ { cpu += $NF }
    /^gigaoffice_sqlite_lock_waits_total/ { waits = $NF }
    /^gigaoffice_sqlite_lock_wait_duration_seconds_total/ { waited = $NF }
    /^gigaoffice_sqlite_result_transactions_total/ { commits = $NF }
    END { printf "%d %d %d %.6f %.0f %.6f %d %.6f %d\n", g[0], g[1], g[2], pause, alloc, cpu, waits, waited, commits }'
}
# minor_faults PID: page faults the process took so far (first touches of memory: on this VM each costs a trip to the host).
minor_faults() { awk '{ print $10 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# runtime_delta BEFORE AFTER REQUESTS: what the run cost the service, as one line.
runtime_delta() {
  awk -v n="$3" -v b="$1" -v a="$2" 'BEGIN { split(b, x, " "); split(a, y, " ")
    printf "GC gen0 %d, gen1 %d, gen2 %d, pauses %.1f ms in all; allocated %.0f KB and CPU %.2f ms per request; SQLite lock waits %d, %.1f ms in all",
      y[1] - x[1], y[2] - x[2], y[3] - x[3], (y[4] - x[4]) * 1000, (y[5] - x[5]) / 1024 / n, (y[6] - x[6]) * 1000 / n, y[7] - x[7], (y[8] - x[8]) * 1000
    if (y[9] > 0) printf "; result transactions %d", y[9] - x[9] }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

mb() { awk -v kb="$1" 'BEGIN { printf "%.0f", kb / 1024 }'; }

# A free TCP port on 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }

# start_postgres PORT: a throwaway PostgreSQL server (as in docs/NOTES: initdb + pg_ctl, owned by
# user postgres), database appdb, user app / password app. Sets PG_DIR; adds DB_* to SERVICE_ENV.
start_postgres() {
  local port=$1
  PG_DIR=$(mktemp -d /tmp/gigaoffice-pg.XXXXXX)
  PG_PORT=$port
  chown postgres "$PG_DIR"; chmod 700 "$PG_DIR"
  echo app >"$PG_DIR/pwfile"; chown postgres "$PG_DIR/pwfile"
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U app --pwfile="$PG_DIR/pwfile" -A scram-sha-256 \
    --auth-local=trust -E UTF8 --locale=C.UTF-8 -N >/dev/null
  pg_start
  runuser -u postgres -- "$PG_BIN/createdb" -h "$PG_DIR" -p "$port" -U app appdb
  SERVICE_ENV+=(DB_HOST=127.0.0.1 DB_PORT="$port" DB_NAME=appdb DB_USER=app DB_PASSWORD=app)
}

# Server settings for a small machine: more connections than the service's pool, fsync left on.
pg_start() {
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -w -l "$PG_DIR/server.log" \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=128MB" start >/dev/null
}

pg_stop() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m "${1:-fast}" -w stop >/dev/null 2>&1 || true; }

stop_postgres() {
  [ -n "${PG_DIR:-}" ] || return 0
  pg_stop immediate
  rm -rf "$PG_DIR"
}

# psql_app SQL: runs SQL against the throwaway database.
psql_app() { "$PG_BIN/psql" -h "$PG_DIR" -p "$PG_PORT" -U app -d appdb -XAtq -c "$1"; }

# start_backend: BACKEND=sqlite (default; the embedded default), postgres (PostgreSQL + in-process
# queue) or postgres-kafka (PostgreSQL + Kafka, when the Kafka queue exists: see has_kafka_queue).
start_backend() {
  case "${BACKEND:-sqlite}" in
    sqlite) ;;
    postgres) start_postgres "$(free_port)" ;;
    postgres-kafka)
      has_kafka_queue || { log "BACKEND=postgres-kafka: the Kafka queue (issue 4) is not in this tree yet"; return 3; }
      start_postgres "$(free_port)"
      start_kafka_mock ;;
    *) log "unknown BACKEND=$BACKEND"; return 2 ;;
  esac
}

stop_backend() {
  stop_kafka_mock
  stop_postgres
}

has_kafka_queue() { grep -rqs "Confluent.Kafka" "$ROOT/src/GigaOffice/GigaOffice.csproj"; }

# Kafka: no broker package is reachable here, so the Kafka protocol mock cluster inside librdkafka
# stands in (bench/KafkaMock), reached by the service over TCP like a real broker.
start_kafka_mock() {
  dotnet build "$BENCH_DIR/KafkaMock" -c Release -nologo -v q >/dev/null
  KAFKA_LOG=$(mktemp /tmp/gigaoffice-kafka.XXXXXX)
  dotnet "$BENCH_DIR/KafkaMock/bin/Release/net10.0/KafkaMock.dll" >"$KAFKA_LOG" 2>&1 &
  KAFKA_PID=$!
  for _ in $(seq 1 100); do
    KAFKA_BOOTSTRAP=$(awk '/^bootstrap:/ { print $2 }' "$KAFKA_LOG")
    [ -n "$KAFKA_BOOTSTRAP" ] && break
    sleep 0.1
  done
  [ -n "$KAFKA_BOOTSTRAP" ] || { log "Kafka mock did not start"; cat "$KAFKA_LOG" >&2; return 1; }
  SERVICE_ENV+=(KAFKA_BOOTSTRAP_SERVERS="$KAFKA_BOOTSTRAP")
}

stop_kafka_mock() {
  [ -n "${KAFKA_PID:-}" ] || return 0
  kill -TERM "$KAFKA_PID" 2>/dev/null || true
  wait "$KAFKA_PID" 2>/dev/null || true
  KAFKA_PID=
}

# --- drills -----------------------------------------------------------------------------------
# drill_start URL: offered load (DRILL_RATE req/s for DRILL_DURATION s) in the background; the
# load generator then waits for every accepted request. Output in $DRILL_OUT.
drill_start() {
  DRILL_OUT=$(mktemp /tmp/gigaoffice-drill-out.XXXXXX)
  loadgen drill --url "$1" --rate "${DRILL_RATE:-50}" --duration "${DRILL_DURATION:-90}" --connections 32 \
    --finish-timeout "${DRILL_FINISH_TIMEOUT:-600}" >"$DRILL_OUT" 2>&1 &
  DRILL_PID=$!
}

# drill_wait_offered: returns when the offered load has ended (the waiting for results goes on).
drill_wait_offered() {
  until grep -q '^offered' "$DRILL_OUT" || ! kill -0 "$DRILL_PID" 2>/dev/null; do sleep 0.5; done
}

# drill_finish NAME: waits for the load generator, prints its counts and the database's rows by
# status; fails when lost != 0.
drill_finish() {
  local status=0 lost
  wait "$DRILL_PID" || status=$?
  grep -v '^RESULT' "$DRILL_OUT"
  echo "== drill $1: database rows: $(db_outcomes)"
  grep '^RESULT' "$DRILL_OUT" | sed 's/^RESULT /  /'
  lost=$(field lost <"$DRILL_OUT")
  echo "lost=${lost:-unknown}"
  [ "$status" -eq 0 ] && [ "${lost:-1}" = 0 ]
}

# Rows by status and error code, from the service's database, and how many requests were claimed
# more than once (their worker died or they were retried): evidence that a fault hit work in flight.
db_outcomes() {
  if [ -n "${PG_DIR:-}" ]; then
    psql_app "SELECT \"Status\" || ':' || COALESCE(\"ErrorCode\", '-') || '=' || COUNT(*) FROM ai_requests GROUP BY \"Status\", \"ErrorCode\"
              UNION ALL SELECT 'claimed_more_than_once=' || COUNT(*) FROM ai_requests WHERE \"Attempts\" > 1;" | tr '\n' ' '
  else
    sqlite3 "${1:-$SERVICE_DIR}/data/gigaoffice.db" "SELECT Status || ':' || COALESCE(ErrorCode, '-') || '=' || COUNT(*) FROM ai_requests GROUP BY Status, ErrorCode
              UNION ALL SELECT 'claimed_more_than_once=' || COUNT(*) FROM ai_requests WHERE Attempts > 1;" | tr '\n' ' '
  fi
}

has_cloud_mode() { [ -f "$ROOT/src/GigaOffice/GigaChat/HttpGigaChatClient.cs" ] || grep -rqsE "class \w*Cloud\w*Client" "$ROOT/src/GigaOffice/GigaChat"; }

# pending WHAT: the drill needs a feature this tree does not have yet; exit code 3 says "not run".
pending() { echo "PENDING: $*"; exit 3; }

# start_fake LATENCY_MS: tests/FakeGigaChat over HTTPS on a free port (its own generated CA).
# LATENCY_JITTER_MS spreads each answer's delay uniformly over LATENCY_MS +- that (default 0).
# Sets FAKE_PID and FAKE_ENV (the service's variables for cloud mode against it, no quota limit).
start_fake() {
  local dir port ca
  dir=$(mktemp -d /tmp/gigaoffice-fake.XXXXXX)
  port=$(free_port)
  FAKE_CALL_LOG=$dir/calls.log
  $(on_cpus "${FAKE_CPUS:-}") dotnet "$FAKE_DLL" --port "$port" --latency-ms "$1" --latency-jitter-ms "${LATENCY_JITTER_MS:-0}" --cert-dir "$dir/certs" --call-log "$FAKE_CALL_LOG" >"$dir/fake.log" 2>&1 &
  FAKE_PID=$!
  for _ in $(seq 1 150); do grep -q "listening" "$dir/fake.log" && break; sleep 0.2; done
  ca=$(awk -F': +' '/^CA bundle:/ { print $2 }' "$dir/fake.log")
  [ -n "$ca" ] || { log "fake GigaChat did not start"; cat "$dir/fake.log" >&2; return 1; }
  FAKE_ENV=(GIGACHAT_RUN_MODE=cloud GIGACHAT_CREDENTIALS=dGVzdDp0ZXN0 GIGACHAT_CA_BUNDLE_FILE="$ca"
    GIGACHAT_AUTH_URL="https://127.0.0.1:$port/api/v2/oauth" GIGACHAT_BASE_URL="https://127.0.0.1:$port/api/v1"
    GIGACHAT_MAX_REQUESTS_PER_MINUTE=1000000)
}

stop_fake() {
  [ -n "${FAKE_PID:-}" ] || return 0
  kill -CONT "$FAKE_PID" 2>/dev/null || true
  kill -TERM "$FAKE_PID" 2>/dev/null || true
  FAKE_PID=
}
