#!/usr/bin/env bash
# The main job, end to end, against the local servers: check both ends, seed the source shop, replicate
# it, let the application change it, replicate the changes, and prove the copy exact. Run by `make demo`
# after the build and the services; safe to run again (seeding is skipped when the shop is there).
set -euo pipefail
cd "$(dirname "$0")/.."
ferry() { node dist/cli/main.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
scale=${FERRY_DEMO_SCALE:-1}

step "ferry doctor: what the source and the target look like"
ferry doctor

step "ferry seed: a realistic shop in MySQL (scale $scale)"
ferry seed --scale "$scale"

step "ferry sync: replicate the shop into PostgreSQL"
ferry sync

step "ferry simulate: the application keeps changing the shop"
ferry simulate --operations 2000 --rate 1000/s

step "ferry sync --verify: bring the target up to date, and prove it"
# The simulated application, like real ones, sometimes changes an order without touching updated_at:
# an incremental sync cannot see that, and verify says exactly which rows and columns differ.
status=0
ferry sync --verify || status=$?
if [ "$status" -eq 1 ]; then
  step "repair: a full refresh of the streams verify flagged, verified again"
  ferry sync --full-refresh --streams orders --verify
elif [ "$status" -ne 0 ]; then
  exit "$status"
fi

step "ferry transform: build the example models (models/) in PostgreSQL schema analytics and run their data tests"
ferry models graph
ferry transform

step "ferry transform --engine duckdb: the same models in an embedded DuckDB fed from MariaDB (ETL), into schema analytics_duckdb"
ferry transform --engine duckdb --schema analytics_duckdb

step "ferry trigger shop_replication --wait: the pipeline once (sync -> quality -> transform -> verify -> report), then its run grid"
ferry trigger shop_replication --wait # prints the run grid; `ferry runs` shows the recent runs
echo "Run it every 15 minutes with \`ferry server\` (or \`ferry scheduler\` + \`ferry worker\`; its web UI is on http://127.0.0.1:8680/) while \`ferry simulate\` changes the source."
