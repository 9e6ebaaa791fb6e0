{#
  One row per provider hotel, with its attributes as last observed (a provider can rename or
  re-rate a hotel; the latest word counts) and its observation span.
#}

with quotes as (

    select * from {{ ref('stg_providers__hotel_quotes') }}
    where hotel_id is not null

),

ranked as (

    select
        quotes.*,
        row_number() over (
            partition by provider, hotel_id
            order by observed_at desc, request_id desc, offer_id desc
        ) as recency_rank,
        min(observed_at) over (partition by provider, hotel_id) as first_observed_at,
        max(observed_at) over (partition by provider, hotel_id) as last_observed_at
    from quotes

)

select
    provider,
    hotel_id,
    hotel_name,
    city_code,
    stars,
    latitude,
    longitude,
    distance_km,
    first_observed_at,
    last_observed_at
from ranked
where recency_rank = 1
