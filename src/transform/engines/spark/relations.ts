// Where the models' inputs live inside a Spark session: every source table and every model is a
// session-scoped temporary view (Spark has no schemas for those), named so the two never collide.
import type { RelationResolver } from '../sql/compile-plan.js';
import { quoteMysql } from '../../../schema/identifiers.js';

/** The temporary view of source('shop', 'orders'): `src__shop__orders`. */
export const sourceView = (source: string, table: string) => `src__${source}__${table}`;

/** ref('x') -> `x`; source('shop','orders') -> `src__shop__orders`. */
export const sparkResolver: RelationResolver = (n) =>
  quoteMysql(n.kind === 'Ref' ? n.model : sourceView(n.source, n.table));
