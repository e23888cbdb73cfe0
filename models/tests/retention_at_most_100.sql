-- No cohort keeps more customers than it started with; month 0 keeps all of them.
select *
from {{ ref('cohort_retention') }}
where retention_pct > 100 or (month_number = 0 and retention_pct <> 100)
