with source as (

    select * from {{ source('operational', 'operational_booking_legs') }}

),

renamed as (

    select
        cast(leg_id as text) as leg_id,
        cast(booking_id as text) as booking_id,
        cast(position as integer) as leg_position,
        cast(lower(kind) as text) as kind,
        -- Commission is priced per product: both flight directions are flights.
        cast(case when lower(kind) = 'hotel' then 'hotel' else 'flight' end as text) as product,
        cast(provider as text) as provider,
        cast(lower(status) as text) as status,
        cast(charge_minor as bigint) as charge_minor,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
