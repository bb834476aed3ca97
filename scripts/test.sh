#!/usr/bin/env bash
# The one test command: provisions what is missing, then runs every test project.
# Usage: bash scripts/test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dotnet >/dev/null; then
  echo "dotnet SDK 10 is required (https://dot.net); it is not on PATH" >&2
  exit 1
fi
for setup in scripts/ensure-*.sh; do
  [ -e "$setup" ] && bash "$setup"
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
log=$(mktemp)
set +e
dotnet test GigaOffice.slnx -c Release "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# JavaScript: pure functions of the plugin and the console, and the browser tests (Debian's chromium)
# against the Release build that dotnet test just made.
node_log=$(mktemp)
node --test --test-reporter=tap $(find tests/browser plugin admin -name '*.test.mjs' -not -path '*/node_modules/*' 2>/dev/null | sort) 2>&1 | tee "$node_log"
node_status=${PIPESTATUS[0]}
set -e
# A plain closing line for CI: "N passed, N failed", over both runners.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { if ($i == "Passed:") p += $(i+1); if ($i == "Failed:") f += $(i+1) } }
     END { printf "%d %d\n", p, f }' "$log" > "$log.dotnet"
awk '/^# pass / { p = $3 } /^# fail / { f = $3 } END { printf "%d %d\n", p, f }' "$node_log" > "$log.node"
read -r dp df < "$log.dotnet"; read -r np nf < "$log.node"
echo "dotnet: $dp passed, $df failed; node: $np passed, $nf failed"
echo "$((dp + np)) passed, $((df + nf)) failed"
[ "$status" -eq 0 ] && [ "$node_status" -eq 0 ]
