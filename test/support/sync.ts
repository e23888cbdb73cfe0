// Builds a ferry config for a test's databases and runs a sync through the library.
import { parseConfig } from '../../src/config/load.js';
import { compileProject, type Project } from '../../src/config/project.js';
import type { FerryConfig } from '../../src/config/schema.js';
import { silentLogger } from '../../src/observability/logger.js';
import { sync, type SyncSummary } from '../../src/replication/run.js';
import { ferryState } from '../../src/state/ferry-state.js';
import type { TestDatabases } from './databases.js';

export function testConfig(
  db: TestDatabases,
  streamsAndSettings = 'streams:\n  - { table: "*" }\n',
  schema = 'raw',
): FerryConfig {
  return parseConfig(
    `source: { url: "${db.mysqlUrl}" }\ntarget: { url: "${db.postgresUrl}", schema: ${schema} }\n${streamsAndSettings}`,
    'test.yaml',
    { env: {} },
  );
}

export async function runSync(
  config: FerryConfig,
  options: { streams?: string[]; fullRefresh?: boolean } = {},
): Promise<SyncSummary> {
  return sync({
    project: compileProject(config, 'test.yaml'),
    state: ferryState(),
    logger: silentLogger(),
    signal: new AbortController().signal,
    ...options,
  });
}

/** What the library entry points take for a test's config: the compiled project and the state. */
export function testProject(config: FerryConfig): { project: Project; state: ReturnType<typeof ferryState> } {
  return { project: compileProject(config, 'test.yaml'), state: ferryState() };
}

/** The rows of a target table as text, ordered by the first column, without ferry's own columns. */
export async function targetRows(
  db: TestDatabases,
  schema: string,
  table: string,
  orderBy = 1,
): Promise<Record<string, string | null>[]> {
  const { rows: columns } = await db.target.query<{ name: string }>(
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE '\\_ferry\\_%' ORDER BY attnum`,
    [`"${schema.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}"`],
  );
  const list = columns
    .map((c) => `"${c.name.replace(/"/g, '""')}"::text AS "${c.name.replace(/"/g, '""')}"`)
    .join(', ');
  const { rows } = await db.target.query<Record<string, string | null>>(
    `SELECT ${list} FROM "${schema.replace(/"/g, '""')}"."${table.replace(/"/g, '""')}" ORDER BY ${orderBy}`,
  );
  return rows;
}
