// Compares a source table's mapped columns with the target table, and brings the target up to date:
// new columns are added, dropped ones stay (NULL from then on), widenings that cannot lose a value
// are followed (widen.ts), other type changes stop the stream unless the policy says rebuild.
import type { Project } from '../config/project.js';
import type { Queryable } from '../connectors/postgres/connect.js';
import type { TargetColumn } from '../connectors/postgres/ddl.js';
import { SchemaError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { ColumnMapping } from '../schema/type-mapping.js';
import { FERRY_PREFIX, qualifiedPg, quotePg } from '../schema/identifiers.js';
import { splitTypeChanges, type TypeChange } from './widen.js';

export interface SchemaDiff {
  added: ColumnMapping[];
  /** Target columns the source no longer has (ferry's own _ferry_ columns excluded). */
  dropped: TargetColumn[];
  changed: { mapping: ColumnMapping; was: string }[];
}

export function diffSchema(
  mappings: readonly ColumnMapping[],
  existing: readonly TargetColumn[],
): SchemaDiff {
  const byName = new Map(existing.map((c) => [c.name, c]));
  const sourceNames = new Set(mappings.map((m) => m.targetName));
  return {
    added: mappings.filter((m) => !byName.has(m.targetName)),
    dropped: existing.filter((c) => !sourceNames.has(c.name) && !c.name.startsWith(FERRY_PREFIX)),
    changed: mappings.flatMap((m) => {
      const was = byName.get(m.targetName);
      return was && was.pgType !== m.pgType ? [{ mapping: m, was: was.pgType }] : [];
    }),
  };
}

export function isEmpty(diff: SchemaDiff): boolean {
  return diff.added.length === 0 && diff.dropped.length === 0 && diff.changed.length === 0;
}

/**
 * Throws when the policy forbids the diff; logs the dropped columns it keeps. Returns whether a
 * rebuild is needed, and the type changes to follow in place (lossless widenings, under evolve).
 */
export function checkSchemaPolicy(
  stream: string,
  diff: SchemaDiff,
  policy: Project['sync']['schema_changes'],
  logger: Logger,
): { rebuild: boolean; widen: TypeChange[] } {
  if (policy === 'fail' && !isEmpty(diff)) {
    const parts = [
      ...diff.added.map((m) => `column ${m.column.name} added`),
      ...diff.dropped.map((c) => `column ${c.name} dropped`),
      ...diff.changed.map(
        (c) => `column ${c.mapping.column.name} changed from ${c.was} to ${c.mapping.pgType}`,
      ),
    ];
    throw new SchemaError(`${stream}: the source schema changed (${parts.join('; ')})`, {
      hint: 'set sync.schema_changes to evolve (or rebuild) to follow such changes',
    });
  }
  const changes = diff.changed.map((c) => ({
    column: c.mapping.targetName,
    from: c.was,
    to: c.mapping.pgType,
  }));
  const { widen, other } = splitTypeChanges(changes);
  if (other.length > 0 && policy !== 'rebuild') {
    const c = diff.changed.find((d) => d.mapping.targetName === other[0]!.column)!;
    throw new SchemaError(
      `${stream}.${c.mapping.column.name}: the source type changed to ${c.mapping.column.columnType} (${c.mapping.pgType}), but the target column is ${c.was}, which cannot hold every value of it`,
      {
        hint: 'set sync.schema_changes: rebuild to rebuild the table with the new types, or change the target column yourself (ALTER TABLE ... ALTER COLUMN ... TYPE)',
      },
    );
  }
  for (const d of diff.dropped)
    logger.warn(
      { stream, column: d.name },
      `${stream}.${d.name} is gone from the source; the target keeps it, NULL from now on`,
    );
  const rebuild = policy === 'rebuild' && diff.changed.length > 0;
  return { rebuild, widen: rebuild ? [] : widen };
}

export async function addColumns(
  client: Queryable,
  schema: string,
  table: string,
  added: readonly ColumnMapping[],
  logger: Logger,
): Promise<void> {
  for (const m of added) {
    logger.info(
      { stream: table, column: m.targetName },
      `adding column ${m.targetName} ${m.pgType} to ${schema}.${table}`,
    );
    await client.query(
      `ALTER TABLE ${qualifiedPg(schema, table)} ADD COLUMN ${quotePg(m.targetName)} ${m.pgType}`,
    );
  }
}
