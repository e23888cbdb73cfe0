// One row per order line with its order's date and status and the product's category.
import type { DataFrameApi } from 'ferry';

export const config = { materialized: 'table' };

export default ({ ref, col }: DataFrameApi) =>
  ref('stg_order_items')
    .alias('i')
    .join(ref('stg_orders').alias('o'), col('i.order_id').eq(col('o.order_id')))
    .join(ref('stg_products').alias('p'), col('i.product_id').eq(col('p.product_id')), 'left')
    .select(
      col('i.order_item_id').as('order_item_id'),
      col('i.order_id').as('order_id'),
      col('o.customer_id').as('customer_id'),
      col('i.product_id').as('product_id'),
      col('p.category_name').as('category_name'),
      col('o.order_date').as('order_date'),
      col('o.status').as('order_status'),
      col('o.is_revenue').as('is_revenue'),
      col('i.quantity').as('quantity'),
      col('i.unit_price').as('unit_price'),
      col('i.discount').as('discount'),
      col('i.line_total').as('line_total'),
      col('i.quantity').times(col('i.unit_price')).as('gross_amount'),
    );
