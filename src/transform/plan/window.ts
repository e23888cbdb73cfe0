// Window specifications: Window.partitionBy('customer_id').orderBy(col('placed_at').desc()).
import { Column, nameOrColumn, sortOrder } from './column.js';
import type { FrameBound, WindowSpec } from './nodes.js';

export class WindowBuilder {
  constructor(readonly spec: WindowSpec) {
    Object.freeze(this);
  }
  partitionBy(...columns: (string | Column)[]): WindowBuilder {
    return new WindowBuilder({ ...this.spec, partitionBy: columns.map(nameOrColumn) });
  }
  orderBy(...columns: (string | Column)[]): WindowBuilder {
    return new WindowBuilder({
      ...this.spec,
      orderBy: columns.map((c) => sortOrder(nameOrColumn(c), false)),
    });
  }
  /** ROWS BETWEEN start AND end (0 = current row, -n preceding, n following). */
  rowsBetween(start: FrameBound, end: FrameBound): WindowBuilder {
    return new WindowBuilder({ ...this.spec, frame: { start, end } });
  }
}

export const Window = {
  partitionBy: (...columns: (string | Column)[]) =>
    new WindowBuilder({ partitionBy: [], orderBy: [], frame: null }).partitionBy(...columns),
  orderBy: (...columns: (string | Column)[]) =>
    new WindowBuilder({ partitionBy: [], orderBy: [], frame: null }).orderBy(...columns),
  unboundedPreceding: 'unboundedPreceding' as const,
  unboundedFollowing: 'unboundedFollowing' as const,
  currentRow: 0 as const,
};
