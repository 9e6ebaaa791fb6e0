{# One row per observed flight route (origin, destination airport pair). #}

with flights as (

    select origin, destination, observed_on
    from {{ ref('fct_price_observations') }}
    where quote_kind = 'flight' and origin is not null and destination is not null

),

routes as (

    select
        origin,
        destination,
        min(observed_on) as first_observed_on,
        max(observed_on) as last_observed_on,
        count(*) as observation_count
    from flights
    group by origin, destination

),

airports as (

    select * from {{ ref('airports') }}

)

select
    routes.origin,
    routes.destination,
    origin_airports.city_code as origin_city_code,
    destination_airports.city_code as destination_city_code,
    origin_airports.country as origin_country,
    destination_airports.country as destination_country,
    -- Great circle (haversine, mean earth radius) as wayra.simulator.geography computes it; to
    -- 0.1 km so both adapters store the same value. NULL for an airport not in the seed.
    cast(
        2 * 6371.0088 * asin(sqrt(
            power(sin(radians(destination_airports.latitude - origin_airports.latitude) / 2), 2)
            + cos(radians(origin_airports.latitude)) * cos(radians(destination_airports.latitude))
            * power(sin(radians(destination_airports.longitude - origin_airports.longitude) / 2), 2)
        ))
    as decimal(10, 1)) as distance_km,
    routes.first_observed_on,
    routes.last_observed_on,
    routes.observation_count
from routes
left join airports as origin_airports on origin_airports.iata = routes.origin
left join airports as destination_airports on destination_airports.iata = routes.destination
