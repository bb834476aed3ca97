#!/usr/bin/env bash
# What one result write costs a worker, without contention (bench/StoreCost):
#   GAP_MS=30 bash bench/run-store-cost.sh                       # SQLite, writes 30 ms apart
#   BACKEND=postgres GAP_MS=300 ROWS=150 bash bench/run-store-cost.sh   # a throwaway PostgreSQL server
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
STORECOST_DLL=$ROOT/bench/StoreCost/bin/Release/net10.0/StoreCost.dll
# bench/run-all.sh sets NO_BUILD after building the service, the generator and the fake, not this tool.
if [ "${NO_BUILD:-}" != 1 ] || [ ! -f "$STORECOST_DLL" ]; then dotnet build bench/StoreCost -c Release -nologo -v q >/dev/null; fi
machine_note
out=$(mktemp)
trap 'rm -f "$out"' EXIT
case "${BACKEND:-sqlite}" in
  sqlite) GAP_MS=${GAP_MS:-30} dotnet "$STORECOST_DLL" "${ROWS:-300}" | tee "$out" ;;
  postgres)
    SERVICE_ENV=()
    trap 'stop_postgres; rm -f "$out"' EXIT
    start_postgres "$(free_port)"
    PG_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Database=appdb;Username=app;Password=app" GAP_MS=${GAP_MS:-300} \
      dotnet "$STORECOST_DLL" "${ROWS:-150}" | tee "$out" ;;
  *) log "unknown BACKEND=$BACKEND (sqlite or postgres)"; exit 2 ;;
esac
# One summary line (bench/run-all.sh collects it): p50 in µs of each path, measured round only.
echo "== store-cost (${BACKEND:-sqlite}), p50 of the measured round =="
awk '/measured round/ { on = 1; next } on && / p50 / {
  name = $0; sub(/ +p50 .*/, "", name); gsub(/^ +/, "", name); gsub(/[^A-Za-z0-9]+/, "_", name); sub(/_+$/, "", name)
  for (i = 1; i <= NF; i++) if ($i == "p50") printf "%s%s_us=%s", sep, tolower(name), $(i + 1); sep = " " }
  END { print "" }' "$out"
