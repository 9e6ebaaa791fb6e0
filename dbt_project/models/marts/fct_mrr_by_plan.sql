{# One row per calendar month (UTC) and plan, from the first sign-up's month to the month of
   the latest extract. Plan history is not tracked: every user counts on their CURRENT plan. #}

with users as (

    select user_id, plan, created_on, extracted_at from {{ ref('stg_operational__users') }}

),

prices as (

    select plan, price_minor, currency from {{ ref('plan_prices') }}

),

span as (

    select
        min(created_on - cast(extract(day from created_on) as integer) + 1) as first_month,
        max(cast(extracted_at at time zone 'UTC' as date)) as last_day
    from users

),

months as (

    select cast(t.month_start as date) as month_start
    from span
    cross join generate_series(
        cast(span.first_month as timestamp),
        cast(span.last_day - cast(extract(day from span.last_day) as integer) + 1 as timestamp),
        interval '1 month'
    ) as t(month_start)
    where span.first_month is not null

),

month_ends as (

    select
        month_start,
        cast(cast(month_start as timestamp) + interval '1 month' as date) - 1 as month_end
    from months

),

subscribers as (

    select m.month_start, p.plan, count(u.user_id) as subscribers
    from month_ends as m
    cross join prices as p
    left join users as u on u.plan = p.plan and u.created_on <= m.month_end
    group by m.month_start, p.plan

)

select
    cast(s.month_start as date) as month_start,
    cast(s.plan as text) as plan,
    cast(s.subscribers as bigint) as subscribers,
    cast(p.price_minor as bigint) as price_minor,
    cast(p.currency as text) as currency,
    cast(s.subscribers * p.price_minor as bigint) as mrr_minor
from subscribers as s
inner join prices as p on p.plan = s.plan
