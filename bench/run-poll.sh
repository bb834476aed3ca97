#!/usr/bin/env bash
# Status polls (GET /api/ai/status/{id}), the service's most frequent call: the plugin polls each
# waiting request. Per run, a fresh service gets REQUESTS requests, then is polled for them in turn
# while its workers process them (dry-run model, DRYRUN_DELAY_MS): first closed loop (throughput at
# saturation), then open loop at RATE (latency from each poll's intended time). Medians, peak RSS.
#   bench/run-poll.sh                         # 3 runs, 1,000 polls/s, embedded default
#   BACKEND=postgres-kafka bench/run-poll.sh
#   RATE=2000 CONNECTIONS=128 bench/run-poll.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3} RATE=${RATE:-1000} CONNECTIONS=${CONNECTIONS:-64} DURATION=${DURATION:-20} WARMUP=${WARMUP:-10}
REQUESTS=${REQUESTS:-1000} DRYRUN_DELAY_MS=${DRYRUN_DELAY_MS:-300}
export DRYRUN_DELAY_MS

prepare
rows=$(mktemp)
for run in $(seq 1 "$RUNS"); do
  start_service "$(free_port)" "${ROLE_ENV[@]}"
  url="http://127.0.0.1:$SERVICE_PORT"
  saturated=$(loadgen poll --url "$url" --rate 0 --requests "$REQUESTS" --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP")
  paced=$(loadgen poll --url "$url" --rate "$RATE" --requests "$REQUESTS" --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP")
  hwm=$(hwm_kb "$SERVICE_PID")
  load=$(cut -d' ' -f1 /proc/loadavg)
  stop_service
  echo "$saturated" | grep -v '^RESULT' | sed 's/^/  /'
  echo "$paced" | grep -v '^RESULT' | sed 's/^/  /'
  errors=$(( $(echo "$saturated" | field errors) + $(echo "$paced" | field errors) ))
  echo "run $run: saturation $(echo "$saturated" | field throughput) polls/s; at ${RATE}/s p50 $(echo "$paced" | field p50_ms) ms, p99 $(echo "$paced" | field p99_ms) ms; errors $errors, peak RSS $(mb "$hwm") MB, load $load"
  echo "$(echo "$saturated" | field throughput) $(echo "$paced" | field p50_ms) $(echo "$paced" | field p99_ms) $errors $hwm $load" >>"$rows"
  [ "${BACKEND:-sqlite}" = sqlite ] || psql_app "TRUNCATE ai_requests" 2>/dev/null || true
done
echo "== poll (status polls over $REQUESTS requests, ${CONNECTIONS} connections, ${DURATION} s, backend ${BACKEND:-sqlite}, dry-run delay ${DRYRUN_DELAY_MS} ms), medians of $RUNS runs =="
echo "saturation_rps=$(cut -d' ' -f1 "$rows" | median) p50_ms_at_${RATE}=$(cut -d' ' -f2 "$rows" | median) p99_ms_at_${RATE}=$(cut -d' ' -f3 "$rows" | median)" \
     "errors_total=$(awk '{ s += $4 } END { print s }' "$rows") peak_rss_mb_max=$(mb "$(cut -d' ' -f5 "$rows" | sort -n | tail -1)") load_avg_median=$(cut -d' ' -f6 "$rows" | median)"
