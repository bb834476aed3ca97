#!/usr/bin/env bash
# Fault drill, embedded default (SQLite + in-process queue): the worker is killed with SIGKILL
# every KILL_EVERY seconds under load and restarted at once, as a supervisor would. Afterwards
# every accepted request must be finished: prints accepted, completed, failed by reason, lost
# (must be 0) and exits non-zero when anything was lost.
#   bench/drill-kill-worker.sh                 # MODE=single: the whole service is the worker
#   MODE=split bench/drill-kill-worker.sh      # API process stays up; a SERVICE_ROLE=worker process is killed
#                                              # (roles need the Kafka queue: BACKEND=postgres-kafka is implied)
# Knobs: RATE (50 req/s), DURATION (60 s), KILL_EVERY (5 s), DELAY_MS (dry-run model delay, 300).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
MODE=${MODE:-single} RATE=${RATE:-50} DURATION=${DURATION:-60} KILL_EVERY=${KILL_EVERY:-5} DELAY_MS=${DELAY_MS:-300}

[ -n "${NO_BUILD:-}" ] || build_all
# Separate API and worker processes share work through Kafka; the in-process queue cannot.
[ "$MODE" = split ] && BACKEND=${BACKEND:-postgres-kafka}
start_backend
DIR=$(mktemp -d /tmp/gigaoffice-drill.XXXXXX)
API_PORT=$(free_port)
WORKER_PORT=$(free_port)
# Short lease, sweep interval and instance timeout so that requests of a killed worker come back within seconds.
COMMON=(HOST=127.0.0.1 LOG_LEVEL=warning GIGACHAT_RUN_MODE=dryrun GIGACHAT_DRYRUN_DELAY_MS="$DELAY_MS"
  WORKER_LEASE_SECONDS=10 Worker__RecoveryIntervalSeconds=2 WORKER_INSTANCE_TIMEOUT_SECONDS=6 WORKER_CONCURRENCY=8)

# launch NAME PORT [VAR=value...]: starts a service process in $DIR, pid in $DIR/NAME.pid.
launch() {
  local name=$1 port=$2; shift 2
  # exec: the recorded pid is the service itself; disown: bash does not report its SIGKILLs.
  (cd "$DIR" && exec env ${PROFILE_ENV[@]+"${PROFILE_ENV[@]}"} "${COMMON[@]}" ${SERVICE_ENV[@]+"${SERVICE_ENV[@]}"} PORT="$port" "$@" dotnet "$SERVICE_DLL" >>"$DIR/$name.log" 2>&1) &
  echo $! >"$DIR/$name.pid"
  disown $!
}
pid_of() { cat "$DIR/$1.pid" 2>/dev/null; }
cleanup() {
  touch "$DIR/stop"
  for name in api worker; do [ -f "$DIR/$name.pid" ] && stop_service "$(pid_of $name)"; done
  stop_backend
  true
}
trap cleanup EXIT

if [ "$MODE" = split ]; then
  launch api "$API_PORT" SERVICE_ROLE=api
  SERVICE_DIR=$DIR wait_ready "$API_PORT" "$(pid_of api)"
  launch worker "$WORKER_PORT" SERVICE_ROLE=worker
  SERVICE_DIR=$DIR wait_ready "$WORKER_PORT" "$(pid_of worker)"
  VICTIM=worker; VICTIM_PORT=$WORKER_PORT; VICTIM_ENV=(SERVICE_ROLE=worker)
else
  launch worker "$API_PORT"
  SERVICE_DIR=$DIR wait_ready "$API_PORT" "$(pid_of worker)"
  VICTIM=worker; VICTIM_PORT=$API_PORT; VICTIM_ENV=()
fi

# Each kill hits a worker that is up and working: wait for it to be ready, let it work
# KILL_EVERY seconds, SIGKILL it, start a new one at once.
kill_loop() {
  local kills=0
  while [ ! -f "$DIR/stop" ]; do
    for _ in $(seq 1 300); do
      curl -sf -o /dev/null "http://127.0.0.1:$VICTIM_PORT/health/ready" && break
      [ -f "$DIR/stop" ] && return 0
      sleep 0.2
    done
    sleep "$KILL_EVERY"
    [ -f "$DIR/stop" ] && break
    kill -KILL "$(pid_of $VICTIM)" 2>/dev/null && kills=$((kills + 1))
    echo "$kills" >"$DIR/kills"
    sleep 0.2
    launch "$VICTIM" "$VICTIM_PORT" ${VICTIM_ENV[@]+"${VICTIM_ENV[@]}"}
  done
}

log "drill: MODE=$MODE, backend ${BACKEND:-sqlite}, $RATE req/s for $DURATION s, SIGKILL of the $VICTIM every $KILL_EVERY s; $(machine_note)"
kill_loop &
KILLER=$!
loadgen drill --url "http://127.0.0.1:$API_PORT" --rate "$RATE" --duration "$DURATION" --connections 32 --finish-timeout 300 >"$DIR/loadgen.out" 2>&1 &
LOADGEN=$!
# The kills stop when the offered load ends; then the last restarted worker finishes the backlog.
until grep -q '^offered' "$DIR/loadgen.out" || ! kill -0 "$LOADGEN" 2>/dev/null; do sleep 0.5; done
touch "$DIR/stop"
wait "$KILLER" || true
kill -0 "$(pid_of $VICTIM)" 2>/dev/null || launch "$VICTIM" "$VICTIM_PORT" ${VICTIM_ENV[@]+"${VICTIM_ENV[@]}"}
status=0
wait "$LOADGEN" || status=$?
cat "$DIR/loadgen.out" | grep -v '^RESULT'
echo "== drill kill -9 ($MODE, ${BACKEND:-sqlite}): kills=$(cat "$DIR/kills" 2>/dev/null || echo 0), database rows: $(db_outcomes "$DIR")"
grep '^RESULT' "$DIR/loadgen.out" | sed 's/^RESULT /  /'
lost=$(field lost <"$DIR/loadgen.out")
echo "lost=${lost:-unknown}"
[ "$status" -eq 0 ] && [ "${lost:-1}" = 0 ]
