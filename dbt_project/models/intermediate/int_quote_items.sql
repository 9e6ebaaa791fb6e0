{#
  Every landed quote with the key of the thing it prices, so quotes from different providers
  can be compared:
    flight: (origin, destination, departure_date, carrier, flight_number, cabin, adults)
    hotel:  (city_code, hotel_id, check_in, nights, adults, room_type, refundable)
  carrier, flight_number and room_type are not in fct_price_observations: they come from the
  staging rows of the same quote (its grain: provider, offer_id, observed_at). A quote missing
  any key part cannot be matched and is left out.
  A table, not a view: int_cross_provider_quotes, fct_quote_anomalies and the data tests all
  read it, and on PostgreSQL each read of the view re-ran the joins to staging (~5 s at demo
  size).
#}

{{ config(materialized='table') }}

with observations as (

    select * from {{ ref('fct_price_observations') }}

),

flights as (

    select partition_date, provider, offer_id, observed_at, carrier, flight_number
    from {{ ref('stg_providers__flight_quotes') }}

),

hotels as (

    select partition_date, provider, offer_id, observed_at, room_type
    from {{ ref('stg_providers__hotel_quotes') }}

),

keyed as (

    select
        observations.quote_kind,
        observations.observed_on,
        observations.observed_at,
        observations.provider,
        observations.offer_id,
        observations.price_eur_minor,
        case
            when observations.quote_kind = 'flight' then
                'flight|' || observations.origin
                || '|' || observations.destination
                || '|' || cast(observations.departure_date as text)
                || '|' || flights.carrier
                || '|' || flights.flight_number
                || '|' || observations.cabin
                || '|' || cast(observations.adults as text)
            else
                'hotel|' || observations.city_code
                || '|' || observations.hotel_id
                || '|' || cast(observations.departure_date as text)
                || '|' || cast(observations.nights as text)
                || '|' || cast(observations.adults as text)
                || '|' || hotels.room_type
                || '|' || case when observations.is_refundable then 'refundable' when not observations.is_refundable then 'nonrefundable' end
        end as item_key
    from observations
    left join flights
        on observations.quote_kind = 'flight'
        and flights.partition_date = observations.observed_on
        and flights.provider = observations.provider
        and flights.offer_id = observations.offer_id
        and flights.observed_at = observations.observed_at
    left join hotels
        on observations.quote_kind = 'hotel'
        and hotels.partition_date = observations.observed_on
        and hotels.provider = observations.provider
        and hotels.offer_id = observations.offer_id
        and hotels.observed_at = observations.observed_at

)

select * from keyed
where item_key is not null
