// Changes column types of a table in place, inside the caller's transaction, keeping the views that
// depend on it: ALTER COLUMN ... TYPE refuses while a view uses the column, so the views (and views
// on them) are dropped and created again from their definitions, with their options, owner,
// privileges and comments, in the same transaction. Says whether PostgreSQL rewrote the table.
import { qualifiedPg, quotePg } from '../../schema/identifiers.js';
import type { Queryable } from './connect.js';

export interface ColumnType {
  column: string;
  /** The new type, as format_type prints it. */
  type: string;
}

export interface AlteredTypes {
  /** PostgreSQL rewrote the table (int -> bigint, a numeric scale change), under its exclusive lock. */
  rewritten: boolean;
  /** Views dropped and created again, schema-qualified, in creation order. */
  views: string[];
  seconds: number;
}

interface DependentView {
  oid: number;
  schema: string;
  name: string;
  kind: 'v' | 'm';
  definition: string;
  options: string[] | null;
  owner: string;
  comment: string | null;
  columnComments: { column: string; comment: string }[];
  grants: { role: string | null; privilege: string; grantable: boolean }[];
  /** CREATE INDEX statements of a materialized view. */
  indexes: string[];
  /** Whether relacl was set (otherwise the defaults apply). */
  hasAcl: boolean;
}

async function fileNode(db: Queryable, relation: string): Promise<string> {
  const { rows } = await db.query<{ f: string }>(`SELECT pg_relation_filenode($1::regclass)::text AS f`, [
    relation,
  ]);
  return rows[0]!.f;
}

/** Views and materialized views on the table, and on those, deepest last. */
async function dependentViews(db: Queryable, relation: string): Promise<DependentView[]> {
  const { rows } = await db.query<
    Omit<DependentView, 'columnComments' | 'grants' | 'indexes' | 'hasAcl'> & { has_acl: boolean }
  >(
    `WITH RECURSIVE deps(oid, depth) AS (
       SELECT r.ev_class, 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
        WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = $1::regclass AND r.ev_class <> $1::regclass
       UNION
       SELECT r.ev_class, deps.depth + 1 FROM deps JOIN pg_depend d ON d.refobjid = deps.oid
         JOIN pg_rewrite r ON r.oid = d.objid
        WHERE d.classid = 'pg_rewrite'::regclass AND r.ev_class <> deps.oid)
     SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind,
            pg_get_viewdef(c.oid) AS definition, c.reloptions AS options,
            pg_get_userbyid(c.relowner) AS owner, obj_description(c.oid, 'pg_class') AS comment,
            c.relacl IS NOT NULL AS has_acl
       FROM (SELECT oid, max(depth) AS depth FROM deps GROUP BY oid) d
       JOIN pg_class c ON c.oid = d.oid JOIN pg_namespace n ON n.oid = c.relnamespace
      ORDER BY d.depth, c.oid`,
    [relation],
  );
  const views: DependentView[] = [];
  for (const r of rows) {
    const comments = await db.query<{ column: string; comment: string }>(
      `SELECT attname AS column, col_description(attrelid, attnum) AS comment FROM pg_attribute
        WHERE attrelid = $1 AND attnum > 0 AND col_description(attrelid, attnum) IS NOT NULL`,
      [r.oid],
    );
    const grants = await db.query<{ role: string | null; privilege: string; grantable: boolean }>(
      `SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS role,
              a.privilege_type AS privilege, a.is_grantable AS grantable
         FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = $1`,
      [r.oid],
    );
    const indexes = await db.query<{ def: string }>(
      `SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = $1`,
      [r.oid],
    );
    views.push({
      oid: r.oid,
      schema: r.schema,
      name: r.name,
      kind: r.kind,
      definition: r.definition,
      options: r.options,
      owner: r.owner,
      comment: r.comment,
      columnComments: comments.rows,
      grants: grants.rows,
      indexes: indexes.rows.map((i) => i.def),
      hasAcl: r.has_acl,
    });
  }
  return views;
}

async function recreate(db: Queryable, view: DependentView): Promise<void> {
  const name = qualifiedPg(view.schema, view.name);
  const options = view.options && view.options.length > 0 ? ` WITH (${view.options.join(', ')})` : '';
  // pg_get_viewdef ends with a semicolon; a materialized view is filled again from its query.
  const definition = view.definition.trim().replace(/;$/, '');
  await db.query(
    view.kind === 'm'
      ? `CREATE MATERIALIZED VIEW ${name}${options} AS ${definition} WITH DATA`
      : `CREATE VIEW ${name}${options} AS ${definition}`,
  );
  const what = view.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
  await db.query(`ALTER ${what} ${name} OWNER TO ${quotePg(view.owner)}`);
  for (const index of view.indexes) await db.query(index);
  if (view.hasAcl) {
    await db.query(`REVOKE ALL ON ${name} FROM PUBLIC, ${quotePg(view.owner)}`);
    for (const g of view.grants)
      await db.query(
        `GRANT ${g.privilege} ON ${name} TO ${g.role === null ? 'PUBLIC' : quotePg(g.role)}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
      );
  }
  if (view.comment !== null) await db.query(`COMMENT ON ${what} ${name} IS ${literal(view.comment)}`);
  for (const c of view.columnComments)
    await db.query(`COMMENT ON COLUMN ${name}.${quotePg(c.column)} IS ${literal(c.comment)}`);
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** ALTER COLUMN ... TYPE for each change in one statement (one rewrite at most), views kept. */
export async function alterColumnTypes(
  db: Queryable,
  schema: string,
  table: string,
  changes: readonly ColumnType[],
): Promise<AlteredTypes> {
  const started = Date.now();
  const relation = qualifiedPg(schema, table);
  if (changes.length === 0) return { rewritten: false, views: [], seconds: 0 };
  const before = await fileNode(db, relation);
  const views = await dependentViews(db, relation);
  for (const view of [...views].reverse())
    await db.query(
      `DROP ${view.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW'} ${qualifiedPg(view.schema, view.name)}`,
    );
  await db.query(
    `ALTER TABLE ${relation} ${changes.map((c) => `ALTER COLUMN ${quotePg(c.column)} TYPE ${c.type}`).join(', ')}`,
  );
  for (const view of views) await recreate(db, view);
  return {
    rewritten: (await fileNode(db, relation)) !== before,
    views: views.map((v) => `${v.schema}.${v.name}`),
    seconds: (Date.now() - started) / 1000,
  };
}
