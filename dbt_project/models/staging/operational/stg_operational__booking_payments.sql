with source as (

    select * from {{ source('operational', 'operational_booking_payments') }}

),

renamed as (

    select
        cast(booking_id as text) as booking_id,
        cast(upper(currency) as text) as currency,
        cast(authorized_minor as bigint) as authorized_minor,
        cast(captured_minor as bigint) as captured_minor,
        cast(refunded_minor as bigint) as refunded_minor,
        cast(fx_rate_date as date) as fx_rate_date,
        cast(lower(status) as text) as status,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
