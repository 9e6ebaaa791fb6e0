with source as (

    select * from {{ source('providers', 'flight_quotes') }}

),

renamed as (

    select
        cast(partition_date as date) as partition_date,
        cast(provider as text) as provider,
        cast(request_id as text) as request_id,
        cast(observed_at as timestamptz) as observed_at,
        cast(offer_id as text) as offer_id,
        cast(payload_hash as text) as payload_hash,
        cast(upper(origin) as text) as origin,
        cast(upper(destination) as text) as destination,
        cast(departure_date as date) as departure_date,
        cast(carrier as text) as carrier,
        cast(flight_number as text) as flight_number,
        cast(stops as integer) as stops,
        cast(upper(cabin) as text) as cabin,
        cast(adults as integer) as adults,
        cast(departure_at as timestamptz) as departure_at,
        cast(arrival_at as timestamptz) as arrival_at,
        cast(duration_minutes as integer) as duration_minutes,
        cast(fare_bucket as text) as fare_bucket,
        cast(seats_left as integer) as seats_left,
        cast(promotion as boolean) as is_promotion,
        cast(total_minor as bigint) as total_minor,
        cast(upper(currency) as text) as currency

    from source

)

select * from renamed
