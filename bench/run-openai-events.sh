#!/usr/bin/env bash
# Issue 29 figures, loopback only: (1) the /v1 gateway's overhead over calling the fake GigaChat
# directly (p50/p99, sequential) and the extra time to the first streamed chunk; (2) the completed
# event's delay after completed_at, on the instance that completed the request and across two
# instances (PostgreSQL NOTIFY; API-only + worker-only, needs BACKEND=postgres-kafka pieces);
# (3) peak RSS with 1,000 open event streams on one instance.
#   bench/run-openai-events.sh                 # all parts
#   PARTS="overhead streams" bench/run-openai-events.sh
#   AB_DLL=/other/build/GigaOffice.dll PARTS=overhead bench/run-openai-events.sh   # that build's /v1 interleaved as b_*
#   NULL_GATEWAY=1 PARTS=overhead bench/run-openai-events.sh   # b_* = bench/NullGateway, a bare pass-through (the floor)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
PARTS=${PARTS:-"overhead events streams cross"} N=${N:-500} EVENTS_N=${EVENTS_N:-30} STREAMS=${STREAMS:-1000}
PY="python3 $BENCH_DIR/openai_events.py"

prepare
echo "machine: $(machine_note)"
for part in $PARTS; do
  case $part in
    overhead)
      start_fake 0
      ca=$(awk -F': +' '/^CA bundle:/ { print $2 }' "$(dirname "$FAKE_CALL_LOG")/fake.log")
      start_service "$(free_port)" "${FAKE_ENV[@]}" AUTH_MODE=required
      key=$(cd "$SERVICE_DIR" && env HOST=127.0.0.1 "${FAKE_ENV[@]}" AUTH_MODE=required LOG_LEVEL=warning dotnet "$SERVICE_DLL" keys create --name bench --rpm 100000 | tr -d '\r' | grep -E '^gok_' | tail -1)
      fake_url=$(printf '%s\n' "${FAKE_ENV[@]}" | awk -F= '$1 == "GIGACHAT_BASE_URL" { print $2 }')
      ab=() null_pid=""
      if [ -n "${NULL_GATEWAY:-}" ]; then
        # The floor: a bare ASP.NET Core pass-through to the fake (bench/NullGateway) in place of build B.
        auth_url=$(printf '%s\n' "${FAKE_ENV[@]}" | awk -F= '$1 == "GIGACHAT_AUTH_URL" { print $2 }')
        token=$(curl -sf --cacert "$ca" -X POST "$auth_url" -H "Authorization: Basic dGVzdDp0ZXN0" -H "RqUID: $(cat /proc/sys/kernel/random/uuid)" \
          -H "Content-Type: application/x-www-form-urlencoded" -d scope=GIGACHAT_API_PERS | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
        null_port=$(free_port)
        dotnet "$BENCH_DIR/NullGateway/bin/Release/net10.0/NullGateway.dll" --port "$null_port" --fake "$fake_url" --ca "$ca" --token "$token" >/dev/null 2>&1 &
        null_pid=$!
        for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$null_port/" && break; sleep 0.1; done
        ab=(--service-b "http://127.0.0.1:$null_port" --key-b none)
      elif [ -n "${AB_DLL:-}" ]; then
        first_pid=$SERVICE_PID first_port=$SERVICE_PORT
        SERVICE_DLL=$(realpath "$AB_DLL") start_service "$(free_port)" "${FAKE_ENV[@]}" AUTH_MODE=required
        key_b=$(cd "$SERVICE_DIR" && env HOST=127.0.0.1 "${FAKE_ENV[@]}" AUTH_MODE=required LOG_LEVEL=warning dotnet "$(realpath "$AB_DLL")" keys create --name bench --rpm 100000 | tr -d '\r' | grep -E '^gok_' | tail -1)
        ab=(--service-b "http://127.0.0.1:$SERVICE_PORT" --key-b "$key_b")
        stop_b=$SERVICE_PID SERVICE_PID=$first_pid SERVICE_PORT=$first_port
      fi
      echo "overhead (fake latency 0, cloud mode, client key checked, $N calls each way): $($PY overhead --fake "$fake_url" --ca "$ca" --service "http://127.0.0.1:$SERVICE_PORT" --key "$key" --n "$N" "${ab[@]}")"
      [ -z "${stop_b:-}" ] || stop_service "$stop_b"
      [ -z "$null_pid" ] || { kill "$null_pid"; wait "$null_pid" 2>/dev/null || true; }
      stop_service; stop_fake ;;
    events)
      start_service "$(free_port)" GIGACHAT_DRYRUN_DELAY_MS=300
      echo "completed event, same instance (embedded, dry-run 300 ms): $($PY events --api "http://127.0.0.1:$SERVICE_PORT" --n "$EVENTS_N")"
      stop_service ;;
    streams)
      start_service "$(free_port)" GIGACHAT_DRYRUN_DELAY_MS=600000 WORKER_CONCURRENCY=1
      echo "open streams (embedded): $($PY streams --api "http://127.0.0.1:$SERVICE_PORT" --pid "$SERVICE_PID" --streams "$STREAMS")"
      stop_service ;;
    cross)
      [ "${BACKEND:-sqlite}" = postgres-kafka ] || { BACKEND=postgres-kafka start_backend; }
      start_service "$(free_port)" SERVICE_ROLE=worker GIGACHAT_DRYRUN_DELAY_MS=300; worker_pid=$SERVICE_PID
      start_service "$(free_port)" SERVICE_ROLE=api EVENTS_RECHECK_SECONDS=3600
      echo "completed event, across instances (PostgreSQL NOTIFY, API-only + worker-only): $($PY events --api "http://127.0.0.1:$SERVICE_PORT" --n "$EVENTS_N")"
      stop_service; stop_service "$worker_pid" ;;
  esac
done
