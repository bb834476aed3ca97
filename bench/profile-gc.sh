#!/usr/bin/env bash
# GC profile of the end-to-end scenario (bench/run-e2e.sh): dotnet-trace with the gc-verbose profile
# (every GC with its pause and marking phases, objects finalized, allocation samples) while the
# workers process a backlog against the fake GigaChat; bench/GcReport prints it. Install the tracer
# once: dotnet tool install -g dotnet-trace
#   bench/profile-gc.sh                          # embedded default, concurrency 4, 300 ms, 300 requests
#   BACKEND=postgres-kafka bench/profile-gc.sh
#   POLL_AFTER=30 bench/profile-gc.sh             # the workers alone: no status polls during the trace
#   TRACE_ARGS="--clrevents gc --clreventlevel informational" bench/profile-gc.sh
#                                                 # pauses and marking phases only: gc-verbose's per-object
#                                                 # events make the marking itself several times slower
# Output: $PROFILE_DIR (default /tmp/gigaoffice-profile)/gc.nettrace and the report on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
LATENCY_MS=${LATENCY_MS:-300} WORKER_CONCURRENCY=${WORKER_CONCURRENCY:-4} REQUESTS=${REQUESTS:-300}
PROFILE_DIR=${PROFILE_DIR:-/tmp/gigaoffice-profile}
TRACE=${DOTNET_TRACE:-$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")}
[ -x "$TRACE" ] || { echo "dotnet-trace not found: dotnet tool install -g dotnet-trace"; exit 2; }

prepare
dotnet build "$BENCH_DIR/GcReport" -c Release -nologo -v q >/dev/null
mkdir -p "$PROFILE_DIR"
start_fake "$LATENCY_MS"
start_service "$(free_port)" "${FAKE_ENV[@]}" WORKER_CONCURRENCY="$WORKER_CONCURRENCY"
loadgen e2e --url "http://127.0.0.1:$SERVICE_PORT" --requests $((WORKER_CONCURRENCY * 20)) --connections 32 >/dev/null
# The backlog takes REQUESTS / (concurrency / latency) seconds; the trace covers it.
duration=$(awk -v n="$REQUESTS" -v c="$WORKER_CONCURRENCY" -v l="$LATENCY_MS" 'BEGIN { printf "%d", n * l / 1000 / c + 3 }')
# shellcheck disable=SC2086 # TRACE_ARGS is a list of options
"$TRACE" collect -p "$SERVICE_PID" ${TRACE_ARGS:---profile gc-verbose} --duration "$(printf '00:00:%02d:%02d' $((duration / 60)) $((duration % 60)))" \
  -o "$PROFILE_DIR/gc.nettrace" >/dev/null &
TRACER=$!
sleep 1
loadgen e2e --url "http://127.0.0.1:$SERVICE_PORT" --requests "$REQUESTS" --connections 32 --poll-after "${POLL_AFTER:-0}" | grep -v '^RESULT'
wait "$TRACER"
dotnet "$BENCH_DIR/GcReport/bin/Release/net10.0/GcReport.dll" "$PROFILE_DIR/gc.nettrace"
dotnet "$BENCH_DIR/GcReport/bin/Release/net10.0/GcReport.dll" "$PROFILE_DIR/gc.nettrace" --stacks
