// Checks of the PostgreSQL target: reachability, version, privileges, encoding, time zone.
import { connectPostgres, type PgClient } from '../connectors/postgres/connect.js';
import { isFerryError, messageOf } from '../errors.js';
import type { Finding } from './finding.js';
import { type ConnectionSpec, describeConnection } from '../connectors/connection-spec.js';
import { STATE_SCHEMA } from '../state/ferry-state.js';

export async function checkTarget(spec: ConnectionSpec, schema: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  const add = (check: string, status: Finding['status'], found: string, fix?: string) =>
    findings.push({ side: 'target', check, status, found, ...(fix ? { fix } : {}) });

  let client: PgClient;
  try {
    client = await connectPostgres(spec);
  } catch (error) {
    add('connection', 'fail', messageOf(error), isFerryError(error) ? error.hint : undefined);
    return findings;
  }
  try {
    add('connection', 'ok', describeConnection(spec));
    const { rows } = await client.query<{
      version: string;
      num: number;
      encoding: string;
      tz: string;
      can_create: boolean;
      schema_exists: boolean;
      schema_create: boolean | null;
    }>(
      `SELECT current_setting('server_version') AS version, current_setting('server_version_num')::int AS num,
              pg_encoding_to_char(encoding) AS encoding, current_setting('TimeZone') AS tz,
              has_database_privilege(current_database(), 'CREATE') AS can_create,
              EXISTS (SELECT FROM pg_namespace WHERE nspname = $1) AS schema_exists,
              CASE WHEN EXISTS (SELECT FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'CREATE') END AS schema_create
         FROM pg_database WHERE datname = current_database()`,
      [schema],
    );
    const info = rows[0]!;
    add(
      'server version',
      info.num >= 130000 ? 'ok' : 'warn',
      `PostgreSQL ${info.version}`,
      info.num >= 130000 ? undefined : 'ferry is tested with PostgreSQL 13 and later',
    );
    add(
      'encoding',
      info.encoding === 'UTF8' ? 'ok' : 'fail',
      info.encoding,
      info.encoding === 'UTF8'
        ? undefined
        : 'create the database with ENCODING UTF8: text from MySQL is Unicode',
    );
    if (info.schema_exists) {
      add(
        `schema ${schema}`,
        info.schema_create ? 'ok' : 'fail',
        info.schema_create ? 'exists, CREATE granted' : 'exists, CREATE missing',
        info.schema_create ? undefined : `GRANT USAGE, CREATE ON SCHEMA "${schema}" TO ${spec.user}`,
      );
    } else {
      add(
        `schema ${schema}`,
        info.can_create ? 'ok' : 'fail',
        info.can_create ? 'will be created on the first sync' : 'missing, and the user may not create it',
        info.can_create
          ? undefined
          : `CREATE SCHEMA "${schema}" AUTHORIZATION ${spec.user}, or GRANT CREATE ON DATABASE ${spec.database} TO ${spec.user}`,
      );
    }
    add(
      `state schema ${STATE_SCHEMA}`,
      info.can_create ? 'ok' : 'warn',
      info.can_create ? 'CREATE on database granted' : 'CREATE on database missing',
      info.can_create
        ? undefined
        : `GRANT CREATE ON DATABASE ${spec.database} TO ${spec.user} (ferry keeps its state in schema ${STATE_SCHEMA})`,
    );
    add('time zone', 'ok', `${info.tz}; ferry writes timestamptz in UTC`);
  } catch (error) {
    add('inspection', 'fail', messageOf(error));
  } finally {
    await client.end().catch(() => undefined);
  }
  return findings;
}
