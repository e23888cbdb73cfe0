-- Daily revenue adds up to the revenue of the orders it summarises.
select d.total_revenue, o.total_revenue
from (select sum(revenue) as total_revenue from {{ ref('daily_revenue') }}) as d
cross join (select sum(total) as total_revenue from {{ ref('fct_orders') }} where is_revenue) as o
where d.total_revenue <> o.total_revenue
