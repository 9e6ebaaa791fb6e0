{#
  Every landed quote (flights and hotels), conformed to EUR with the ECB rate of its observation
  day, plus calendar features of the trip date. Incremental by partition replacement: see the
  yml for why the unit of reprocessing is an observation day, not a row.
#}

{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='observed_on',
    on_schema_change='fail',
    post_hook=[
        "{{ wayra.delete_days_without_quotes() }}",
    ],
) }}

with flight_quotes as (

    select
        cast('flight' as text) as quote_kind,
        partition_date,
        observed_at,
        provider,
        offer_id,
        request_id,
        payload_hash,
        origin,
        destination,
        cast(null as text) as hotel_city_code,
        cast(null as text) as hotel_id,
        departure_date,
        cabin,
        cast(null as integer) as nights,
        adults,
        stops,
        seats_left as inventory_left,
        is_promotion,
        cast(null as boolean) as is_refundable,
        total_minor,
        currency
    from {{ ref('stg_providers__flight_quotes') }}
    -- Contracted rows always have these; staying defensive keeps a NULL out of the grain.
    where offer_id is not null
        and total_minor is not null
        and currency is not null
        and departure_date is not null

),

hotel_quotes as (

    select
        cast('hotel' as text) as quote_kind,
        partition_date,
        observed_at,
        provider,
        offer_id,
        request_id,
        payload_hash,
        cast(null as text) as origin,
        cast(null as text) as destination,
        city_code as hotel_city_code,
        hotel_id,
        check_in as departure_date,
        cast(null as text) as cabin,
        nights,
        adults,
        cast(null as integer) as stops,
        rooms_left as inventory_left,
        -- Hotel feeds carry no promotion flag.
        cast(null as boolean) as is_promotion,
        is_refundable,
        total_minor,
        currency
    from {{ ref('stg_providers__hotel_quotes') }}
    where offer_id is not null
        and total_minor is not null
        and currency is not null
        and check_in is not null

),

quotes as (

    select * from flight_quotes
    union all
    select * from hotel_quotes

),

priced as (

    -- A currency without an ECB rate cannot be conformed, so it cannot be compared: dropped.
    select
        quotes.*,
        rates.units_per_eur as eur_rate,
        rates.rate_date,
        rates.minor_unit_exponent
    from quotes
    inner join {{ ref('stg_ecb__rates') }} as rates
        on rates.partition_date = quotes.partition_date
        and rates.currency = quotes.currency

),

{% if is_incremental() %}

{#
  Raw has no landing timestamp: a day is re-landed by replacing its rows (or one observation
  instant's rows). So the batch is "every observation day whose rows differ from what this
  table holds", found by an anti-join both ways on the grain plus what makes a row's content
  (payload hash, price, rate). Those days are rebuilt whole (delete+insert on observed_on), which
  also removes rows a re-landing dropped. It reads narrow columns of raw and of this table; the
  joins to rates, airports and holidays only run for the changed days.
#}
changed_days as (

    select priced.partition_date as observed_on
    from priced
    left join {{ this }} as current_rows
        on current_rows.observed_on = priced.partition_date
        and current_rows.quote_kind = priced.quote_kind
        and current_rows.provider = priced.provider
        and current_rows.offer_id = priced.offer_id
        and current_rows.observed_at = priced.observed_at
        and current_rows.payload_hash = priced.payload_hash
        and current_rows.total_minor = priced.total_minor
        and current_rows.currency = priced.currency
        and current_rows.eur_rate = priced.eur_rate
        and current_rows.rate_date = priced.rate_date
    where current_rows.offer_id is null

    union

    select current_rows.observed_on
    from {{ this }} as current_rows
    left join priced
        on priced.partition_date = current_rows.observed_on
        and priced.quote_kind = current_rows.quote_kind
        and priced.provider = current_rows.provider
        and priced.offer_id = current_rows.offer_id
        and priced.observed_at = current_rows.observed_at
    where priced.offer_id is null

),

batch as (

    select priced.*
    from priced
    where priced.partition_date in (select observed_on from changed_days)

),

{% else %}

batch as (

    select * from priced

),

{% endif %}

airports as (

    select * from {{ ref('airports') }}

),

-- A metro city's country is its airports' country.
cities as (

    select city_code, min(country) as country
    from airports
    group by city_code

),

located as (

    select
        batch.*,
        coalesce(batch.hotel_city_code, destination_airports.city_code) as city_code,
        origin_airports.country as origin_country,
        coalesce(destination_airports.country, hotel_cities.country) as destination_country
    from batch
    left join airports as origin_airports on origin_airports.iata = batch.origin
    left join airports as destination_airports on destination_airports.iata = batch.destination
    left join cities as hotel_cities on hotel_cities.city_code = batch.hotel_city_code

),

holidays as (

    select country, holiday_date from {{ ref('public_holidays') }}

),

-- Proximity per distinct (trip date, countries), not per quote: a few hundred rows to join.
trip_days as (

    select distinct departure_date, origin_country, destination_country
    from located

),

holiday_proximity as (

    select
        trip_days.departure_date,
        trip_days.origin_country,
        trip_days.destination_country,
        cast(min(abs(holidays.holiday_date - trip_days.departure_date)) as integer)
            as days_to_nearest_holiday
    from trip_days
    left join holidays
        on holidays.country = trip_days.origin_country
        or holidays.country = trip_days.destination_country
    group by trip_days.departure_date, trip_days.origin_country, trip_days.destination_country

)

select
    located.quote_kind,
    located.partition_date as observed_on,
    located.observed_at,
    located.provider,
    located.offer_id,
    located.request_id,
    located.payload_hash,
    located.origin,
    located.destination,
    located.city_code,
    located.origin_country,
    located.destination_country,
    located.hotel_id,
    located.departure_date,
    located.cabin,
    located.nights,
    located.adults,
    located.stops,
    located.inventory_left,
    located.is_promotion,
    located.is_refundable,
    located.total_minor,
    located.currency,
    located.eur_rate,
    located.rate_date,
    {{ wayra.convert_minor('located.total_minor', 'located.minor_unit_exponent', 'located.eur_rate', 2, 1) }}
        as price_eur_minor,
    cast(located.departure_date - located.partition_date as integer) as days_to_departure,
    cast(extract(isodow from located.departure_date) as integer) as departure_weekday,
    cast(extract(isodow from located.partition_date) as integer) as observation_weekday,
    coalesce(holiday_proximity.days_to_nearest_holiday = 0, false) as is_departure_holiday,
    holiday_proximity.days_to_nearest_holiday

from located
left join holiday_proximity
    on holiday_proximity.departure_date = located.departure_date
    and holiday_proximity.origin_country is not distinct from located.origin_country
    and holiday_proximity.destination_country is not distinct from located.destination_country
