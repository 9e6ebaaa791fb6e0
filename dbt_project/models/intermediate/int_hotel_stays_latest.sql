{#
  Hotel stay quotes of the latest observation day, one row per offer, each carrying the ECB rate
  of its currency for that day so it can be converted exactly into any watch currency downstream.
#}

with quotes as (

    select * from {{ ref('stg_providers__hotel_quotes') }}

),

rates as (

    select * from {{ ref('stg_ecb__rates') }}

),

latest_day as (

    select max(partition_date) as observed_on from quotes

),

latest_quotes as (

    select quotes.*
    from quotes
    inner join latest_day on quotes.partition_date = latest_day.observed_on
    where quotes.offer_id is not null
        and quotes.total_minor is not null
        and quotes.currency is not null
        and quotes.check_in is not null
        and quotes.nights is not null

),

ranked_observations as (

    select
        latest_quotes.*,
        row_number() over (
            partition by provider, offer_id, city_code, hotel_id, check_in, nights, adults
            order by observed_at desc, request_id desc
        ) as observation_rank
    from latest_quotes

)

select
    ranked_observations.partition_date as observed_on,
    ranked_observations.provider,
    ranked_observations.offer_id,
    ranked_observations.request_id,
    ranked_observations.observed_at,
    ranked_observations.city_code,
    ranked_observations.hotel_id,
    ranked_observations.hotel_name,
    ranked_observations.stars,
    ranked_observations.latitude,
    ranked_observations.longitude,
    ranked_observations.distance_km,
    ranked_observations.check_in,
    ranked_observations.check_out,
    ranked_observations.nights,
    ranked_observations.adults,
    ranked_observations.room_type,
    ranked_observations.is_refundable,
    ranked_observations.rooms_left,
    ranked_observations.total_minor,
    ranked_observations.currency,
    rates.minor_unit_exponent as price_exponent,
    rates.units_per_eur as price_units_per_eur,
    rates.rate_date as price_rate_date

from ranked_observations
inner join rates
    on rates.partition_date = ranked_observations.partition_date
    and rates.currency = ranked_observations.currency
where ranked_observations.observation_rank = 1
