{#
  One row per flight series (origin, destination, departure_date, cabin, adults) and observation
  day it was observed: the day's cheapest EUR price across providers and its backward-looking
  features (calendar-day lags and rolling windows, see macro daily_series_features).
#}

{%- set keys = ["origin", "destination", "departure_date", "cabin", "adults"] -%}
{%- set attributes = [
    "provider_count", "max_provider_price_eur_minor", "inventory_left_min", "has_promotion",
    "days_to_departure", "departure_weekday", "observation_weekday", "is_departure_holiday",
    "days_to_nearest_holiday",
] -%}

with quotes as (

    select *
    from {{ ref('fct_price_observations') }}
    where quote_kind = 'flight'
        -- A series needs its whole key (contracted rows always have it).
        and origin is not null and destination is not null and cabin is not null
        and adults is not null

),

{{ daily_price_series(keys, attributes) }}
