#!/usr/bin/env bash
# Builds the .plugin archive for the desktop editors' plugin manager (and for sdkjs-plugins):
# a zip of plugin/ with config.json at its root, without the unit tests.
# The archive carries no service URL or key: the panel asks for them on first start
# (or takes them from editorConfig.plugins.options on a Document Server).
# Usage: bash scripts/package-plugin.sh [output file]   (default: artifacts/gigaoffice.plugin)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-artifacts/gigaoffice.plugin}")"
mkdir -p "$(dirname "$out")"
rm -f "$out"
node -e 'JSON.parse(require("fs").readFileSync("plugin/config.json", "utf8"))' # a broken config.json is not packaged
cd plugin
files=$(find . -type f -not -path './test/*' -not -name '*.test.mjs' -not -name 'package.json' -not -name '.*' | sed 's|^\./||' | sort)
if command -v zip >/dev/null; then
  zip -q -X "$out" $files
else
  python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    [z.write(f) for f in sys.argv[2:]]' "$out" $files
fi
echo "$out ($(echo "$files" | wc -l) files, $(stat -c %s "$out") bytes)"
