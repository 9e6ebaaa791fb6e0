with source as (

    select * from {{ source('providers', 'hotel_quotes') }}

),

renamed as (

    select
        cast(partition_date as date) as partition_date,
        cast(provider as text) as provider,
        cast(request_id as text) as request_id,
        cast(observed_at as timestamptz) as observed_at,
        cast(offer_id as text) as offer_id,
        cast(payload_hash as text) as payload_hash,
        cast(upper(city_code) as text) as city_code,
        cast(hotel_id as text) as hotel_id,
        cast(hotel_name as text) as hotel_name,
        cast(stars as integer) as stars,
        cast(latitude as double precision) as latitude,
        cast(longitude as double precision) as longitude,
        cast(distance_km as double precision) as distance_km,
        cast(check_in as date) as check_in,
        cast(check_out as date) as check_out,
        cast(nights as integer) as nights,
        cast(adults as integer) as adults,
        cast(room_type as text) as room_type,
        cast(refundable as boolean) as is_refundable,
        cast(rooms_left as integer) as rooms_left,
        cast(total_minor as bigint) as total_minor,
        cast(upper(currency) as text) as currency

    from source

)

select * from renamed
