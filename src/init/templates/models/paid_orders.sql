-- Orders that brought money in: a SQL model (one SELECT; source() is a replicated table).
{{ config(materialized='view') }}
select
    id as order_id,
    customer_id,
    cast(placed_at as date) as order_date,
    total
from {{ source('shop', 'orders') }}
where status in ('paid', 'shipped', 'delivered')
