// The row changes of one stream within a batch, in a temporary table of the target session, and
// how they are applied: every key the batch touches (the old and new keys of updates) is deleted,
// then each key's final image is inserted. A batch is whole source transactions, so the final state
// is the source's at a commit: unique secondary indexes and primary-key changes cannot fail it.
// Rows are encoded by the same encoders and policies as a snapshot, so one source value lands
// identically either way; a row a check or policy sets aside is quarantined and its key removed.
import type { PgClient } from '../../connectors/postgres/connect.js';
import { copyInto } from '../../connectors/postgres/copy-into.js';
import { COPY_NULL, ENCODERS, type ValueIssue } from '../../schema/encode-copy.js';
import { DELETED_AT, qualifiedPg, quotePg } from '../../schema/identifiers.js';
import { createRowEncoder, type RowEncoder } from '../../schema/row-encoder.js';
import type {
  RowGate,
  SetAsideRow,
  SourceRow,
  ValueChange,
  ValuePolicies,
} from '../../schema/row-outcome.js';
import type { ColumnMapping } from '../../schema/type-mapping.js';

/** One row change, its images in the stream's column order (the mapped columns). */
export type RowChange =
  | { op: 'insert'; after: SourceRow }
  | { op: 'update'; before: SourceRow; after: SourceRow }
  | { op: 'delete'; before: SourceRow };

export interface ChangeTableSpec {
  /** Distinguishes the temporary tables of a session's streams. */
  index: number;
  stream: string;
  targetSchema: string;
  targetTable: string;
  mappings: readonly ColumnMapping[];
  primaryKey: readonly string[];
  deletes: 'ignore' | 'soft' | 'hard';
  policies: ValuePolicies;
  gate?: RowGate | undefined;
}

export interface AppliedChanges {
  /** Rows written (final images inserted). */
  written: number;
  /** Keys removed (hard deletes) or marked deleted (soft). */
  deleted: number;
  quarantined: SetAsideRow[];
  nulled: ValueChange[];
  /** Row changes taken into the batch. */
  changes: number;
}

const SEQ = '_ferry_seq';
const OP = '_ferry_op';
const oldKey = (i: number) => `_ferry_old_${i}`;
/** Lines buffered before they are copied into the temporary table. */
const FLUSH_BYTES = 1 << 20;

export interface ChangeTable {
  readonly spec: ChangeTableSpec;
  /** Creates the session's temporary tables (once, outside any transaction). */
  create(client: PgClient): Promise<void>;
  /** Adds a change to the open batch; copies buffered lines into the temporary table when they grow. */
  add(client: PgClient, change: RowChange): Promise<void>;
  /** Changes taken since the last apply. */
  readonly pending: number;
  /** Applies the batch's changes inside the caller's transaction and starts a new batch. */
  apply(client: PgClient): Promise<AppliedChanges>;
  /** Forgets the open batch (its transaction rolled back). */
  reset(): void;
  /**
   * After apply(), until the commit: the keys the batch touched (the key columns) and whether each
   * one's final image loaded (`loaded`), for settling earlier quarantine entries of those keys.
   */
  readonly touched: { relation: string; loaded: string; keyColumns: readonly string[] };
}

export function createChangeTable(spec: ChangeTableSpec): ChangeTable {
  // Source names find the key; the target's names (long names mapped, see schema/identifiers.ts)
  // name every column in SQL.
  const sourceNames = spec.mappings.map((m) => m.column.name);
  const names = spec.mappings.map((m) => m.targetName);
  const keyIndexes = spec.primaryKey.map((k) => sourceNames.indexOf(k));
  if (keyIndexes.length === 0 || keyIndexes.some((i) => i < 0))
    throw new Error(`${spec.stream}: change data capture needs the primary key among the mapped columns`);
  const keyEncoders = keyIndexes.map((i) => ENCODERS[spec.mappings[i]!.rule.encoder]);
  const changes = `ferry_changes_${spec.index}`;
  const finals = `ferry_final_${spec.index}`;
  const target = qualifiedPg(spec.targetSchema, spec.targetTable);
  const key = keyIndexes.map((i) => quotePg(names[i]!));
  const copyColumns = [SEQ, OP, ...keyIndexes.map((_, i) => oldKey(i)), ...names];

  let encoder: RowEncoder = newEncoder();
  let lines: string[] = [];
  let bytes = 0;
  let seq = 0;
  let pending = 0;
  const issue: { current?: ValueIssue } = {};

  function newEncoder(): RowEncoder {
    return createRowEncoder(
      spec.stream,
      spec.mappings,
      spec.primaryKey,
      spec.policies,
      spec.gate ? { gate: spec.gate } : {},
    );
  }

  /** The key of an image as COPY fields, or undefined when a key value cannot be loaded (then no target row has it). */
  function keyFields(image: SourceRow): string[] | undefined {
    const fields: string[] = [];
    for (let k = 0; k < keyIndexes.length; k++) {
      const value = image[keyIndexes[k]!];
      if (value === null || value === undefined) return undefined;
      const field = keyEncoders[k]!(value, issue);
      if (field === undefined) {
        issue.current = undefined;
        return undefined;
      }
      fields.push(field);
    }
    return fields;
  }

  const nulls = (n: number) => Array.from({ length: n }, () => COPY_NULL);

  function push(op: 'i' | 'u' | 'd', old: string[] | undefined, image: string | undefined): void {
    const line = [
      String(seq++),
      op,
      ...(old ?? nulls(keyIndexes.length)),
      image ?? nulls(names.length).join('\t'),
    ].join('\t');
    lines.push(line);
    bytes += line.length + 1;
  }

  return {
    spec,
    touched: {
      relation: `pg_temp.${quotePg(finals)}`,
      loaded: 'image',
      keyColumns: keyIndexes.map((i) => names[i]!),
    },
    get pending() {
      return pending;
    },

    async create(client) {
      const keyTypes = keyIndexes.map((i) => spec.mappings[i]!.pgType);
      await client.query(
        `CREATE TEMP TABLE IF NOT EXISTS ${quotePg(changes)} (${[
          `${quotePg(SEQ)} bigint NOT NULL`,
          `${quotePg(OP)} "char" NOT NULL`,
          ...keyTypes.map((t, i) => `${quotePg(oldKey(i))} ${t}`),
          ...spec.mappings.map((m) => `${quotePg(m.targetName)} ${m.pgType}`),
        ].join(', ')}) ON COMMIT DELETE ROWS`,
      );
      await client.query(
        `CREATE TEMP TABLE IF NOT EXISTS ${quotePg(finals)} (${[
          ...keyIndexes.map((i) => `${quotePg(names[i]!)} ${spec.mappings[i]!.pgType}`),
          'ord bigint NOT NULL',
          'image boolean NOT NULL',
        ].join(', ')}) ON COMMIT DELETE ROWS`,
      );
    },

    async add(client, change) {
      pending++;
      if (change.op === 'delete') {
        const old = keyFields(change.before);
        if (old) push('d', old, undefined);
      } else {
        const image = encoder.line(change.after);
        const old = change.op === 'update' ? keyFields(change.before) : undefined;
        if (image !== undefined) push(change.op === 'insert' ? 'i' : 'u', old, image);
        else {
          // Quarantined: the source row exists but does not load, so no target row keeps its key
          // (the old key of an update included).
          if (old) push('d', old, undefined);
          const now = keyFields(change.after);
          if (now) push('d', now, undefined);
        }
      }
      if (bytes >= FLUSH_BYTES) await flush(client);
    },

    async apply(client) {
      await flush(client);
      const taken = encoder.take();
      const result: AppliedChanges = {
        written: 0,
        deleted: 0,
        quarantined: taken.quarantined,
        nulled: taken.nulled,
        changes: pending,
      };
      pending = 0;
      seq = 0;
      if (taken.rows === 0 && result.changes === 0) return result;
      const oldKeys = keyIndexes.map((_, i) => quotePg(oldKey(i)));
      const newKeys = keyIndexes.map((i) => quotePg(names[i]!));
      const keyChanged = oldKeys.map((o, i) => `${o} IS DISTINCT FROM ${newKeys[i]}`).join(' OR ');
      // Each key's last touch in the batch: removal of an old key (deletes, and updates that move
      // the key) at 2*seq, the new image at 2*seq+1.
      await client.query(
        `INSERT INTO ${quotePg(finals)} (${newKeys.join(', ')}, ord, image)
         SELECT DISTINCT ON (${newKeys.join(', ')}) ${newKeys.join(', ')}, ord, image FROM (
           SELECT ${oldKeys.map((o, i) => `${o} AS ${newKeys[i]}`).join(', ')}, 2 * ${quotePg(SEQ)} AS ord, false AS image
             FROM ${quotePg(changes)} WHERE ${quotePg(OP)} = 'd' OR (${quotePg(OP)} = 'u' AND (${keyChanged}))
           UNION ALL
           SELECT ${newKeys.join(', ')}, 2 * ${quotePg(SEQ)} + 1, true
             FROM ${quotePg(changes)} WHERE ${quotePg(OP)} IN ('i', 'u')
         ) t ORDER BY ${newKeys.join(', ')}, ord DESC`,
      );
      const on = key.map((k) => `t.${k} = f.${k}`).join(' AND ');
      if (spec.deletes === 'hard') {
        const gone = await client.query(`DELETE FROM ${target} t USING ${quotePg(finals)} f WHERE ${on}`);
        result.deleted = gone.rowCount ?? 0;
      } else {
        await client.query(`DELETE FROM ${target} t USING ${quotePg(finals)} f WHERE f.image AND ${on}`);
        if (spec.deletes === 'soft') {
          const marked = await client.query(
            `UPDATE ${target} t SET ${quotePg(DELETED_AT)} = now() FROM ${quotePg(finals)} f
              WHERE NOT f.image AND ${on} AND t.${quotePg(DELETED_AT)} IS NULL`,
          );
          result.deleted = marked.rowCount ?? 0;
        }
      }
      const columns = names.map(quotePg);
      const written = await client.query(
        `INSERT INTO ${target} (${columns.join(', ')})
         SELECT ${columns.map((c) => `c.${c}`).join(', ')} FROM ${quotePg(changes)} c
           JOIN ${quotePg(finals)} f ON f.image AND f.ord = 2 * c.${quotePg(SEQ)} + 1`,
      );
      result.written = written.rowCount ?? 0;
      // The temporary tables empty themselves at COMMIT (ON COMMIT DELETE ROWS).
      return result;
    },

    reset() {
      encoder = newEncoder();
      lines = [];
      bytes = 0;
      seq = 0;
      pending = 0;
    },
  };

  async function flush(client: PgClient): Promise<void> {
    if (lines.length === 0) return;
    const text = lines.join('\n') + '\n';
    lines = [];
    bytes = 0;
    await copyInto(client, 'pg_temp', changes, copyColumns, once(text));
  }
}

async function* once(text: string): AsyncGenerator<string> {
  yield await Promise.resolve(text);
}
