#!/usr/bin/env bash
# Every measurement of docs/BENCHMARKS.md in sequence; each script's summary lines are collected
# in $RESULTS (default /tmp/gigaoffice-bench-results), full outputs next to it.
#   bench/run-all.sh                 # embedded default, then PostgreSQL (+ Kafka when present)
#   ONLY="accept e2e" bench/run-all.sh
set -uo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
RESULTS=${RESULTS:-/tmp/gigaoffice-bench-results}
mkdir -p "$RESULTS"
build_all
export NO_BUILD=1
# Medians of 3 runs per scenario unless told otherwise.
export RUNS=${RUNS:-3}
PG_BACKEND=$(has_kafka_queue && echo postgres-kafka || echo postgres)

step() {
  local name=$1; shift
  case " ${ONLY:-$name} " in *" $name "*|*" ${name%%-*} "*) ;; *) return 0 ;; esac
  log "== $name: $*"
  env "$@" >"$RESULTS/$name.txt" 2>&1
  echo "$name (exit $?): $(grep -E '^(==|[a-z_]+=|lost=|PENDING)' "$RESULTS/$name.txt" | tail -3 | tr '\n' ' ')" | tee -a "$RESULTS/summary.txt"
}

step accept-sqlite DRYRUN_DELAY_MS=300 bash bench/run-accept.sh
step accept-pg BACKEND=$PG_BACKEND DRYRUN_DELAY_MS=300 bash bench/run-accept.sh
step rate-sqlite DRYRUN_DELAY_MS=300 bash bench/run-accept-rate.sh
step rate-pg BACKEND=$PG_BACKEND DRYRUN_DELAY_MS=300 bash bench/run-accept-rate.sh
step e2e-sqlite bash bench/run-e2e.sh
step e2e-pg BACKEND=$PG_BACKEND bash bench/run-e2e.sh
step quota-sqlite MINUTES=4 bash bench/run-quota.sh
step accept-pg-api BACKEND=$PG_BACKEND SERVICE_ROLE=api bash bench/run-accept.sh
step drill-kill-single MODE=single bash bench/drill-kill-worker.sh
step drill-kill-split MODE=split bash bench/drill-kill-worker.sh
step drill-pg-restart BACKEND=$PG_BACKEND bash bench/drill-postgres-restart.sh
step drill-broker bash bench/drill-broker-outage.sh
step drill-gigachat bash bench/drill-gigachat-outage.sh
step quota-pg BACKEND=$PG_BACKEND MINUTES=3 bash bench/run-quota.sh
# Meant to be a rate the workers keep up with (a growing backlog grows RSS with it, which says
# nothing about leaks); on 2 cores even 100 req/s outran 16 workers (docs/BENCHMARKS.md): lower RATE.
step memory-sqlite RATE=100 WORKER_CONCURRENCY=16 bash bench/run-memory.sh
# Peak RSS at the accepting targets (1,500 and 3,000 req/s), open loop.
step rss-sqlite RATE=1500 DRYRUN_DELAY_MS=300 bash bench/run-accept-rate.sh
step rss-pg BACKEND=$PG_BACKEND RATE=3000 DRYRUN_DELAY_MS=300 bash bench/run-accept-rate.sh
step e2e-sqlite-c32 WORKER_CONCURRENCY=32 bash bench/run-e2e.sh
# Status polls, the most frequent call: saturation and latency at 1,000 polls/s.
step poll-sqlite bash bench/run-poll.sh
step poll-pg BACKEND=$PG_BACKEND bash bench/run-poll.sh
