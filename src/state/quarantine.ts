// Rows set aside and values changed (table family quarantine, quarantine_log, value_changes): every
// statement over them. Entries leave the quarantine only into the log, with a resolution (replayed,
// discarded, resolved_by_sync, superseded), so no row is ever dropped without a record.
import type { Queryable } from '../connectors/postgres/connect.js';
import { DELETED_AT, SYNCED_AT, qualifiedPg, quotePg } from '../schema/identifiers.js';
import type { Failure, SetAsideRow, ValueChange } from '../schema/row-outcome.js';

/** Which entries: always one target schema, optionally one stream, run, reason or ids. */
export interface QuarantineFilter {
  /** The target schema of the entries' streams, or several (a project whose streams name their own). */
  schema: string | readonly string[];
  stream?: string | undefined;
  runId?: number | undefined;
  /** A reason code (not_null, zero_date, duplicate, ...) or a check name (email.unique). */
  reason?: string | undefined;
  ids?: readonly number[] | undefined;
}

export interface QuarantineEntry {
  id: number;
  stream: string;
  runId: number;
  primaryKey: Record<string, unknown> | null;
  row: Record<string, unknown>;
  reason: string;
  failures: Failure[];
  rowForm: 'source' | 'target';
  replayAttempts: number;
  quarantinedAt: Date;
}

export interface QuarantineCount {
  stream: string;
  code: string;
  rows: number;
}

/** The run of a stream that writes entries. */
export interface StreamRunRef {
  targetSchema: string;
  stream: string;
  runId: number;
}

/** How the rows of a loaded relation that a DELETE ... RETURNING removes become entries (target form). */
export interface LoadedRowsAside extends StreamRunRef {
  /** A DELETE ... RETURNING * over the loaded relation, with its own parameters $1..$n. */
  deleteSql: string;
  params: readonly unknown[];
  /** Key columns of the rows (stored as text in primary_key), [] for key-less tables. */
  primaryKey: readonly string[];
  /** Their names in the loaded relation, in the same order (default: the same names). */
  keyColumns?: readonly string[] | undefined;
  reason: string;
  failures: readonly Failure[];
}

/** What a sync published, for settling earlier entries. */
export interface Published extends StreamRunRef {
  /** Quoted relation holding the published rows. */
  relation: string;
  /** The relation is the whole table (a full refresh). */
  whole: boolean;
  primaryKey: readonly string[];
  /** Their names in the relation, in the same order (default: the same names). */
  keyColumns?: readonly string[] | undefined;
  /** Runs whose chunks the published load holds: their entries belong to this load (resumed). */
  loadRuns: readonly number[];
}

const LOG_COLUMNS = [
  'id',
  'stream',
  'target_schema',
  'run_id',
  'primary_key',
  '"row"',
  'reason',
  'failures',
  'row_form',
  'quarantined_at',
];

/**
 * The primary key of a row of `alias` as stored in primary_key: { key column: value as text }, keyed
 * by the source names (as the row encoder stores them), read from `columns`, their target names.
 */
export function keyJson(
  primaryKey: readonly string[],
  alias: string,
  columns: readonly string[] = primaryKey,
): string {
  if (primaryKey.length === 0) return 'NULL::jsonb';
  return `jsonb_build_object(${primaryKey.map((k, i) => `'${k.replace(/'/g, "''")}', ${alias}.${quotePg(columns[i] ?? k)}::text`).join(', ')})`;
}

/** A loaded row of `alias` in the stored target form: its columns as jsonb, without ferry's own. */
export function loadedRowJson(alias: string): string {
  return `to_jsonb(${alias}) - '${SYNCED_AT}' - '${DELETED_AT}'`;
}

/** WHERE clause over alias q and its parameters, starting at $start. */
function filterSql(filter: QuarantineFilter, start = 1): { where: string; params: unknown[] } {
  const parts = [`q.target_schema = ANY($${start}::text[])`];
  const params: unknown[] = [typeof filter.schema === 'string' ? [filter.schema] : filter.schema];
  const next = () => `$${start + params.length}`;
  if (filter.stream !== undefined) {
    parts.push(`q.stream = ${next()}`);
    params.push(filter.stream);
  }
  if (filter.runId !== undefined) {
    parts.push(`q.run_id = ${next()}`);
    params.push(filter.runId);
  }
  if (filter.reason !== undefined) {
    const p = next();
    parts.push(
      `(q.failures @> jsonb_build_array(jsonb_build_object('code', ${p}::text)) OR q.failures @> jsonb_build_array(jsonb_build_object('check', ${p}::text)))`,
    );
    params.push(filter.reason);
  }
  if (filter.ids !== undefined) {
    parts.push(`q.id = ANY(${next()}::bigint[])`);
    params.push(filter.ids);
  }
  return { where: parts.join(' AND '), params };
}

interface EntryRow {
  id: string;
  stream: string;
  run_id: string;
  primary_key: Record<string, unknown> | null;
  row: Record<string, unknown>;
  reason: string;
  failures: Failure[];
  row_form: 'source' | 'target';
  replay_attempts: number;
  quarantined_at: Date;
}

const toEntry = (r: EntryRow): QuarantineEntry => ({
  id: Number(r.id),
  stream: r.stream,
  runId: Number(r.run_id),
  primaryKey: r.primary_key,
  row: r.row,
  reason: r.reason,
  failures: r.failures,
  rowForm: r.row_form,
  replayAttempts: r.replay_attempts,
  quarantinedAt: r.quarantined_at,
});

export type QuarantineTables = ReturnType<typeof quarantineTables>;

export function quarantineTables(schema: string) {
  const quarantine = qualifiedPg(schema, 'quarantine');
  const log = qualifiedPg(schema, 'quarantine_log');
  const valueChanges = qualifiedPg(schema, 'value_changes');
  const logColumns = LOG_COLUMNS.join(', ');

  return {
    /** The schema's name, for messages that tell users where to look. */
    where: { quarantine: `${schema}.quarantine`, log: `${schema}.quarantine_log` },

    /** Rows set aside while encoding or by the set checks, in their source form. */
    async add(db: Queryable, run: StreamRunRef, rows: readonly SetAsideRow[]): Promise<void> {
      if (rows.length === 0) return;
      await db.query(
        `INSERT INTO ${quarantine} (stream, target_schema, run_id, primary_key, "row", reason, failures)
         SELECT $1, $2, $3, q.pk, q.r, q.reason, q.f FROM jsonb_to_recordset($4::jsonb) AS q(pk jsonb, r jsonb, reason text, f jsonb)`,
        [
          run.stream,
          run.targetSchema,
          run.runId,
          JSON.stringify(rows.map((r) => ({ pk: r.primaryKey, r: r.row, reason: r.reason, f: r.failures }))),
        ],
      );
    },

    /** Moves rows out of a loaded relation into the quarantine (duplicates); returns how many. */
    async addLoadedRows(db: Queryable, aside: LoadedRowsAside): Promise<number> {
      const n = aside.params.length;
      const { rowCount } = await db.query(
        `WITH gone AS (${aside.deleteSql})
         INSERT INTO ${quarantine} (stream, target_schema, run_id, primary_key, "row", reason, failures, row_form)
         SELECT $${n + 1}, $${n + 2}, $${n + 3}, ${keyJson(aside.primaryKey, 'g', aside.keyColumns)}, ${loadedRowJson('g')}, $${n + 4}, $${n + 5}::jsonb, 'target' FROM gone g`,
        [
          ...aside.params,
          aside.stream,
          aside.targetSchema,
          aside.runId,
          aside.reason,
          JSON.stringify(aside.failures),
        ],
      );
      return rowCount ?? 0;
    },

    async recordValueChanges(
      db: Queryable,
      run: StreamRunRef,
      changes: readonly ValueChange[],
    ): Promise<void> {
      if (changes.length === 0) return;
      await db.query(
        `INSERT INTO ${valueChanges} (stream, target_schema, run_id, primary_key, "column", original, action, reason)
         SELECT $1, $2, $3, c.pk, c.col, c.original, 'set_null', c.reason FROM jsonb_to_recordset($4::jsonb) AS c(pk jsonb, col text, original text, reason text)`,
        [
          run.stream,
          run.targetSchema,
          run.runId,
          JSON.stringify(
            changes.map((c) => ({ pk: c.primaryKey, col: c.column, original: c.original, reason: c.reason })),
          ),
        ],
      );
    },

    /** A stream's run that failed as a whole leaves nothing behind: its entries and value changes go. */
    async abandonRun(db: Queryable, run: StreamRunRef): Promise<void> {
      for (const table of [quarantine, valueChanges])
        await db.query(`DELETE FROM ${table} WHERE target_schema = $1 AND stream = $2 AND run_id = $3`, [
          run.targetSchema,
          run.stream,
          run.runId,
        ]);
    },

    /**
     * After a sync published rows: earlier entries of keys it loaded move to the log as
     * resolved_by_sync, of keys it quarantined again as superseded; a full refresh settles every
     * earlier entry (rows no longer in the source are superseded too). Returns how many moved.
     */
    async resolveEarlier(db: Queryable, published: Published): Promise<number> {
      const keyed = published.primaryKey.length > 0;
      // Keys loaded by this run, and keys this run quarantined again. Joined, not tested with IN
      // inside an expression: with a million entries an IN subplan outgrows memory and runs per row.
      const loadedKeys = keyed
        ? `SELECT DISTINCT ${keyJson(published.primaryKey, 'l', published.keyColumns)} AS k FROM ${published.relation} l`
        : 'SELECT NULL::jsonb AS k WHERE false';
      const againKeys = `SELECT DISTINCT primary_key AS k FROM ${quarantine} WHERE target_schema = $1 AND stream = $2 AND run_id = $3 AND primary_key IS NOT NULL`;
      const which = published.whole
        ? `q.run_id <> ALL($4::bigint[])`
        : keyed
          ? `q.primary_key IN (${loadedKeys} UNION ${againKeys})`
          : 'false';
      const { rowCount } = await db.query(
        `WITH gone AS (
           DELETE FROM ${quarantine} q WHERE q.target_schema = $1 AND q.stream = $2 AND q.run_id <> $3 AND ${which}
           RETURNING q.*)
         INSERT INTO ${log} (${logColumns}, resolution, resolved_run_id, note)
         SELECT ${LOG_COLUMNS.map((c) => `g.${c}`).join(', ')},
                CASE WHEN lk.k IS NOT NULL THEN 'resolved_by_sync' ELSE 'superseded' END, $3,
                CASE WHEN lk.k IS NOT NULL THEN 'loaded by sync run ' || $3
                     WHEN ak.k IS NOT NULL THEN 'quarantined again by sync run ' || $3
                     ELSE 'not in the source any more (full refresh run ' || $3 || ')' END
           FROM gone g
           LEFT JOIN (${loadedKeys}) lk ON lk.k = g.primary_key
           LEFT JOIN (${againKeys}) ak ON ak.k = g.primary_key`,
        [
          published.targetSchema,
          published.stream,
          published.runId,
          ...(published.whole ? [published.loadRuns] : []),
        ],
      );
      return rowCount ?? 0;
    },

    async list(
      db: Queryable,
      filter: QuarantineFilter,
      options: { limit?: number; forUpdate?: boolean } = {},
    ): Promise<QuarantineEntry[]> {
      const { where, params } = filterSql(filter);
      const { rows } = await db.query<EntryRow>(
        `SELECT q.id, q.stream, q.run_id, q.primary_key, q."row", q.reason, q.failures, q.row_form, q.replay_attempts, q.quarantined_at
           FROM ${quarantine} q WHERE ${where} ORDER BY q.id${options.limit ? ` LIMIT ${Math.floor(options.limit)}` : ''}${options.forUpdate ? ' FOR UPDATE' : ''}`,
        params,
      );
      return rows.map(toEntry);
    },

    /** Entries per stream and reason code (an entry with two codes counts under both). */
    async count(db: Queryable, filter: QuarantineFilter): Promise<QuarantineCount[]> {
      const { where, params } = filterSql(filter);
      const { rows } = await db.query<{ stream: string; code: string; n: string }>(
        `SELECT q.stream, f->>'code' AS code, count(DISTINCT q.id) AS n
           FROM ${quarantine} q CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_array_length(q.failures) = 0 THEN '[{"code":"unknown"}]'::jsonb ELSE q.failures END) f
          WHERE ${where} GROUP BY 1, 2 ORDER BY 1, 2`,
        params,
      );
      return rows.map((r) => ({ stream: r.stream, code: r.code, rows: Number(r.n) }));
    },

    /** Entries waiting per stream (all streams, or these). */
    async waitingByStream(
      db: Queryable,
      targetSchema: string | readonly string[],
      streams?: readonly string[],
    ): Promise<Map<string, number>> {
      const { rows } = await db.query<{ stream: string; n: string }>(
        `SELECT stream, count(*) AS n FROM ${quarantine}
          WHERE target_schema = ANY($1) AND ($2::text[] IS NULL OR stream = ANY($2))
          GROUP BY stream ORDER BY stream`,
        [typeof targetSchema === 'string' ? [targetSchema] : targetSchema, streams ?? null],
      );
      return new Map(rows.map((r) => [r.stream, Number(r.n)]));
    },

    /**
     * After a change-data-capture batch: earlier entries of the keys it touched leave the quarantine,
     * resolved_by_sync where the key's final image loaded, superseded where the key was deleted or
     * set aside again (`again`: the keys this batch quarantines, added after this call). `touched`
     * is a relation with the key columns and a boolean column saying whether the key's image loaded.
     * With `touched` null, every entry of the stream is superseded (the source table was emptied).
     */
    async settleChanged(
      db: Queryable,
      run: StreamRunRef,
      touched: {
        relation: string;
        primaryKey: readonly string[];
        /** The key's column names in the relation (target names), in the same order. */
        keyColumns: readonly string[];
        loaded: string;
      } | null,
      again: readonly (Record<string, unknown> | null)[],
      note: string,
    ): Promise<number> {
      // Most batches touch streams without entries: one index probe, then nothing to do.
      const { rows: waiting } = await db.query(
        `SELECT 1 FROM ${quarantine} WHERE target_schema = $1 AND stream = $2 LIMIT 1`,
        [run.targetSchema, run.stream],
      );
      if (waiting.length === 0) return 0;
      const keys = touched
        ? `SELECT ${keyJson(touched.primaryKey, 't', touched.keyColumns)} AS k, bool_or(t.${quotePg(touched.loaded)}) AS loaded FROM ${touched.relation} t GROUP BY 1`
        : 'SELECT NULL::jsonb AS k, false AS loaded WHERE false';
      const { rowCount } = await db.query(
        `WITH keys AS (${keys}),
         gone AS (
           DELETE FROM ${quarantine} q WHERE q.target_schema = $1 AND q.stream = $2
              AND ($5 OR q.primary_key IN (SELECT k FROM keys))
           RETURNING q.*)
         INSERT INTO ${log} (${logColumns}, resolution, resolved_run_id, note)
         SELECT ${LOG_COLUMNS.map((c) => `g.${c}`).join(', ')},
                CASE WHEN k.loaded THEN 'resolved_by_sync' ELSE 'superseded' END, $3,
                CASE WHEN k.loaded THEN 'loaded by ' || $6
                     WHEN g.primary_key IN (SELECT jsonb_array_elements($4::jsonb)) THEN 'set aside again by ' || $6
                     WHEN $5 THEN $6
                     ELSE 'deleted in the source (' || $6 || ')' END
           FROM gone g LEFT JOIN keys k ON k.k = g.primary_key`,
        [run.targetSchema, run.stream, run.runId, JSON.stringify(again), touched === null, note],
      );
      return rowCount ?? 0;
    },

    /** Streams with entries matching the filter. */
    async streams(db: Queryable, filter: QuarantineFilter): Promise<string[]> {
      const { where, params } = filterSql(filter);
      const { rows } = await db.query<{ stream: string }>(
        `SELECT DISTINCT q.stream FROM ${quarantine} q WHERE ${where} ORDER BY 1`,
        params,
      );
      return rows.map((r) => r.stream);
    },

    /** Keys of a stream's rows that are not loaded as read: quarantined, or with a value set to NULL. */
    async expectedKeys(
      db: Queryable,
      targetSchema: string,
      stream: string,
    ): Promise<{
      quarantined: (Record<string, unknown> | null)[];
      nulled: (Record<string, unknown> | null)[];
    }> {
      const q = await db.query<{ primary_key: Record<string, unknown> | null }>(
        `SELECT primary_key FROM ${quarantine} WHERE target_schema = $1 AND stream = $2`,
        [targetSchema, stream],
      );
      const v = await db.query<{ primary_key: Record<string, unknown> | null }>(
        `SELECT primary_key FROM ${valueChanges} WHERE target_schema = $1 AND stream = $2`,
        [targetSchema, stream],
      );
      return { quarantined: q.rows.map((r) => r.primary_key), nulled: v.rows.map((r) => r.primary_key) };
    },

    /** Moves entries to the log with a resolution; returns how many. */
    async settle(
      db: Queryable,
      ids: readonly number[],
      resolution: 'replayed' | 'discarded',
      runId: number | null,
      note: string | null,
    ): Promise<number> {
      if (ids.length === 0) return 0;
      const { rowCount } = await db.query(
        `WITH gone AS (DELETE FROM ${quarantine} WHERE id = ANY($1::bigint[]) RETURNING *)
         INSERT INTO ${log} (${logColumns}, resolution, resolved_run_id, note)
         SELECT ${logColumns}, $2, $3, $4 FROM gone`,
        [ids, resolution, runId, note],
      );
      return rowCount ?? 0;
    },

    /** Discards the entries a filter selects, each kept in the log with the note. */
    async discard(db: Queryable, filter: QuarantineFilter, note: string | null): Promise<number> {
      const { where, params } = filterSql(filter, 2);
      const { rowCount } = await db.query(
        `WITH gone AS (DELETE FROM ${quarantine} q WHERE ${where} RETURNING q.*)
         INSERT INTO ${log} (${logColumns}, resolution, note)
         SELECT ${logColumns}, 'discarded', $1 FROM gone`,
        [note, ...params],
      );
      return rowCount ?? 0;
    },

    /** A replay found the entry still failing: its failures now, and one more attempt. */
    async updateFailures(
      db: Queryable,
      updates: readonly { id: number; reason: string; failures: readonly Failure[] }[],
    ): Promise<void> {
      if (updates.length === 0) return;
      await db.query(
        `UPDATE ${quarantine} q SET reason = u.reason, failures = u.failures, replay_attempts = q.replay_attempts + 1, last_replay_at = now()
           FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, reason text, failures jsonb) WHERE q.id = u.id`,
        [JSON.stringify(updates)],
      );
    },

    /** Entries matching the filter, each counted once. */
    async total(db: Queryable, filter: QuarantineFilter): Promise<number> {
      const { where, params } = filterSql(filter);
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${quarantine} q WHERE ${where}`,
        params,
      );
      return Number(rows[0]!.n);
    },

    /** What the entries of these schemas can be filtered by: their streams, checks, reason codes and runs. */
    async filterChoices(
      db: Queryable,
      targetSchema: string | readonly string[],
    ): Promise<{ streams: string[]; checks: string[]; codes: string[]; runs: number[] }> {
      const { rows } = await db.query<{ kind: string; value: string }>(
        `SELECT DISTINCT 'stream' AS kind, stream AS value FROM ${quarantine} WHERE target_schema = ANY($1)
         UNION SELECT DISTINCT 'run', run_id::text FROM ${quarantine} WHERE target_schema = ANY($1)
         UNION SELECT DISTINCT 'check', f->>'check' FROM ${quarantine} q, jsonb_array_elements(q.failures) f
                WHERE q.target_schema = ANY($1) AND f->>'check' IS NOT NULL
         UNION SELECT DISTINCT 'code', f->>'code' FROM ${quarantine} q, jsonb_array_elements(q.failures) f
                WHERE q.target_schema = ANY($1) AND f->>'code' IS NOT NULL`,
        [typeof targetSchema === 'string' ? [targetSchema] : targetSchema],
      );
      const of = (kind: string) =>
        rows
          .filter((r) => r.kind === kind)
          .map((r) => r.value)
          .sort();
      return {
        streams: of('stream'),
        checks: of('check'),
        codes: of('code'),
        runs: of('run')
          .map(Number)
          .sort((a, b) => a - b),
      };
    },
  };
}
