#!/usr/bin/env bash
# The main job, end to end, against the local servers: check both ends, seed the source shop, take a
# snapshot of it, follow the binlog while the application changes it, and prove the copy exact. Run
# by `make demo` after the build and the services; safe to run again (seeding is skipped when the
# shop is there).
set -euo pipefail
cd "$(dirname "$0")/.."
ferry() { node dist/cli/main.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
scale=${FERRY_DEMO_SCALE:-1}

step "ferry doctor: what the source and the target look like"
ferry doctor

step "ferry seed: a realistic shop in MySQL (scale $scale)"
# A shop seeded with other arguments (an earlier FERRY_DEMO_SCALE) is seeded again: it is the demo's own.
if ! seeded=$(ferry seed --scale "$scale" --json); then
  echo "seeding the demo's shop again at scale $scale (--reset drops ferry's demo tables in the source)"
  seeded=$(ferry seed --scale "$scale" --reset --json)
fi
echo "$seeded" | node -e 'const s = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(`${s.skipped ? "already seeded" : "seeded"}: ${s.totalRows} rows`)'

step "ferry sync: a snapshot of the shop into PostgreSQL; from now on the binlog brings every change"
# A freshly seeded shop replaced the tables the target followed: new snapshots (--full-refresh)
# rather than following the binlog through their drops.
fresh=()
echo "$seeded" | grep -q '"skipped": true' || fresh=(--full-refresh)
ferry sync "${fresh[@]}"

step "ferry stream (in the background) while ferry simulate changes the shop like a live application"
# The simulated application, like real ones, sometimes changes an order without touching updated_at
# and deletes rows for real: no poller sees those; change data capture applies them like any other.
node dist/cli/main.js stream &
stream=$!
trap 'kill -TERM "$stream" 2>/dev/null || true' EXIT
ferry simulate --operations 2000 --rate 500/s
sleep 2

step "ferry status: each stream's lag and changes per second while ferry stream follows the binlog"
ferry status || true
kill -TERM "$stream"
wait "$stream"
trap - EXIT

step "ferry sync, then ferry verify: caught up to the source, the copy is exact (silent updates and real deletes included), no repair step"
ferry sync
ferry verify

step "ferry transform: build the example models (models/) in PostgreSQL schema analytics and run their data tests"
ferry models graph
ferry transform "${fresh[@]}" # a freshly seeded shop rebuilds the incremental models too

step "ferry transform --engine duckdb: the same models in an embedded DuckDB fed from MariaDB (ETL), into schema analytics_duckdb"
ferry transform --engine duckdb --schema analytics_duckdb "${fresh[@]}"

step "ferry trigger shop_replication --wait: the pipeline once (sync -> quality -> transform -> verify -> report), then its run grid"
ferry trigger shop_replication --wait # prints the run grid; `ferry runs` shows the recent runs
echo "Run it every 15 minutes with \`ferry server\` (or \`ferry scheduler\` + \`ferry worker\`; its web UI is on http://127.0.0.1:8680/) while \`ferry simulate\` changes the source."
