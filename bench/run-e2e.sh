#!/usr/bin/env bash
# End to end: a backlog of requests through the workers to an upstream answering in LATENCY_MS,
# with no quota limit. Reports completions/s against what WORKER_CONCURRENCY allows
# (concurrency / latency), and the worker's own time per request (total minus the upstream wait):
# up to the result ready to store (from the rows' times) and up to the stored result (from the
# service's histogram gigaoffice_request_overhead_duration_seconds).
#   bench/run-e2e.sh                                  # 3 runs, concurrency 4, 300 ms
#   WORKER_CONCURRENCY=32 bench/run-e2e.sh
#   LATENCY_JITTER_MS=100 bench/run-e2e.sh            # upstream 300 +- 100 ms (uniform), as a real model varies
#   UPSTREAM=dryrun bench/run-e2e.sh                  # dry-run model with a 300 ms delay instead
#   POLL_AFTER=35 bench/run-e2e.sh                    # no status polls while the workers run
# UPSTREAM=fake (default when the service has the cloud mode) runs tests/FakeGigaChat over HTTPS.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3} LATENCY_MS=${LATENCY_MS:-300} WORKER_CONCURRENCY=${WORKER_CONCURRENCY:-4}
ALLOWED=$(awk -v c="$WORKER_CONCURRENCY" -v l="$LATENCY_MS" 'BEGIN { printf "%.2f", c * 1000 / l }')
REQUESTS=${REQUESTS:-$(awk -v a="$ALLOWED" 'BEGIN { n = int(a * 30); print (n < 200 ? 200 : n) }')}

UPSTREAM=${UPSTREAM:-$(has_cloud_mode && echo fake || echo dryrun)}

prepare

if [ "$UPSTREAM" = fake ]; then
  start_fake "$LATENCY_MS"
  upstream_env=("${FAKE_ENV[@]}")
else
  upstream_env=(GIGACHAT_RUN_MODE=dryrun GIGACHAT_DRYRUN_DELAY_MS="$LATENCY_MS")
fi

# overhead_ms: per completed request, "processing" (taken to result ready, as the service
# measures it) and "path" (claim time to completion time, from the stored times) minus the
# upstream wait, in ms. The claim's round trip runs beside the upstream call (docs/BENCHMARKS.md,
# change 27), so it counts only where it outlasts the call.
overhead_values() {
  local kind=$1
  if [ "${BACKEND:-sqlite}" = sqlite ]; then
    # SQLite's date functions work in whole milliseconds (julianday of two times a few hundred µs
    # apart differs by 0 or 1 ms), so the stored text is taken apart: days, then seconds of the day.
    local tod='(substr(X, 12, 2) * 3600 + substr(X, 15, 2) * 60 + CAST(substr(X, 18) AS REAL))'
    local expr="ProcessingMs - GigaChatMs"
    local span="(julianday(substr(CompletedAt, 1, 10)) - julianday(substr(StartedAt, 1, 10))) * 86400000.0
      + (${tod//X/CompletedAt} - ${tod//X/StartedAt}) * 1000.0"
    [ "$kind" = path ] && expr="$span - GigaChatMs"
    sqlite3 "$SERVICE_DIR/data/gigaoffice.db" "SELECT $expr FROM ai_requests WHERE Status = 'completed' AND CreatedAt > '$MEASURED_SINCE';"
  else
    local expr='"ProcessingMs" - "GigaChatMs"'
    [ "$kind" = path ] && expr='extract(epoch from "CompletedAt" - "StartedAt") * 1000 - "GigaChatMs"'
    psql_app "SELECT $expr FROM ai_requests WHERE \"Status\" = 'completed' AND \"CreatedAt\" > '$MEASURED_SINCE';"
  fi
}
# The service's histogram of its own time up to the stored result (the row's times stop before
# the row is written): cumulative "le count" lines, summed over categories.
stored_buckets() {
  curl -s "http://127.0.0.1:$SERVICE_PORT/metrics" | awk '/^gigaoffice_request_overhead_duration_seconds_bucket/ {
    match($0, /le="[^"]*"/); le = substr($0, RSTART + 4, RLENGTH - 5); n[le] += $NF } END { for (le in n) print le, n[le] }' | sort -g
}
# stored_quantiles BEFORE AFTER: p50 and p99 of the run (linear within a bucket, as Prometheus'
# histogram_quantile) and the exact share at or under 1 ms (p99 <= 1 ms when it is >= 99 %).
stored_quantiles() {
  awk 'NR == FNR { b[$1] = $2; next } { print $1, $2 - b[$1] }' "$1" "$2" | sort -g | awk '
    { le[NR] = $1; c[NR] = $2; if ($1 == 0.001) within = $2 }
    function q(f,   r, i, lo, prev) { r = f * c[NR]; prev = 0; lo = 0
      for (i = 1; i <= NR; i++) { if (c[i] >= r) return 1000 * (lo + (le[i] - lo) * (r - prev) / (c[i] - prev)); lo = le[i]; prev = c[i] } }
    END { if (c[NR] == 0) { print "n/a"; exit } printf "p50=%.3f p99=%.3f within_1ms=%.2f%% n=%d", q(0.5), q(0.99), 100 * within / c[NR], c[NR] }'
}
percentiles() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) { print "n/a"; exit } i50 = int(NR * 0.5 + 0.999); i99 = int(NR * 0.99 + 0.999); printf "p50=%.3f p99=%.3f max=%.3f n=%d", a[i50], a[i99], a[NR], NR }'; }

rows=$(mktemp)
echo "upstream: $UPSTREAM, latency ${LATENCY_MS} ms (+- ${LATENCY_JITTER_MS:-0}), worker concurrency $WORKER_CONCURRENCY -> allowed ${ALLOWED}/s; $REQUESTS requests per run"
for run in $(seq 1 "$RUNS"); do
  start_service "$(free_port)" "${upstream_env[@]}" WORKER_CONCURRENCY="$WORKER_CONCURRENCY"
  # Warm-up (JIT tiering, connections, the token): WARMUP_REQUESTS (default 20 batches), not counted.
  loadgen e2e --url "http://127.0.0.1:$SERVICE_PORT" --requests "${WARMUP_REQUESTS:-$((WORKER_CONCURRENCY * 20))}" --connections 32 >/dev/null
  MEASURED_SINCE=$(date -u '+%Y-%m-%d %H:%M:%S.%N')
  runtime_before=$(runtime_stats)
  stored_before=$(mktemp) stored_after=$(mktemp)
  stored_buckets >"$stored_before"
  faults_before=$(minor_faults "$SERVICE_PID")
  out=$(loadgen e2e --url "http://127.0.0.1:$SERVICE_PORT" --requests "$REQUESTS" --connections 32 --poll-after "${POLL_AFTER:-0}")
  runtime="$(runtime_delta "$runtime_before" "$(runtime_stats)" "$REQUESTS"); page faults $(( $(minor_faults "$SERVICE_PID") - faults_before ))"
  hwm=$(hwm_kb "$SERVICE_PID")
  load=$(cut -d' ' -f1 /proc/loadavg)
  processing=$(overhead_values processing | percentiles)
  path=$(overhead_values path | percentiles)
  stored_buckets >"$stored_after"
  stored=$(stored_quantiles "$stored_before" "$stored_after")
  abandoned=$(curl -s "http://127.0.0.1:$SERVICE_PORT/metrics" | awk '/^gigaoffice_gigachat_calls_abandoned_total/ { n += $NF } END { print n + 0 }')
  stop_service
  echo "$out" | grep -v '^RESULT' | sed 's/^/  /'
  rate=$(echo "$out" | field completions_per_s)
  echo "run $run: $rate completions/s ($(awk -v r="$rate" -v a="$ALLOWED" 'BEGIN { printf "%.1f", 100 * r / a }')% of $ALLOWED), failed $(echo "$out" | field failed), peak RSS $(mb "$hwm") MB, load $load"
  echo "  worker overhead ms, processing minus upstream: $processing"
  echo "  worker overhead ms, claim to completion minus upstream: $path"
  echo "  worker overhead ms up to the stored result (the service's histogram): $stored"
  echo "  upstream calls cancelled because another worker had claimed the request: $abandoned"
  echo "  service runtime over the run: $runtime"
  echo "$rate $(echo "$processing" | sed 's/.*p99=\([0-9.]*\).*/\1/') $(echo "$path" | sed 's/.*p99=\([0-9.]*\).*/\1/') $(echo "$out" | field failed) $hwm $load $(echo "$stored" | sed 's/.*p99=\([0-9.]*\).*/\1/')" >>"$rows"
  [ "${BACKEND:-sqlite}" = sqlite ] || psql_app "TRUNCATE ai_requests" 2>/dev/null || true
done
rate=$(cut -d' ' -f1 "$rows" | median)
echo "== e2e (upstream $UPSTREAM ${LATENCY_MS} +- ${LATENCY_JITTER_MS:-0} ms, concurrency $WORKER_CONCURRENCY, backend ${BACKEND:-sqlite}), medians of $RUNS runs =="
echo "completions_per_s=$rate allowed_per_s=$ALLOWED ratio_pct=$(awk -v r="$rate" -v a="$ALLOWED" 'BEGIN { printf "%.1f", 100 * r / a }')" \
     "overhead_processing_p99_ms=$(cut -d' ' -f2 "$rows" | median) overhead_path_p99_ms=$(cut -d' ' -f3 "$rows" | median) overhead_stored_p99_ms=$(cut -d' ' -f7 "$rows" | median)" \
     "failed_total=$(awk '{ s += $4 } END { print s }' "$rows") peak_rss_mb_max=$(mb "$(cut -d' ' -f5 "$rows" | sort -n | tail -1)") load_avg_median=$(cut -d' ' -f6 "$rows" | median)"
