// ferry.yaml's spark section: the Spark Connect server ferry runs jobs on.
import { z } from 'zod';

export const sparkSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^sc:\/\//, 'expected sc://host:port, e.g. sc://127.0.0.1:15002')
      .default('sc://127.0.0.1:15002')
      .describe('Spark Connect server: sc://host:port/;token=${SPARK_TOKEN};use_ssl=true'),
    ca: z
      .string()
      .optional()
      .describe('Path of a PEM file with the CA certificate(s) to trust when use_ssl=true'),
    rows_per_partition: z
      .number()
      .int()
      .min(1000)
      .default(250_000)
      .describe('ferry sync --engine spark: source rows per JDBC read partition (executor task)'),
    write: z
      .enum(['auto', 'copy', 'jdbc'])
      .default('auto')
      .describe(
        'ferry sync --engine spark: how rows reach PostgreSQL. copy: Spark writes COPY text files into spark.exchange_dir and ferry loads them with COPY as they appear (needs a directory both see); jdbc: Spark writes with batched INSERTs over JDBC; auto: copy when the Spark Connect server is on this machine (a loopback address), jdbc otherwise',
      ),
    exchange_dir: z
      .string()
      .min(1)
      .optional()
      .describe(
        "ferry sync --engine spark with write: copy: a directory that the Spark executors and ferry both read and write (default: ferry-spark in the system's temporary directory)",
      ),
    write_connections: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe(
        'Spark JDBC writes into PostgreSQL (ferry transform --engine spark, ferry sync --engine spark with write: jdbc): parallel JDBC connections',
      ),
    copy_connections: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(2)
      .describe(
        'ferry sync --engine spark with write: copy: parallel COPY connections loading the files Spark writes',
      ),
  })
  .describe(
    'The Spark cluster ferry runs jobs on (ferry sync --engine spark, ferry transform --engine spark)',
  );
