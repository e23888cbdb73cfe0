-- One row per order with its lines and captured payments. Incremental: each run merges the orders
-- whose updated_at passed the last run's high-water mark.
{{ config(materialized='incremental', unique_key='order_id', cursor='updated_at') }}
with items as (
    select order_id, count(*) as item_count, sum(quantity) as units
    from {{ ref('stg_order_items') }}
    group by order_id
),
payments as (
    select order_id, sum(amount) as captured_amount
    from {{ ref('stg_payments') }}
    where status = 'captured'
    group by order_id
)
select
    o.order_id,
    o.customer_id,
    o.order_date,
    o.placed_at,
    o.status,
    o.is_revenue,
    o.subtotal,
    o.shipping_fee,
    o.tax,
    o.total,
    coalesce(i.item_count, 0) as item_count,
    coalesce(i.units, 0) as units,
    coalesce(p.captured_amount, 0) as captured_amount,
    o.updated_at
from {{ ref('stg_orders') }} as o
left join items as i on i.order_id = o.order_id
left join payments as p on p.order_id = o.order_id
