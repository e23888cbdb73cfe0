-- One row per customer: lifetime value and an RFM segment. Recency is measured from the last order
-- date in the data (not today), so results do not change with the clock.
{{ config(materialized='table') }}
with orders as (
    select
        customer_id,
        count(*) as orders,
        sum(total) as lifetime_value,
        min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from {{ ref('fct_orders') }}
    where is_revenue
    group by customer_id
),
as_of as (
    select max(order_date) as as_of_date from {{ ref('fct_orders') }}
),
scored as (
    select
        o.*,
        cast(a.as_of_date - o.last_order_date as integer) as recency_days,
        ntile(5) over (order by a.as_of_date - o.last_order_date desc, o.customer_id) as r_score,
        ntile(5) over (order by o.orders, o.customer_id) as f_score,
        ntile(5) over (order by o.lifetime_value, o.customer_id) as m_score
    from orders as o
    cross join as_of as a
)
select
    c.customer_id,
    c.email,
    c.first_name,
    c.last_name,
    c.loyalty_tier,
    c.signed_up_at,
    coalesce(s.orders, 0) as orders,
    coalesce(s.lifetime_value, 0) as lifetime_value,
    -- average order value in cents rounded half up, exact on every engine
    case when s.orders > 0
         then cast(floor((200 * s.lifetime_value + s.orders) / (2 * s.orders)) as bigint) * 0.01
    end as average_order_value,
    s.first_order_date,
    s.last_order_date,
    s.recency_days,
    s.r_score,
    s.f_score,
    s.m_score,
    case
        when s.customer_id is null then 'prospect'
        when s.r_score >= 4 and s.f_score >= 4 and s.m_score >= 4 then 'champion'
        when s.r_score >= 3 and s.f_score >= 3 then 'loyal'
        when s.r_score >= 4 then 'promising'
        when s.r_score <= 2 and s.m_score >= 4 then 'at_risk'
        when s.r_score <= 1 then 'lost'
        else 'needs_attention'
    end as rfm_segment
from {{ ref('stg_customers') }} as c
left join scored as s on s.customer_id = c.customer_id
