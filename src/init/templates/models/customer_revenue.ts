// One row per customer with their paid orders and what they spent: a DataFrame model. Its default
// export receives ferry's DataFrame API; the import is types only, erased when Node runs the file.
import type { DataFrameApi, ModelConfig } from 'ferry';

export const config: ModelConfig = { materialized: 'table' };

export default ({ source, ref, col, count, sum, coalesce, lit }: DataFrameApi) => {
  const spent = ref('paid_orders')
    .groupBy('customer_id')
    .agg(count('order_id').as('orders'), sum('total').as('revenue'));
  return source('shop', 'customers')
    .alias('c')
    .join(spent.alias('s'), col('c.id').eq(col('s.customer_id')), 'left')
    .select(
      col('c.id').as('customer_id'),
      col('c.email').as('email'),
      coalesce(col('s.orders'), lit(0)).as('orders'),
      coalesce(col('s.revenue'), lit(0)).as('revenue'),
    );
};
