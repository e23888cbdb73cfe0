-- One row per payment attempt.
{{ config(materialized='view') }}
select
    p.id as payment_id,
    p.order_id,
    p.method,
    p.status,
    p.amount,
    p.processed_at
from {{ source('shop', 'payments') }} as p
where p._ferry_deleted_at is null
