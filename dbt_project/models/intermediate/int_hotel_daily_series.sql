{#
  One row per hotel series (city_code, check_in, nights, adults) and observation
  day it was observed: the day's cheapest EUR price across providers and its backward-looking
  features (calendar-day lags and rolling windows, see macro daily_series_features).
#}

{%- set keys = ["city_code", "check_in", "nights", "adults"] -%}
{%- set attributes = [
    "provider_count", "max_provider_price_eur_minor", "inventory_left_min", "has_promotion",
    "days_to_departure", "departure_weekday", "observation_weekday", "is_departure_holiday",
    "days_to_nearest_holiday",
] -%}

with quotes as (

    select *, departure_date as check_in
    from {{ ref('fct_price_observations') }}
    where quote_kind = 'hotel'
        -- A series needs its whole key (contracted rows always have it).
        and city_code is not null and nights is not null
        and adults is not null

),

-- Each provider's cheapest offer of the day: the spread compares providers, not offers.
provider_days as (

    select {{ keys | join(", ") }}, observed_on, provider, min(price_eur_minor) as provider_min
    from quotes
    group by {{ keys | join(", ") }}, observed_on, provider

),

provider_summary as (

    select
        {{ keys | join(", ") }},
        observed_on,
        min(provider_min) as price_eur_minor,
        max(provider_min) as max_provider_price_eur_minor,
        cast(count(*) as integer) as provider_count
    from provider_days
    group by {{ keys | join(", ") }}, observed_on

),

day_attributes as (

    select
        {{ keys | join(", ") }},
        observed_on,
        min(inventory_left) as inventory_left_min,
        bool_or(coalesce(is_promotion, false)) as has_promotion,
        -- Functions of (series, day) only; max() just picks the single value.
        max(days_to_departure) as days_to_departure,
        max(departure_weekday) as departure_weekday,
        max(observation_weekday) as observation_weekday,
        bool_or(is_departure_holiday) as is_departure_holiday,
        max(days_to_nearest_holiday) as days_to_nearest_holiday
    from quotes
    group by {{ keys | join(", ") }}, observed_on

),

days as (

    select provider_summary.*, {% for a in attributes if a not in ["provider_count", "max_provider_price_eur_minor"] %}day_attributes.{{ a }}{{ ", " if not loop.last }}{% endfor %}
    from provider_summary
    inner join day_attributes
        on {% for key in keys %}day_attributes.{{ key }} = provider_summary.{{ key }} and {% endfor %}day_attributes.observed_on = provider_summary.observed_on

),

{{ wayra.daily_series_features("days", keys, attributes) }}

select
    {{ keys | join(", ") }},
    observed_on,
    price_eur_minor,
    provider_count,
    price_lag_1d_eur_minor,
    price_lag_7d_eur_minor,
    cast((price_eur_minor - price_lag_1d_eur_minor) as double precision)
        / price_lag_1d_eur_minor as pct_change_1d,
    rolling_min_7d_eur_minor,
    rolling_mean_7d_eur_minor,
    rolling_std_7d_eur_minor,
    observed_days_7d,
    rolling_min_14d_eur_minor,
    rolling_mean_14d_eur_minor,
    rolling_std_14d_eur_minor,
    observed_days_14d,
    cast(max_provider_price_eur_minor - price_eur_minor as double precision)
        / nullif(price_eur_minor, 0) as provider_spread,
    inventory_left_min,
    has_promotion,
    days_to_departure,
    departure_weekday,
    observation_weekday,
    is_departure_holiday,
    days_to_nearest_holiday
from windowed
-- Spine days without an observation only serve the windows.
where price_eur_minor is not null
