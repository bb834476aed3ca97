#!/usr/bin/env bash
# Latency of accepting at a fixed offered rate (open loop: latency from each request's intended
# send time), a fresh service per run, medians.
#   bench/run-accept-rate.sh                 # 500 req/s, 5 runs x 30 s, embedded default
#   RATE=1000 BACKEND=postgres bench/run-accept-rate.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5} RATE=${RATE:-500} CONNECTIONS=${CONNECTIONS:-64} DURATION=${DURATION:-30} WARMUP=${WARMUP:-30}

prepare
rows=$(mktemp)
for run in $(seq 1 "$RUNS"); do
  start_service "$(free_port)" "${ROLE_ENV[@]}"
  python3 "$BENCH_DIR/cpu_split.py" "$SERVICE_PID" "$WARMUP" "$((DURATION - 1))" >"$SERVICE_DIR/cpu.txt" &
  CPU_PID=$!
  # The service's own view (Kestrel's request-duration histogram): the same requests without the
  # generator's dispatch delay and client-side queueing; the warm-up's share is subtracted.
  (sleep "$WARMUP"; server_buckets >"$SERVICE_DIR/buckets.before") &
  out=$(loadgen accept-rate --url "http://127.0.0.1:$SERVICE_PORT" --rate "$RATE" --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP")
  hwm=$(hwm_kb "$SERVICE_PID")
  load=$(cut -d' ' -f1 /proc/loadavg)
  wait "$CPU_PID" || true
  server_buckets >"$SERVICE_DIR/buckets.after"
  stop_service
  echo "$out" | grep -v '^RESULT' | sed 's/^/  /'
  sed 's/^/  /' "$SERVICE_DIR/cpu.txt"
  echo "  server side: $(server_share "$SERVICE_DIR/buckets.before" "$SERVICE_DIR/buckets.after")"
  echo "run $run: p50 $(echo "$out" | field p50_ms) ms, p99 $(echo "$out" | field p99_ms) ms, max $(echo "$out" | field max_ms) ms, errors $(echo "$out" | field errors), peak RSS $(mb "$hwm") MB, load $load"
  echo "$(echo "$out" | field throughput) $(echo "$out" | field p50_ms) $(echo "$out" | field p90_ms) $(echo "$out" | field p99_ms) $(echo "$out" | field max_ms) $(echo "$out" | field errors) $hwm $load" >>"$rows"
  [ "${BACKEND:-sqlite}" = sqlite ] || psql_app "TRUNCATE ai_requests" 2>/dev/null || true
done
echo "== accept-rate (open loop, ${RATE} req/s offered, ${DURATION} s, backend ${BACKEND:-sqlite}, role ${SERVICE_ROLE:-all}, dry-run delay ${DRYRUN_DELAY_MS:-0} ms), medians of $RUNS runs =="
echo "achieved_rps=$(cut -d' ' -f1 "$rows" | median) p50_ms=$(cut -d' ' -f2 "$rows" | median) p90_ms=$(cut -d' ' -f3 "$rows" | median)" \
     "p99_ms=$(cut -d' ' -f4 "$rows" | median) max_ms=$(cut -d' ' -f5 "$rows" | median) errors_total=$(awk '{ s += $6 } END { print s }' "$rows")" \
     "peak_rss_mb_max=$(mb "$(cut -d' ' -f7 "$rows" | sort -n | tail -1)") load_avg_median=$(cut -d' ' -f8 "$rows" | median)"
