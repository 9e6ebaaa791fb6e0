with source as (

    select * from {{ source('operational', 'operational_watch_routes') }}

),

renamed as (

    select
        cast(watch_id as text) as watch_id,
        cast(upper(origin) as text) as origin,
        cast(upper(destination) as text) as destination,
        cast(upper(destination_city_code) as text) as destination_city_code,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
