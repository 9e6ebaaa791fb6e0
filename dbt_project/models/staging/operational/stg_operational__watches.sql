with source as (

    select * from {{ source('operational', 'operational_watches') }}

),

renamed as (

    select
        cast(watch_id as text) as watch_id,
        cast(user_id as text) as user_id,
        cast(depart_from as date) as depart_from,
        cast(depart_to as date) as depart_to,
        cast(nights_min as integer) as nights_min,
        cast(nights_max as integer) as nights_max,
        cast(adults as integer) as adults,
        cast(children as integer) as children,
        cast(upper(cabin) as text) as cabin,
        cast(max_stops as integer) as max_stops,
        cast(nullif(upper(preferred_airlines), '') as text) as preferred_airlines,
        cast(nullif(upper(excluded_airlines), '') as text) as excluded_airlines,
        cast(hotel_min_stars as integer) as hotel_min_stars,
        cast(hotel_max_distance_km as double precision) as hotel_max_distance_km,
        cast(hotel_point_latitude as double precision) as hotel_point_latitude,
        cast(hotel_point_longitude as double precision) as hotel_point_longitude,
        cast(hotel_refundable_only as boolean) as hotel_refundable_only,
        cast(budget_minor as bigint) as budget_minor,
        cast(upper(currency) as text) as currency,
        cast(lower(automation_mode) as text) as automation_mode,
        cast(timezone as text) as timezone,
        cast(lower(status) as text) as status,
        cast(created_at as timestamptz) as created_at,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
