{#
  KPI "automation adoption": one row per UTC day of a watches extract. The watches raw table
  is a snapshot replaced on each extract, so history lives here: each build replaces the row
  of the current extract's day and keeps earlier days' rows (a full refresh keeps only the
  current day).
#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='extracted_on',
    on_schema_change='fail',
) }}

with active_watches as (

    -- Paused watches are not watched, so automation on them books nothing; deleted watches
    -- never reach the warehouse.
    select
        user_id,
        automation_mode,
        extracted_at,
        cast(extracted_at at time zone 'UTC' as date) as extracted_on
    from {{ ref('stg_operational__watches') }}
    where status = 'active'

),

daily as (

    select
        extracted_on,
        max(extracted_at) as extracted_at,
        count(*) as active_watches,
        sum(case when automation_mode = 'off' then 1 else 0 end) as off_watches,
        sum(case when automation_mode = 'propose' then 1 else 0 end) as propose_watches,
        sum(case when automation_mode = 'auto' then 1 else 0 end) as auto_watches,
        count(distinct user_id) as users_with_active_watches,
        count(distinct case when automation_mode in ('propose', 'auto') then user_id end)
            as users_with_automation
    from active_watches
    group by extracted_on

)

select
    cast(extracted_on as date) as extracted_on,
    cast(extracted_at as timestamptz) as extracted_at,
    cast(active_watches as bigint) as active_watches,
    cast(off_watches as bigint) as off_watches,
    cast(propose_watches as bigint) as propose_watches,
    cast(auto_watches as bigint) as auto_watches,
    cast(
        cast({{ wayra.round_half_even_ratio("cast(propose_watches + auto_watches as bigint) * 10000", "active_watches") }} as decimal(18, 0))
        * cast(0.0001 as decimal(5, 4))
        as decimal(7, 4)
    ) as adoption_rate,
    cast(users_with_active_watches as bigint) as users_with_active_watches,
    cast(users_with_automation as bigint) as users_with_automation
from daily
