// Sales per product with its rank by revenue overall and within its category.
import type { DataFrameApi } from 'ferry';

export const config = { materialized: 'table' };

export default ({ ref, col, sum, countDistinct, rowNumber, Window }: DataFrameApi) =>
  ref('fct_order_items')
    .filter(col('is_revenue'))
    .groupBy('product_id', 'category_name')
    .agg(
      sum('quantity').as('units'),
      sum('line_total').as('revenue'),
      sum('discount').as('discounts'),
      countDistinct('order_id').as('orders'),
      countDistinct('customer_id').as('customers'),
    )
    .withColumn('revenue_rank', rowNumber().over(Window.orderBy(col('revenue').desc(), col('product_id'))))
    .withColumn(
      'category_rank',
      rowNumber().over(Window.partitionBy('category_name').orderBy(col('revenue').desc(), col('product_id'))),
    );
