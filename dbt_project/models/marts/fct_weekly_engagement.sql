{# One row per ISO week (Monday start, UTC) from the first sign-up to the latest activity. #}

with users as (

    select user_id, created_on from {{ ref('stg_operational__users') }}

),

watch_views as (

    -- A successful read of the watches API (list, one watch, its recommendations).
    select
        e.user_id,
        e.occurred_on - cast(extract(isodow from e.occurred_on) - 1 as integer) as week_start
    from {{ ref('stg_operational__api_usage_events') }} as e
    inner join users as u on u.user_id = e.user_id
    where e.method = 'GET'
        and (e.route = '/v1/watches' or e.route like '/v1/watches/%')
        and e.status_code < 400

),

bounds as (

    select
        min(created_on - cast(extract(isodow from created_on) - 1 as integer)) as first_week,
        max(created_on - cast(extract(isodow from created_on) - 1 as integer)) as last_signup_week
    from users

),

span as (

    select
        first_week,
        greatest(last_signup_week, coalesce((select max(week_start) from watch_views), last_signup_week)) as last_week
    from bounds
    where first_week is not null

),

weeks as (

    select cast(t.week_start as date) as week_start
    from span
    cross join generate_series(
        cast(span.first_week as timestamp), cast(span.last_week as timestamp), interval '7 days'
    ) as t(week_start)

),

active as (

    select w.week_start, count(u.user_id) as active_users
    from weeks as w
    left join users as u on u.created_on <= w.week_start + 6
    group by w.week_start

),

viewed as (

    select week_start, count(distinct user_id) as users_who_viewed_watches
    from watch_views
    group by week_start

)

select
    cast(a.week_start as date) as week_start,
    cast(a.active_users as bigint) as active_users,
    cast(coalesce(v.users_who_viewed_watches, 0) as bigint) as users_who_viewed_watches,
    cast(
        case
            when a.active_users = 0 then 0
            else round(cast(coalesce(v.users_who_viewed_watches, 0) as decimal(18, 6)) / a.active_users, 4)
        end as decimal(7, 4)
    ) as engagement_share
from active as a
left join viewed as v on v.week_start = a.week_start
