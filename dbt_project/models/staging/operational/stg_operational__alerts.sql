with source as (

    select * from {{ source('operational', 'operational_alerts') }}

),

renamed as (

    select
        cast(alert_id as text) as alert_id,
        cast(user_id as text) as user_id,
        cast(watch_id as text) as watch_id,
        cast(kind as text) as kind,
        cast(urgent as boolean) as urgent,
        cast(digest as boolean) as digest,
        cast(observed_at as timestamptz) as observed_at,
        cast(deliver_at as timestamptz) as deliver_at,
        -- The UTC calendar day, the same on every warehouse whatever its session time zone.
        cast(deliver_at at time zone 'UTC' as date) as deliver_on,
        cast(created_at as timestamptz) as created_at,
        cast(channels_sent as integer) as channels_sent,
        cast(delivered as boolean) as delivered,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
