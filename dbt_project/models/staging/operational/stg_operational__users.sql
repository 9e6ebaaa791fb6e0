with source as (

    select * from {{ source('operational', 'operational_users') }}

),

renamed as (

    select
        cast(user_id as text) as user_id,
        cast(plan as text) as plan,
        cast(created_at as timestamptz) as created_at,
        -- The UTC calendar day, the same on every warehouse whatever its session time zone.
        cast(created_at at time zone 'UTC' as date) as created_on,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
