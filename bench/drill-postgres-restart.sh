#!/usr/bin/env bash
# Fault drill: PostgreSQL restarts under load. At FAULT_AT s the server is stopped (fast shutdown;
# STOP_MODE=immediate crashes it instead: no final flush, recovery from the log at the next start,
# and commits made without waiting for the flush, such as the workers' claims, may be undone),
# stays down DOWN_S s, and starts again. Accepts during the outage are refused (503), not lost;
# every request that got a 202 must end completed or failed with a reason: lost must be 0.
#   bench/drill-postgres-restart.sh            # BACKEND=postgres-kafka when the Kafka queue exists,
#                                              # else PostgreSQL with the in-process queue
#   DOWN_S=30 DRILL_RATE=100 bench/drill-postgres-restart.sh
#   STOP_MODE=immediate bench/drill-postgres-restart.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BACKEND=${BACKEND:-$(has_kafka_queue && echo postgres-kafka || echo postgres)}
DRILL_DURATION=${DRILL_DURATION:-90} FAULT_AT=${FAULT_AT:-20} DOWN_S=${DOWN_S:-10} STOP_MODE=${STOP_MODE:-fast}

prepare
# Short lease and sweep so that requests stranded by the outage come back within seconds.
start_service "$(free_port)" GIGACHAT_DRYRUN_DELAY_MS=300 WORKER_CONCURRENCY=8 WORKER_LEASE_SECONDS=10 Worker__RecoveryIntervalSeconds=2
log "drill: PostgreSQL restart (down ${DOWN_S} s at ${FAULT_AT} s) under ${DRILL_RATE:-50} req/s for ${DRILL_DURATION} s, backend $BACKEND; $(machine_note)"
drill_start "http://127.0.0.1:$SERVICE_PORT"
sleep "$FAULT_AT"
log "stopping PostgreSQL ($STOP_MODE)"; pg_stop "$STOP_MODE"
sleep "$DOWN_S"
log "starting PostgreSQL"; pg_start
drill_wait_offered
drill_finish "PostgreSQL restart, $STOP_MODE stop ($BACKEND)"
