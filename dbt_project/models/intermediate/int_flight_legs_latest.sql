{#
  Flight quotes of the latest observation day, one row per offer, each carrying the ECB rate of
  its currency for that day so it can be converted exactly into any watch currency downstream.
#}

with quotes as (

    select * from {{ ref('stg_providers__flight_quotes') }}

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
    -- Contracted rows always have these; staying defensive keeps a NULL from winning a min().
    where quotes.offer_id is not null
        and quotes.total_minor is not null
        and quotes.currency is not null
        and quotes.departure_date is not null

),

ranked_observations as (

    -- A search re-run during the day can return the same offer again; the last word counts.
    select
        latest_quotes.*,
        row_number() over (
            partition by provider, offer_id, origin, destination, departure_date, adults, cabin
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
    ranked_observations.origin,
    ranked_observations.destination,
    ranked_observations.departure_date,
    ranked_observations.adults,
    ranked_observations.cabin,
    ranked_observations.carrier,
    ranked_observations.flight_number,
    ranked_observations.stops,
    ranked_observations.departure_at,
    ranked_observations.arrival_at,
    ranked_observations.duration_minutes,
    ranked_observations.seats_left,
    ranked_observations.total_minor,
    ranked_observations.currency,
    rates.minor_unit_exponent as price_exponent,
    rates.units_per_eur as price_units_per_eur,
    rates.rate_date as price_rate_date

from ranked_observations
-- A currency without an ECB rate cannot be compared, so it cannot be offered.
inner join rates
    on rates.partition_date = ranked_observations.partition_date
    and rates.currency = ranked_observations.currency
where ranked_observations.observation_rank = 1
