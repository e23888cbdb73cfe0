// The MySQL tables the models read, introspected once; an error naming any the source lacks.
import type { ConnectionSpec } from '../../../connectors/connection-spec.js';
import { connectMysql } from '../../../connectors/mysql/connect.js';
import { introspectTables } from '../../../connectors/mysql/introspect.js';
import { SchemaError } from '../../../errors.js';
import type { SourceTable } from '../../../schema/source-table.js';
import type { SourceRef } from '../../models/model.js';

/** Every source name reads the configured source database (ferry replicates one MySQL database). */
export async function sourceTables(
  sources: readonly SourceRef[],
  spec: ConnectionSpec,
): Promise<SourceTable[]> {
  const wanted = [...new Set(sources.map((s) => s.table))];
  const mysql = await connectMysql(spec);
  try {
    const tables = await introspectTables(mysql, spec.database, wanted);
    const missing = wanted.filter((t) => !tables.some((x) => x.name === t));
    if (missing.length > 0)
      throw new SchemaError(`the models read tables the source lacks: ${missing.join(', ')}`, {
        hint: `check the source() calls; the source database is ${spec.database}`,
      });
    return tables;
  } finally {
    await mysql.end().catch(() => undefined);
  }
}
