#!/usr/bin/env bash
# What one result write costs a worker, without contention (bench/StoreCost):
#   GAP_MS=30 bash bench/run-store-cost.sh                       # SQLite, writes 30 ms apart
#   BACKEND=postgres GAP_MS=300 ROWS=150 bash bench/run-store-cost.sh   # a throwaway PostgreSQL server
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
[ "${NO_BUILD:-}" = 1 ] || dotnet build bench/StoreCost -c Release -nologo -v q >/dev/null
STORECOST_DLL=$ROOT/bench/StoreCost/bin/Release/net10.0/StoreCost.dll
machine_note
case "${BACKEND:-sqlite}" in
  sqlite) GAP_MS=${GAP_MS:-30} dotnet "$STORECOST_DLL" "${ROWS:-300}" ;;
  postgres)
    SERVICE_ENV=()
    trap stop_postgres EXIT
    start_postgres "$(free_port)"
    PG_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Database=appdb;Username=app;Password=app" GAP_MS=${GAP_MS:-300} \
      dotnet "$STORECOST_DLL" "${ROWS:-150}" ;;
  *) log "unknown BACKEND=$BACKEND (sqlite or postgres)"; exit 2 ;;
esac
