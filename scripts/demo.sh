#!/usr/bin/env bash
# The main job, end to end, against the local servers: check both ends, then (as the commands land)
# seed the source, replicate it, and verify the copy. Run by `make demo` after the build and services.
set -euo pipefail
cd "$(dirname "$0")/.."
ferry() { node dist/cli/main.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ferry doctor: what the source and the target look like"
ferry doctor

step "ferry trigger shop_replication --wait: the pipeline once (sync -> verify -> report), then its run grid"
ferry trigger shop_replication --wait # prints the run grid; `ferry runs` shows the recent runs
echo "Run it every 15 minutes with \`ferry server\` (or \`ferry scheduler\` + \`ferry worker\`) while \`ferry simulate\` changes the source."
