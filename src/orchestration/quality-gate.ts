// What a pipeline's quality task looks at: the rows of each stream waiting in quarantine, in the
// target's _ferry schema (the checks of the syncs set them aside; replay or discard takes them out).
import { targetConnection } from '../config/connection.js';
import type { FerryConfig } from '../config/schema.js';
import { connectPostgres } from '../connectors/postgres/connect.js';
import { ensureStateSchema } from '../connectors/postgres/state-store.js';

export async function quarantinedByStream(
  config: FerryConfig,
  streams: readonly string[] | undefined,
): Promise<Map<string, number>> {
  const client = await connectPostgres(targetConnection(config.target));
  try {
    await ensureStateSchema(client);
    const { rows } = await client.query<{ stream: string; n: string }>(
      `SELECT stream, count(*) AS n FROM "_ferry"."quarantine"
        WHERE target_schema = $1 AND ($2::text[] IS NULL OR stream = ANY($2))
        GROUP BY stream ORDER BY stream`,
      [config.target.schema, streams ?? null],
    );
    return new Map(rows.map((r) => [r.stream, Number(r.n)]));
  } finally {
    await client.end().catch(() => undefined);
  }
}
