// Creates and upgrades ferry's state schema: the numbered SQL files of migrations/<track>/, applied
// in order by one migrate() under one advisory lock and recorded in <schema>.migrations. Two tracks:
// `replication` (runs, streams, chunks, quarantine, locks, verify history; in the target database)
// and `history` (pipeline runs and task instances; in the target or in orchestration.database).
// A state written by a newer ferry (a migration this one does not know) is refused, so an old
// worker never writes into a layout it does not understand.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PgSession, Queryable } from '../connectors/postgres/connect.js';
import { inTransaction } from '../connectors/postgres/transaction.js';
import { ConfigError } from '../errors.js';
import { qualifiedPg, quotePg } from '../schema/identifiers.js';
import { version as ferryVersion } from '../version.js';

export type MigrationTrack = 'replication' | 'history';

export interface Migration {
  track: MigrationTrack;
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The migrations of a track shipped with this ferry, in order: migrations/<track>/NNNN-name.sql. */
export function shippedMigrations(track: MigrationTrack): Migration[] {
  const dir = `${MIGRATIONS_DIR}${track}/`;
  return readdirSync(dir)
    .filter((f) => /^\d{4}-[a-z0-9-]+\.sql$/.test(f))
    .sort()
    .map((file) => ({
      track,
      version: Number(file.slice(0, 4)),
      name: file.slice(5, -4),
      sql: readFileSync(dir + file, 'utf8'),
    }));
}

/** A migration's SQL for one state schema: {{state}} is the quoted schema name. */
export function migrationSql(migration: Migration, schema: string): string {
  return migration.sql.replaceAll('{{state}}', quotePg(schema));
}

function lockKey(schema: string): string {
  return createHash('sha256').update(`ferry state ${schema}`).digest().readBigInt64BE(0).toString();
}

async function appliedVersions(
  db: Queryable,
  schema: string,
  track: MigrationTrack,
): Promise<number[] | undefined> {
  const { rows } = await db.query<{ exists: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
    qualifiedPg(schema, 'migrations'),
  ]);
  if (!rows[0]?.exists) return undefined;
  const applied = await db.query<{ version: number }>(
    `SELECT version FROM ${qualifiedPg(schema, 'migrations')} WHERE track = $1 ORDER BY version`,
    [track],
  );
  return applied.rows.map((r) => r.version);
}

function refuseNewer(schema: string, applied: readonly number[], shipped: readonly Migration[]): void {
  const known = new Set(shipped.map((m) => m.version));
  const unknown = applied.filter((v) => !known.has(v));
  if (unknown.length === 0) return;
  throw new ConfigError(
    `ferry's state in schema ${schema} was upgraded by a newer ferry (${shipped[0]?.track ?? ''} migration ${Math.max(...unknown)}; this ferry ${ferryVersion} knows up to ${Math.max(0, ...known)})`,
    [],
    {
      hint: 'upgrade ferry on this machine to the version the other machines run; an older ferry must not write into a newer layout',
    },
  );
}

/**
 * Brings a track of the state schema up to this ferry's layout; cheap when it is current (two
 * catalog reads). Safe to call from any number of processes at once: the work runs in one
 * transaction under a transaction advisory lock, and the versions are read again once it is held.
 */
export async function migrate(db: PgSession, schema: string, track: MigrationTrack): Promise<void> {
  const shipped = shippedMigrations(track);
  const before = await appliedVersions(db, schema, track);
  if (before) {
    refuseNewer(schema, before, shipped);
    if (shipped.every((m) => before.includes(m.version))) return;
  }
  await inTransaction(db, async () => {
    await db.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey(schema)]);
    await db.query(`CREATE SCHEMA IF NOT EXISTS ${quotePg(schema)}`);
    await db.query(
      `CREATE TABLE IF NOT EXISTS ${qualifiedPg(schema, 'migrations')} (
         track text NOT NULL,
         version integer NOT NULL,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(),
         ferry_version text NOT NULL,
         PRIMARY KEY (track, version))`,
    );
    const applied = new Set((await appliedVersions(db, schema, track)) ?? []);
    refuseNewer(schema, [...applied], shipped);
    for (const migration of shipped) {
      if (applied.has(migration.version)) continue;
      await db.query(migrationSql(migration, schema));
      await db.query(
        `INSERT INTO ${qualifiedPg(schema, 'migrations')} (track, version, name, ferry_version) VALUES ($1, $2, $3, $4)`,
        [track, migration.version, migration.name, ferryVersion],
      );
    }
  });
}
