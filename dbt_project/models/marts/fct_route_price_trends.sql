{#
  Route-level price trend and volatility per observation day, for alerts and risk scores. A
  route is a flight (origin, destination) over every departure date, cabin and party size, or a
  hotel city over every stay; its series are those of fct_price_features.

  Departure dates come and go, and a far-out date is priced differently from a near one, so a
  route's "daily cheapest price" would move with the mix of dates alone. Both measures therefore
  compare each series with itself and then pool over the route:
    trend      pooled within-series OLS slope of ln(daily cheapest price) on the day, over the
               14 calendar days ending on observed_on: sum of each series' regr_sxy over the
               sum of its regr_sxx (both window aggregates on DuckDB and PostgreSQL), for the
               series quoted on observed_on. One series: exactly its own OLS slope.
    volatility sample standard deviation, over the same 14 days, of the route's daily log
               return: the mean over its series of ln(price / price the calendar day before).
  Every window ends at the current row, so no row uses a later observation.
#}

{%- set window_days = 14 -%}

with series_days as (

    select
        series_kind,
        series_id,
        origin,
        destination,
        city_code,
        case when series_kind = 'flight' then origin || '-' || destination else city_code end
            as route_key,
        observed_on,
        -- Whole days on both adapters, so the RANGE frames below count calendar days.
        cast(observed_on - cast('2000-01-01' as date) as integer) as day_number,
        ln(cast(price_eur_minor as double precision)) as log_price,
        case
            when price_lag_1d_eur_minor > 0
                then ln(cast(price_eur_minor as double precision) / price_lag_1d_eur_minor)
        end as log_return_1d
    from {{ ref('fct_price_features') }}
    where price_eur_minor > 0

),

series_windows as (

    select
        series_days.*,
        regr_sxy(log_price, day_number) over (
            partition by series_id
            order by day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as series_sxy,
        regr_sxx(log_price, day_number) over (
            partition by series_id
            order by day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as series_sxx,
        regr_count(log_price, day_number) over (
            partition by series_id
            order by day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as series_points
    from series_days

),

route_days as (

    select
        series_kind,
        route_key,
        origin,
        destination,
        city_code,
        observed_on,
        day_number,
        count(*) as series_count,
        -- A series with one day in the window has no slope (its sxx is 0): not counted.
        sum(case when series_points >= 2 then series_points else 0 end) as trend_points,
        sum(series_sxy) as sxy,
        sum(series_sxx) as sxx,
        avg(log_return_1d) as daily_log_return,
        count(log_return_1d) as return_series_count
    from series_windows
    group by series_kind, route_key, origin, destination, city_code, observed_on, day_number

),

route_windows as (

    select
        route_days.*,
        stddev_samp(daily_log_return) over (
            partition by series_kind, route_key
            order by day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as log_return_volatility_14d,
        count(daily_log_return) over (
            partition by series_kind, route_key
            order by day_number
            range between {{ window_days - 1 }} preceding and current row
        ) as return_days_14d
    from route_days

)

select
    series_kind,
    route_key,
    origin,
    destination,
    city_code,
    observed_on,
    cast(series_count as integer) as series_count,
    cast(trend_points as integer) as trend_points,
    case when sxx > 0 then sxy / sxx end as log_price_trend_per_day,
    cast(return_series_count as integer) as return_series_count,
    daily_log_return,
    cast(return_days_14d as integer) as return_days_14d,
    log_return_volatility_14d
from route_windows
