with source as (

    select * from {{ source('operational', 'operational_watches') }}

),

renamed as (

    select
        cast(watch_id as text) as watch_id,
        cast(user_id as text) as user_id,
        cast(upper(origin) as text) as origin,
        cast(upper(destination) as text) as destination,
        cast(upper(destination_city_code) as text) as destination_city_code,
        cast(depart_from as date) as depart_from,
        cast(depart_to as date) as depart_to,
        cast(nights_min as integer) as nights_min,
        cast(nights_max as integer) as nights_max,
        cast(adults as integer) as adults,
        cast(upper(cabin) as text) as cabin,
        cast(max_stops as integer) as max_stops,
        cast(budget_minor as bigint) as budget_minor,
        cast(upper(currency) as text) as currency,
        cast(lower(status) as text) as status,
        cast(created_at as timestamptz) as created_at,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
