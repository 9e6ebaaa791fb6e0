with source as (

    select * from {{ source('operational', 'operational_alert_interactions') }}

),

renamed as (

    select
        cast(interaction_id as bigint) as interaction_id,
        cast(alert_id as text) as alert_id,
        cast(action as text) as action,
        cast(occurred_at as timestamptz) as occurred_at,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
