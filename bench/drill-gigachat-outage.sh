#!/usr/bin/env bash
# Fault drill: GigaChat is unreachable for DOWN_S (30) s under load. The upstream is the fake
# GigaChat over HTTPS (tests/FakeGigaChat, cloud mode, LATENCY_MS 300), frozen with SIGSTOP and
# resumed with SIGCONT: calls in flight hang until the service's timeout, new ones cannot connect.
# Every accepted request must end completed or failed with a reason: lost must be 0.
#   bench/drill-gigachat-outage.sh                         # embedded default
#   BACKEND=postgres-kafka bench/drill-gigachat-outage.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
has_cloud_mode || pending "the cloud GigaChat mode (issue 3) is not in this tree; this drill runs once it is merged"
DRILL_DURATION=${DRILL_DURATION:-90} FAULT_AT=${FAULT_AT:-20} DOWN_S=${DOWN_S:-30} LATENCY_MS=${LATENCY_MS:-300}

prepare
start_fake "$LATENCY_MS"
start_service "$(free_port)" "${FAKE_ENV[@]}" GIGACHAT_TIMEOUT=10 WORKER_CONCURRENCY=8 WORKER_LEASE_SECONDS=30 Worker__RecoveryIntervalSeconds=2
log "drill: GigaChat outage (${DOWN_S} s at ${FAULT_AT} s) under ${DRILL_RATE:-20} req/s for ${DRILL_DURATION} s, backend ${BACKEND:-sqlite}; $(machine_note)"
DRILL_RATE=${DRILL_RATE:-20} drill_start "http://127.0.0.1:$SERVICE_PORT"
sleep "$FAULT_AT"
log "freezing GigaChat"; kill -STOP "$FAKE_PID"
sleep "$DOWN_S"
log "resuming GigaChat"; kill -CONT "$FAKE_PID"
drill_wait_offered
drill_finish "GigaChat outage"
