// Keeps each verify run in the target's _ferry schema, for run history and later the web UI.
import { inTransaction } from '../connectors/postgres/transaction.js';
import type { PgClient } from '../connectors/postgres/connect.js';
import type { VerifyReport } from './verify.js';

const DDL = [
  `CREATE TABLE IF NOT EXISTS "_ferry"."verify_runs" (
     run_id bigserial PRIMARY KEY,
     target_schema text NOT NULL,
     finished_at timestamptz NOT NULL DEFAULT now(),
     in_sync boolean NOT NULL,
     seconds double precision NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS "_ferry"."verify_streams" (
     run_id bigint NOT NULL REFERENCES "_ferry"."verify_runs" (run_id) ON DELETE CASCADE,
     stream text NOT NULL,
     status text NOT NULL,
     source_rows bigint NOT NULL,
     target_rows bigint NOT NULL,
     missing bigint NOT NULL,
     extra bigint NOT NULL,
     different bigint NOT NULL,
     expected bigint NOT NULL,
     in_flight bigint NOT NULL,
     samples jsonb NOT NULL,
     notes jsonb NOT NULL,
     PRIMARY KEY (run_id, stream))`,
];

export async function storeVerifyRun(
  client: PgClient,
  schema: string,
  report: VerifyReport,
): Promise<number> {
  for (const sql of DDL) await client.query(sql);
  return inTransaction(client, async () => {
    const { rows } = await client.query<{ run_id: string }>(
      `INSERT INTO "_ferry"."verify_runs" (target_schema, in_sync, seconds) VALUES ($1, $2, $3) RETURNING run_id`,
      [schema, report.inSync, report.seconds],
    );
    const runId = Number(rows[0]!.run_id);
    for (const s of report.streams) {
      await client.query(
        `INSERT INTO "_ferry"."verify_streams" (run_id, stream, status, source_rows, target_rows, missing, extra, different, expected, in_flight, samples, notes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          runId,
          s.stream,
          s.status,
          s.sourceRows,
          s.targetRows,
          s.missing,
          s.extra,
          s.different,
          s.expected,
          s.inFlight,
          JSON.stringify(s.samples),
          JSON.stringify(s.notes),
        ],
      );
    }
    return runId;
  });
}
