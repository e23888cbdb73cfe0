-- One row per order line.
{{ config(materialized='view') }}
select
    i.id as order_item_id,
    i.order_id,
    i.product_id,
    i.quantity,
    i.unit_price,
    i.discount,
    i.line_total,
    i.updated_at
from {{ source('shop', 'order_items') }} as i
where i._ferry_deleted_at is null
