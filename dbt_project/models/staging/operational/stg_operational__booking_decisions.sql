with source as (

    select * from {{ source('operational', 'operational_booking_decisions') }}

),

renamed as (

    select
        cast(decision_id as bigint) as decision_id,
        cast(proposal_id as text) as proposal_id,
        cast(booking_id as text) as booking_id,
        cast(decision as text) as decision,
        cast(subject as text) as subject,
        cast(outcome as text) as outcome,
        cast(decided_at as timestamptz) as decided_at,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
