{#
  ML features: one row per price series and observation day, flights and hotels conformed to one
  shape. Every feature of a row uses observations on or before its observed_on only.
#}

{%- set features = [
    "price_eur_minor", "provider_count", "price_lag_1d_eur_minor", "price_lag_7d_eur_minor",
    "pct_change_1d", "rolling_min_7d_eur_minor", "rolling_mean_7d_eur_minor",
    "rolling_std_7d_eur_minor", "observed_days_7d", "rolling_min_14d_eur_minor",
    "rolling_mean_14d_eur_minor", "rolling_std_14d_eur_minor", "observed_days_14d",
    "provider_spread", "inventory_left_min", "has_promotion", "days_to_departure",
    "departure_weekday", "observation_weekday", "is_departure_holiday", "days_to_nearest_holiday",
] -%}

with flights as (

    select
        cast('flight' as text) as series_kind,
        'F|' || origin || '|' || destination || '|' || cast(departure_date as text) || '|' || cabin
            || '|' || cast(adults as text) as series_id,
        observed_on,
        origin,
        destination,
        cast(null as text) as city_code,
        departure_date,
        cabin,
        cast(null as integer) as nights,
        adults,
        {{ features | join(", ") }}
    from {{ ref('int_flight_daily_series') }}

),

hotels as (

    select
        cast('hotel' as text) as series_kind,
        'H|' || city_code || '|' || cast(check_in as text) || '|' || cast(nights as text)
            || '|' || cast(adults as text) as series_id,
        observed_on,
        cast(null as text) as origin,
        cast(null as text) as destination,
        city_code,
        check_in as departure_date,
        cast(null as text) as cabin,
        nights,
        adults,
        {{ features | join(", ") }}
    from {{ ref('int_hotel_daily_series') }}

)

select * from flights
union all
select * from hotels
