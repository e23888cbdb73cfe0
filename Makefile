# ferry's two commands: `make demo` and `make test`. Each installs what it needs (Node 24 when the
# system Node is older than 22.18, npm dependencies, MariaDB and PostgreSQL) and is safe to run again.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
NODE_BIN := $(shell scripts/ensure-node.sh)
export PATH := $(NODE_BIN):$(PATH)
FERRY := node dist/cli/main.js

.PHONY: demo test test-unit soak lint format build deps services services-stop spark spark-stop airflow chromium bench bench-scale bench-peers bench-checks bench-slowdown clean
.DEFAULT_GOAL := demo

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

deps: node_modules/.installed

build: deps
	npm run --silent build

services:
	scripts/services.sh start

services-stop:
	scripts/services.sh stop

# Apache Airflow 3.3 in a cached virtual environment, for the test of `ferry airflow export`
# (FERRY_AIRFLOW=2 scripts/airflow.sh install adds Airflow 2.10 for the `--airflow 2` import check).
airflow:
	scripts/airflow.sh install

# Local Spark Connect server (PySpark's jars from PyPI, cached in ~/.cache/ferry/spark-venv).
spark:
	scripts/spark.sh start

spark-stop:
	scripts/spark.sh stop

ferry.yaml:
	cp ferry.example.yaml ferry.yaml
	@echo "created ferry.yaml from ferry.example.yaml"

# Debian's chromium for the web UI's browser tests (scripts/chromium.sh says what to do on Ubuntu,
# where the package is a stub for a snap).
chromium:
	@scripts/chromium.sh ensure >/dev/null

demo: build services ferry.yaml
	scripts/demo.sh

test: build services spark airflow chromium
	npx vitest run

# The long change-data-capture runs that make test leaves out (FERRY_SOAK=1): a 2M-row transaction
# applied whole with ferry stream's memory sampled, 1M row changes through the binlog reader against
# mariadb-binlog, and ferry stream killed at 40 random moments instead of 20. About 5 minutes more.
soak: build services
	FERRY_SOAK=1 FERRY_CDC_KILLS=40 npx vitest run test/integration/cdc test/integration/binlog

test-unit: deps
	npx vitest run --project unit

lint: deps
	npm run --silent lint

format: deps
	npx prettier --write .

bench: build services
	npm run --silent bench

# The same with the 10M-row scale point (full refresh and verify; a few minutes more, 5 GB more disk).
bench-scale: build services
	FERRY_BENCH_SCALE_ROWS=10000000 npm run --silent bench

# Install the benchmark's peers, Sling and dlt, into ~/.cache/ferry/peers (npm run bench does it too).
bench-peers:
	bash bench/peers/install.sh

# What validation costs: 1M-row full refresh with and without five checks (docs/benchmarks.md).
bench-checks: deps services
	npx tsx bench/checks-overhead.ts

# The slowdown check alone: this checkout's ferry sync against FERRY_BENCH_BASELINE (default a0ef904)
# in interleaved pairs, full refresh and incremental (docs/benchmarks.md, "Slowdown check").
bench-slowdown: build services
	FERRY_BENCH_NO_BUILD=1 npx tsx bench/slowdown.ts

clean:
	rm -rf dist node_modules .tools
