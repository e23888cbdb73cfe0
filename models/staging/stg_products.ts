// One row per product with its category: a DataFrame model (see docs/transform.md).
import type { DataFrameApi } from 'ferry';

export const config = { materialized: 'view' };

export default ({ source, col }: DataFrameApi) => {
  const products = source('shop', 'products').filter(col('_ferry_deleted_at').isNull()).alias('p');
  const categories = source('shop', 'categories').alias('c');
  return products
    .join(categories, col('p.category_id').eq(col('c.id')), 'left')
    .select(
      col('p.id').as('product_id'),
      col('p.sku').as('sku'),
      col('p.name').as('product_name'),
      col('c.name').as('category_name'),
      col('p.price').as('price'),
      col('p.cost').as('cost'),
      col('p.is_active').as('is_active'),
    );
};
