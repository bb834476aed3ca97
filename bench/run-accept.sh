#!/usr/bin/env bash
# Accepting at saturation: closed-loop POST /api/ai/process, a fresh service per run, medians.
#   bench/run-accept.sh                      # embedded default, 5 runs x 20 s, 64 connections
#   RUNS=3 CONNECTIONS=128 bench/run-accept.sh
#   SERVICE_ROLE=api BACKEND=postgres-kafka bench/run-accept.sh  # accepting only (roles need Kafka)
#   DRYRUN_DELAY_MS=300 bench/run-accept.sh  # the worker paced like GigaChat (300 ms per answer)
#   BACKEND=postgres bench/run-accept.sh     # PostgreSQL (+ Kafka with BACKEND=postgres-kafka)
#   TOOL=wrk bench/run-accept.sh             # wrk instead of LoadGen (apt-get install wrk)
# Prints each run, then medians of throughput and latency and the peak RSS of the service.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-5} CONNECTIONS=${CONNECTIONS:-64} DURATION=${DURATION:-20} WARMUP=${WARMUP:-30}

prepare
rows=$(mktemp)
for run in $(seq 1 "$RUNS"); do
  start_service "$(free_port)" "${ROLE_ENV[@]}"
  sample_rss "$SERVICE_PID" "$SERVICE_DIR/rss.txt" 1 &
  python3 "$BENCH_DIR/cpu_split.py" "$SERVICE_PID" "$WARMUP" "$((DURATION - 1))" >"$SERVICE_DIR/cpu.txt" &
  CPU_PID=$!
  if [ "${TOOL:-loadgen}" = wrk ]; then
    # wrk (C, one thread per core) leaves the service more CPU than the .NET generator does.
    wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$BENCH_DIR/wrk/process.lua" "http://127.0.0.1:$SERVICE_PORT" >/dev/null
    out=$(wrk_result "$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$BENCH_DIR/wrk/process.lua" "http://127.0.0.1:$SERVICE_PORT")")
  else
    out=$(loadgen accept --url "http://127.0.0.1:$SERVICE_PORT" --connections "$CONNECTIONS" --duration "$DURATION" --warmup "$WARMUP")
  fi
  hwm=$(hwm_kb "$SERVICE_PID")
  load=$(cut -d' ' -f1 /proc/loadavg)
  wait "$CPU_PID" || true
  stop_service
  echo "$out" | grep -v '^RESULT' | sed 's/^/  /'
  sed 's/^/  /' "$SERVICE_DIR/cpu.txt"
  echo "run $run: $(echo "$out" | field throughput) req/s, p99 $(echo "$out" | field p99_ms) ms, errors $(echo "$out" | field errors), peak RSS $(mb "$hwm") MB, load $load"
  echo "$(echo "$out" | field throughput) $(echo "$out" | field p50_ms) $(echo "$out" | field p99_ms) $(echo "$out" | field errors) $hwm $load" >>"$rows"
  [ "${BACKEND:-sqlite}" = sqlite ] || psql_app "TRUNCATE ai_requests" 2>/dev/null || true
done
echo "== accept (closed loop, ${CONNECTIONS} connections, ${DURATION} s, backend ${BACKEND:-sqlite}, role ${SERVICE_ROLE:-all}, dry-run delay ${DRYRUN_DELAY_MS:-0} ms), medians of $RUNS runs =="
echo "throughput_rps=$(cut -d' ' -f1 "$rows" | median) p50_ms=$(cut -d' ' -f2 "$rows" | median) p99_ms=$(cut -d' ' -f3 "$rows" | median)" \
     "errors_total=$(awk '{ s += $4 } END { print s }' "$rows") peak_rss_mb_median=$(mb "$(cut -d' ' -f5 "$rows" | median)")" \
     "peak_rss_mb_max=$(mb "$(cut -d' ' -f5 "$rows" | sort -n | tail -1)") load_avg_median=$(cut -d' ' -f6 "$rows" | median)"
