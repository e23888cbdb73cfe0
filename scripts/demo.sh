#!/usr/bin/env bash
# The main job, end to end, against the local servers: check both ends, then (as the commands land)
# seed the source, replicate it, and verify the copy. Run by `make demo` after the build and services.
set -euo pipefail
cd "$(dirname "$0")/.."
ferry() { node dist/cli/main.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "ferry doctor: what the source and the target look like"
ferry doctor

# (after `ferry sync`, before `ferry verify`)
step "ferry transform: build the example models (models/) in PostgreSQL schema analytics and run their data tests"
ferry models graph
ferry transform

step "ferry transform --engine duckdb: the same models in an embedded DuckDB fed from MariaDB (ETL), into schema analytics_duckdb"
ferry transform --engine duckdb --schema analytics_duckdb
