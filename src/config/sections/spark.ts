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
    write_connections: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe('ferry sync --engine spark: parallel JDBC connections writing into PostgreSQL'),
  })
  .describe(
    'The Spark cluster ferry runs jobs on (ferry sync --engine spark, ferry transform --engine spark)',
  );
