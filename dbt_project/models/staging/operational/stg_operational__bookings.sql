with source as (

    select * from {{ source('operational', 'operational_bookings') }}

),

renamed as (

    select
        cast(booking_id as text) as booking_id,
        cast(proposal_id as text) as proposal_id,
        cast(user_id as text) as user_id,
        cast(watch_id as text) as watch_id,
        cast(lower(state) as text) as state,
        -- The saga's outcome: confirmed once it reached confirmed (a later cancellation by the
        -- traveler does not undo that), failed once compensated, otherwise still in flight.
        cast(
            case
                when confirmed_at is not null or lower(state) in ('confirmed', 'cancelling', 'cancelled')
                    then 'confirmed'
                when lower(state) = 'failed' then 'failed'
                else 'in_flight'
            end as text
        ) as outcome,
        cast(total_minor as bigint) as total_minor,
        cast(upper(currency) as text) as currency,
        cast(created_at as timestamptz) as created_at,
        cast(updated_at as timestamptz) as updated_at,
        cast(confirmed_at as timestamptz) as confirmed_at,
        cast(confirmed_at at time zone 'UTC' as date) as confirmed_on,
        cast(closed_at as timestamptz) as closed_at,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
