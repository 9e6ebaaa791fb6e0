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

{{ daily_price_series(keys, attributes) }}
