#!/usr/bin/env bash
# Requests at the size limit: each POSTs a 200 x 100 table (20,000 cells, the limit) of 90-character
# text, about 2 MB of JSON (the body limit is 2 MiB), in open loop; the workers process them with the
# dry-run model. Prints latency, peak RSS, the GC's figures from /metrics and RSS over time, also
# for IDLE_S seconds after the load (docs/BENCHMARKS.md, change 38).
#   bench/run-large-bodies.sh                        # 10 req/s for 60 s, 16 connections
#   SERVICE_EXTRA_ENV="DOTNET_GCHeapHardLimit=0x20000000" bench/run-large-bodies.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-10} DURATION=${DURATION:-60} CONNECTIONS=${CONNECTIONS:-16} IDLE_S=${IDLE_S:-60}

prepare
body=$(mktemp /tmp/gigaoffice-large-body.XXXXXX.json)
python3 - "$body" <<'PY'
import json, sys
rows = [[f"ячейка {r}-{c} " + "x" * 80 for c in range(100)] for r in range(200)]
body = {"query_text": "Найди тренды (запрос {n})", "input_range": "A1:CV200", "category": "analysis", "input_data": rows}
open(sys.argv[1], "w").write(json.dumps(body, ensure_ascii=False))
PY
start_service "$(free_port)" "${ROLE_ENV[@]}"
log "large bodies: $(($(stat -c %s "$body") / 1024)) KB each, $RATE req/s for $DURATION s; $(machine_note)"
samples="$SERVICE_DIR/rss.txt"
sample_rss "$SERVICE_PID" "$samples" 2 &
loadgen accept-rate --url "http://127.0.0.1:$SERVICE_PORT" --rate "$RATE" --connections "$CONNECTIONS" --duration "$DURATION" --warmup 5 --body "$body" | grep -v '^RESULT'
log "load over; idle $IDLE_S s"
sleep "$IDLE_S"
echo "peak RSS $(mb "$(hwm_kb "$SERVICE_PID")") MB, now $(mb "$(rss_kb "$SERVICE_PID")") MB"
curl -s "http://127.0.0.1:$SERVICE_PORT/metrics" | grep -E '^dotnet_gc_(collections_total|heap_total_allocated|last_collection_memory_committed)|^dotnet_gc_last_collection_heap_size_bytes.*loh' | sed 's/{otel_scope_name="System.Runtime",*/{/'
echo "RSS (s:MB) every 10 s: $(awk 'NR % 5 == 1 { printf "%s:%d ", $1, $2 / 1024 }' "$samples")"
rm -f "$body"
