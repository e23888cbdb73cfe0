-- One row per customer, cleaned: trimmed names, lower-case email, typed flags.
{{ config(materialized='view') }}
select
    c.id as customer_id,
    lower(trim(c.email)) as email,
    trim(c.first_name) as first_name,
    trim(c.last_name) as last_name,
    c.birth_date,
    c.is_active,
    c.loyalty_tier,
    c.created_at as signed_up_at
from {{ source('shop', 'customers') }} as c
where c._ferry_deleted_at is null
