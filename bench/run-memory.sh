#!/usr/bin/env bash
# Memory over a long run: open-loop accepting at RATE for MINUTES (workers processing alongside),
# RSS sampled every 5 s. Reports the peak (VmHWM) and whether RSS stays flat after warm-up:
# spread = (max - min) / min over the samples after the first WARMUP_S seconds, and drift =
# mean of the last minute against the mean of the first minute after warm-up.
#   bench/run-memory.sh                       # 500 req/s, 10 minutes, embedded default
#   MINUTES=3 RATE=300 bench/run-memory.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
RATE=${RATE:-500} MINUTES=${MINUTES:-10} WARMUP_S=${WARMUP_S:-60}

prepare
start_service "$(free_port)" "${ROLE_ENV[@]}"
samples=$SERVICE_DIR/rss.txt
sample_rss "$SERVICE_PID" "$samples" 5 &
# Where the memory is, after warm-up and at the end: anonymous (GC heap, SQLite's page caches,
# native buffers, thread stacks), file-backed (mapped libraries and files), shared (the runtime maps
# JIT'd code twice through shared memory); and the GC heap's own size.
memory_parts() {
  printf '%s; %s\n' \
    "$(awk '/^Rss(Anon|File|Shmem)/ { printf "%s %.1f MB  ", $1, $2 / 1024 }' "/proc/$SERVICE_PID/status")" \
    "$(curl -s "http://127.0.0.1:$SERVICE_PORT/metrics" | awk '
        /^dotnet_gc_last_collection_heap_size_bytes/ { s += $NF }
        /^dotnet_gc_last_collection_memory_committed_size_bytes/ { c = $NF }
        /^gigaoffice_sqlite_memory_bytes/ { q = $NF }
        /^gigaoffice_memory_trim_duration_seconds_count/ { tn = $NF }
        /^gigaoffice_memory_trim_duration_seconds_sum/ { ts = $NF }
        END { printf "GC heap after last collection %.1f MB (committed %.1f MB); SQLite %s; malloc_trim %d times, mean %.2f ms",
              s / 1048576, c / 1048576, q == "" ? "-" : sprintf("%.1f MB", q / 1048576), tn, tn ? 1000 * ts / tn : 0 }')"
}
# One line a minute of what can grow outside the GC heap: OS threads (each a stack), RssAnon split by
# where it lives (bench/anon_memory.py: glibc's main arena, its other arenas, thread stacks, libraries'
# data, the rest), thread-pool threads, methods JIT-compiled so far (tiering keeps compiling for
# minutes), the GC's committed memory, which is part of "other", and how many gen1 and gen2
# collections there have been.
growth_line() {
  printf '%5d s  %s  %s  %s\n' "$1" \
    "$(awk '/^Rss(Anon|Shmem)/ { printf "%s %5.1f MB  ", $1, $2 / 1024 } /^Threads/ { printf "threads %3d", $2 }' "/proc/$SERVICE_PID/status")" \
    "$(python3 "$BENCH_DIR/anon_memory.py" "$SERVICE_PID")" \
    "$(curl -s "http://127.0.0.1:$SERVICE_PORT/metrics" | awk '
        /^dotnet_thread_pool_thread_count/ { t = $NF }
        /^dotnet_jit_compiled_methods_total/ { m = $NF }
        /^dotnet_jit_compiled_il_size_bytes_total/ { il = $NF }
        /^dotnet_gc_last_collection_memory_committed_size_bytes/ { c = $NF }
        /^dotnet_gc_collections_total.*"gen1"/ { g1 = $NF }
        /^dotnet_gc_collections_total.*"gen2"/ { g2 = $NF }
        END { printf "pool threads %3d  JIT methods %6d (IL %6.0f KB)  GC committed %5.1f MB  GCs gen1 %4d gen2 %3d",
              t, m, il / 1024, c / 1048576, g1, g2 }')"
}
# Which mapped files' resident pages changed between then and the end (bench/file_memory.py).
(sleep "$WARMUP_S"; memory_parts >"$SERVICE_DIR/parts-start.txt"; python3 "$BENCH_DIR/file_memory.py" "$SERVICE_PID" >"$SERVICE_DIR/files-start.txt") &
(for ((m = 0; m <= MINUTES; m++)); do growth_line $((m * 60)) >>"$SERVICE_DIR/growth.txt" 2>/dev/null || true; sleep 60; done) &
growth_pid=$!
out=$(loadgen accept-rate --url "http://127.0.0.1:$SERVICE_PORT" --rate "$RATE" --connections 64 --duration $((MINUTES * 60)) --warmup 0)
hwm=$(hwm_kb "$SERVICE_PID")
parts_end=$(memory_parts)
python3 "$BENCH_DIR/file_memory.py" "$SERVICE_PID" >"$SERVICE_DIR/files-end.txt"
kill "$growth_pid" 2>/dev/null || true
load=$(cut -d' ' -f1 /proc/loadavg)
# SQLite's log never shrinks while the service runs, so its size is the largest it has been; its index
# (-shm, mapped into the process) grows 32 KiB per 4,096 pages of log.
wal=$(stat -c '%n %s' "$SERVICE_DIR"/data/*.db-wal "$SERVICE_DIR"/data/*.db-shm 2>/dev/null | awk '{ sub(".*/", "", $1); printf "%s %.1f MB  ", $1, $2 / 1048576 }') || true
backlog=$(curl -s "http://127.0.0.1:$SERVICE_PORT/api/health" | grep -o '"depth":"[0-9]*"' | head -1 || true)
stop_service
echo "$out" | grep -v '^RESULT' | sed 's/^/  /'
echo "memory after warm-up: $(cat "$SERVICE_DIR/parts-start.txt" 2>/dev/null)"
echo "memory at the end:    $parts_end"
python3 "$BENCH_DIR/file_memory.py" --diff "$SERVICE_DIR/files-start.txt" "$SERVICE_DIR/files-end.txt" || true
[ -z "$wal" ] || echo "SQLite log at the end (its largest): $wal"
echo "outside the GC heap, every minute:"
sed 's/^/  /' "$SERVICE_DIR/growth.txt"
echo "RSS samples (seconds, MB), every minute:"
awk '$1 % 60 < 5 { printf "  %4d s  %6.1f MB\n", $1, $2 / 1024 }' "$samples"
awk -v w="$WARMUP_S" -v hwm="$hwm" -v load="$load" -v backlog="$backlog" '
  $1 >= w { n++; v[n] = $2; t[n] = $1; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 }
  END {
    if (n == 0) { print "no samples after warm-up"; exit 1 }
    for (i = 1; i <= n; i++) { if (t[i] < w + 60) { a += v[i]; na++ } if (t[i] > t[n] - 60) { b += v[i]; nb++ } }
    printf "== memory (%s), RSS after %d s warm-up ==\n", "open loop", w
    printf "peak_rss_mb=%.0f rss_min_mb=%.1f rss_max_mb=%.1f spread_pct=%.1f drift_pct=%.1f samples=%d queue=%s load_avg=%s\n",
      hwm / 1024, min / 1024, max / 1024, 100 * (max - min) / min, 100 * (b / nb - a / na) / (a / na), n, backlog, load
  }' "$samples"
