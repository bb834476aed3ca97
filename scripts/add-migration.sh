#!/usr/bin/env bash
# Adds an EF Core migration for both databases: scripts/add-migration.sh <Name>
set -euo pipefail
name=${1:?usage: scripts/add-migration.sh <MigrationName>}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
for provider in Sqlite Postgres; do
  dotnet ef migrations add "$name" --project src/GigaOffice --context "${provider}GigaOfficeDbContext" \
    --output-dir "Data/Migrations/$provider" --namespace "GigaOffice.Data.Migrations.$provider"
done
# dotnet-ef files the model snapshot under a folder named after the namespace; move it home.
if [ -d src/GigaOffice/GigaOffice/Data/Migrations ]; then
  for provider in Sqlite Postgres; do
    mv src/GigaOffice/GigaOffice/Data/Migrations/$provider/*.cs src/GigaOffice/Data/Migrations/$provider/ 2>/dev/null || true
  done
  rm -rf src/GigaOffice/GigaOffice
fi
rm -f src/GigaOffice/design.db
