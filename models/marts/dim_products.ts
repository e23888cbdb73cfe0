// One row per product: price, margin, and how much of it sold.
import type { DataFrameApi } from 'ferry';

export const config = { materialized: 'table' };

export default ({ ref, col, sum, countDistinct, coalesce, lit }: DataFrameApi) => {
  const sold = ref('fct_order_items')
    .filter(col('is_revenue'))
    .groupBy('product_id')
    .agg(sum('quantity').as('units_sold'), countDistinct('order_id').as('orders'));
  return ref('stg_products')
    .join(sold, 'product_id', 'left')
    .select(
      col('product_id'),
      col('sku'),
      col('product_name'),
      col('category_name'),
      col('price'),
      col('cost'),
      col('price').minus(col('cost')).as('unit_margin'),
      col('is_active'),
      coalesce(col('units_sold'), lit(0)).as('units_sold'),
      coalesce(col('orders'), lit(0)).as('orders'),
    );
};
