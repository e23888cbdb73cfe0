"""Loads one MariaDB table into PostgreSQL with dlt's sql_database source (bench/peers.ts runs it).

Settings come from the environment, so the benchmark passes no secret on a command line:
  BENCH_SOURCE_URL  mysql+pymysql://... (SQLAlchemy URL; reflection, and reading for the pyarrow backend)
  BENCH_TARGET_URL  postgresql://...
  BENCH_TABLE, BENCH_DATASET          source table, target schema
  BENCH_DLT_BACKEND                   pyarrow | connectorx
  BENCH_DLT_CHUNK_SIZE                rows per Arrow batch read from the source
  BENCH_DLT_FILE_FORMAT               csv (COPY) | parquet (ADBC) | insert_values
  BENCH_DLT_REFLECTION                full_with_precision | full | minimal
  BENCH_DLT_UNSIGNED_FIX              1 (default): read BIGINT UNSIGNED as numeric(20,0); 0: dlt's own type
  BENCH_DLT_DIR                       the pipelines directory (a fresh one per run)
Prints one JSON line: rows loaded and the seconds of each stage.
"""

import json
import os
import sys
import time

import dlt
import sqlalchemy as sa
from dlt.sources.sql_database import sql_table


def unsigned_bigint_as_numeric(table: sa.Table) -> sa.Table:
    """dlt maps BIGINT UNSIGNED to bigint, where values from 2^63 on do not fit (extract or load
    fails): read those columns as numeric(20,0) instead, dlt's documented table_adapter_callback."""
    for column in table.columns.values():
        if isinstance(column.type, sa.BigInteger) and getattr(column.type, "unsigned", False):
            column.type = sa.Numeric(20, 0)
    return table


def main() -> None:
    env = os.environ
    backend = env.get("BENCH_DLT_BACKEND", "pyarrow")
    chunk_size = int(env.get("BENCH_DLT_CHUNK_SIZE", "100000"))
    file_format = env.get("BENCH_DLT_FILE_FORMAT", "csv")
    source_url = env["BENCH_SOURCE_URL"]
    backend_kwargs = {"tz": "UTC"} if backend == "pyarrow" else {}
    if backend == "connectorx":
        # connectorx reads with its own Rust client and takes a plain mysql:// URL.
        backend_kwargs = {"conn": source_url.replace("mysql+pymysql://", "mysql://", 1)}
    table = sql_table(
        credentials=source_url,
        table=env["BENCH_TABLE"],
        backend=backend,
        chunk_size=chunk_size,
        reflection_level=env.get("BENCH_DLT_REFLECTION", "full_with_precision"),
        backend_kwargs=backend_kwargs,
        table_adapter_callback=unsigned_bigint_as_numeric
        if env.get("BENCH_DLT_UNSIGNED_FIX", "1") == "1"
        else None,
    )
    pipeline = dlt.pipeline(
        pipeline_name=f"ferry_bench_{env['BENCH_DATASET']}",
        pipelines_dir=env["BENCH_DLT_DIR"],
        destination=dlt.destinations.postgres(env["BENCH_TARGET_URL"]),
        dataset_name=env["BENCH_DATASET"],
    )
    started = time.monotonic()
    pipeline.extract(table, write_disposition="replace", loader_file_format=file_format)
    extracted = time.monotonic()
    pipeline.normalize()
    normalized = time.monotonic()
    info = pipeline.load()
    loaded = time.monotonic()
    info.raise_on_failed_jobs()
    rows = pipeline.last_trace.last_normalize_info.row_counts.get(env["BENCH_TABLE"], 0)
    json.dump(
        {
            "rows": rows,
            "extract": extracted - started,
            "normalize": normalized - extracted,
            "load": loaded - normalized,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
