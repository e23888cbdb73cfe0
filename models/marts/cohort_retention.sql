-- Customers by the month of their first paid order (cohort) and how many ordered again in each
-- following month. Retention is a percentage with two decimals, rounded half up exactly.
{{ config(materialized='table') }}
with orders as (
    select customer_id, cast(date_trunc('month', order_date) as date) as order_month
    from {{ ref('fct_orders') }}
    where is_revenue
),
firsts as (
    select customer_id, min(order_month) as cohort_month
    from orders
    group by customer_id
),
activity as (
    select distinct
        f.cohort_month,
        f.customer_id,
        cast((extract(year from o.order_month) - extract(year from f.cohort_month)) * 12
             + extract(month from o.order_month) - extract(month from f.cohort_month) as integer) as month_number
    from orders as o
    join firsts as f on f.customer_id = o.customer_id
),
sizes as (
    select cohort_month, count(*) as cohort_size from firsts group by cohort_month
)
select
    a.cohort_month,
    a.month_number,
    s.cohort_size,
    count(*) as active_customers,
    cast(floor((20000 * count(*) + s.cohort_size) / (2 * s.cohort_size)) as bigint) * 0.01 as retention_pct
from activity as a
join sizes as s on s.cohort_month = a.cohort_month
group by a.cohort_month, a.month_number, s.cohort_size
