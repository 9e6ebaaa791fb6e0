with source as (

    select * from {{ source('operational', 'operational_api_usage_events') }}

),

renamed as (

    select
        cast(event_id as bigint) as event_id,
        cast(user_id as text) as user_id,
        cast(upper(method) as text) as method,
        cast(route as text) as route,
        cast(status_code as integer) as status_code,
        cast(occurred_at as timestamptz) as occurred_at,
        -- The UTC calendar day, the same on every warehouse whatever its session time zone.
        cast(occurred_at at time zone 'UTC' as date) as occurred_on,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
