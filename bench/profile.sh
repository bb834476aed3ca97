#!/usr/bin/env bash
# Profile of the service under a load scenario: dotnet-trace (sampled thread time, ~100 Hz) for PROFILE_S
# seconds in the middle of the run, converted to speedscope JSON (open it at speedscope.app) and
# summarised by `LoadGen top`. Install the tracer once: dotnet tool install -g dotnet-trace
#   bench/profile.sh accept                    # closed loop, 64 connections
#   bench/profile.sh accept-rate --rate 500    # any LoadGen scenario and its options
# Output: $PROFILE_DIR (default /tmp/gigaoffice-profile) holds trace.nettrace and trace.speedscope.json.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
SCENARIO=${1:-accept}; shift || true
PROFILE_S=${PROFILE_S:-10} PROFILE_DIR=${PROFILE_DIR:-/tmp/gigaoffice-profile}
TRACE=${DOTNET_TRACE:-$(command -v dotnet-trace || echo "$HOME/.dotnet/tools/dotnet-trace")}
[ -x "$TRACE" ] || { echo "dotnet-trace not found: dotnet tool install -g dotnet-trace"; exit 2; }

prepare
mkdir -p "$PROFILE_DIR"
start_service "$(free_port)" "${ROLE_ENV[@]}"
loadgen "$SCENARIO" --url "http://127.0.0.1:$SERVICE_PORT" --duration $((PROFILE_S + 10)) --warmup 3 "$@" >"$PROFILE_DIR/load.out" &
LOAD=$!
sleep 6
"$TRACE" collect -p "$SERVICE_PID" --profile dotnet-sampled-thread-time --duration "00:00:$(printf '%02d' "$PROFILE_S")" -o "$PROFILE_DIR/trace.nettrace" >/dev/null
wait "$LOAD"
grep -v '^RESULT' "$PROFILE_DIR/load.out"
"$TRACE" convert --format Speedscope -o "$PROFILE_DIR/trace" "$PROFILE_DIR/trace.nettrace" >/dev/null
loadgen top "$PROFILE_DIR/trace.speedscope.json" --top "${TOP:-25}"
