with source as (

    select * from {{ source('providers', 'quote_quarantine') }}

),

renamed as (

    select
        cast(partition_date as date) as partition_date,
        cast(observed_at as timestamptz) as observed_at,
        cast(feed as text) as feed,
        cast(provider as text) as provider,
        cast(request_id as text) as request_id,
        cast(offer_id as text) as offer_id,
        cast(payload_hash as text) as payload_hash,
        cast(rule as text) as rule,
        cast(reason as text) as reason

    from source

)

select * from renamed
