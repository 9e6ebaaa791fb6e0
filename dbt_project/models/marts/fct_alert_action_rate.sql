{#
  KPI "alert action rate": one row per ISO week (Monday start, UTC) of deliver_at and alert
  kind that has delivered alerts. An alert counts as opened / acted on when the traveler did
  so within 7 days of deliver_at, however many times, and as followed by a proposal when a
  proposal or booking for its watch was created within 48 hours after deliver_at.
#}

with delivered_alerts as (

    select
        alert_id,
        watch_id,
        kind,
        deliver_at,
        extracted_at,
        deliver_on - cast(extract(isodow from deliver_on) - 1 as integer) as week_start
    from {{ ref('stg_operational__alerts') }}
    where delivered

),

responses as (

    -- 168 hours, not '7 days': a day-based interval on timestamptz follows the session time
    -- zone's DST changes (PostgreSQL and DuckDB alike), so two warehouses could disagree.
    select
        a.alert_id,
        max(case when i.action = 'opened' then 1 else 0 end) as opened,
        max(case when i.action = 'acted' then 1 else 0 end) as acted
    from delivered_alerts as a
    inner join {{ ref('stg_operational__alert_interactions') }} as i
        on i.alert_id = a.alert_id
        and i.occurred_at <= a.deliver_at + interval '168 hours'
    group by a.alert_id

),

follow_ups as (

    -- The issue's "alert action rate": the alert led to a booking attempt. A booking always
    -- has a proposal, but that proposal may predate the alert, so bookings count on their own.
    -- 48 hours, not '2 days', for the DST reason above.
    select a.alert_id
    from delivered_alerts as a
    where exists (
            select 1
            from {{ ref('stg_operational__proposals') }} as p
            where p.watch_id = a.watch_id
                and p.created_at >= a.deliver_at
                and p.created_at <= a.deliver_at + interval '48 hours'
        )
        or exists (
            select 1
            from {{ ref('stg_operational__bookings') }} as b
            where b.watch_id = a.watch_id
                and b.created_at >= a.deliver_at
                and b.created_at <= a.deliver_at + interval '48 hours'
        )

),

weekly as (

    select
        a.week_start,
        a.kind,
        count(*) as alerts_delivered,
        coalesce(sum(r.opened), 0) as alerts_opened,
        coalesce(sum(r.acted), 0) as alerts_acted,
        sum(case when f.alert_id is not null then 1 else 0 end) as alerts_followed_by_proposal_48h,
        max(a.deliver_at) as last_deliver_at,
        max(a.extracted_at) as extracted_at
    from delivered_alerts as a
    left join responses as r on r.alert_id = a.alert_id
    left join follow_ups as f on f.alert_id = a.alert_id
    group by a.week_start, a.kind

)

{# Rates are rounded in integers (half to even, 4 decimals) and scaled by an exact decimal
   product: DuckDB divides decimals in DOUBLE, which could round a tie differently. #}
select
    cast(week_start as date) as week_start,
    cast(kind as text) as kind,
    cast(alerts_delivered as bigint) as alerts_delivered,
    cast(alerts_opened as bigint) as alerts_opened,
    cast(alerts_acted as bigint) as alerts_acted,
    cast(
        cast({{ wayra.round_half_even_ratio("cast(alerts_opened as bigint) * 10000", "alerts_delivered") }} as decimal(18, 0))
        * cast(0.0001 as decimal(5, 4))
        as decimal(7, 4)
    ) as open_rate,
    cast(
        cast({{ wayra.round_half_even_ratio("cast(alerts_acted as bigint) * 10000", "alerts_delivered") }} as decimal(18, 0))
        * cast(0.0001 as decimal(5, 4))
        as decimal(7, 4)
    ) as action_rate,
    cast(last_deliver_at + interval '168 hours' <= extracted_at as boolean) as response_window_closed,
    cast(alerts_followed_by_proposal_48h as bigint) as alerts_followed_by_proposal_48h,
    cast(
        cast({{ wayra.round_half_even_ratio("cast(alerts_followed_by_proposal_48h as bigint) * 10000", "alerts_delivered") }} as decimal(18, 0))
        * cast(0.0001 as decimal(5, 4))
        as decimal(7, 4)
    ) as proposal_follow_rate
from weekly
