-- Revenue per calendar day (orders that were paid, shipped or delivered).
{{ config(materialized='table') }}
select
    order_date,
    count(*) as orders,
    count(distinct customer_id) as customers,
    sum(units) as units,
    sum(subtotal) as subtotal,
    sum(shipping_fee) as shipping,
    sum(tax) as tax,
    sum(total) as revenue
from {{ ref('fct_orders') }}
where is_revenue
group by order_date
