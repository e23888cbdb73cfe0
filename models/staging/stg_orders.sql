-- One row per order that is not deleted in the source, with its calendar date.
{{ config(materialized='view') }}
select
    o.id as order_id,
    o.customer_id,
    o.status,
    o.currency,
    o.subtotal,
    o.shipping_fee,
    o.tax,
    o.total,
    o.placed_at,
    cast(o.placed_at as date) as order_date,
    o.paid_at,
    o.shipped_at,
    o.delivered_at,
    o.status in ('paid', 'shipped', 'delivered') as is_revenue,
    o.updated_at
from {{ source('shop', 'orders') }} as o
where o._ferry_deleted_at is null
