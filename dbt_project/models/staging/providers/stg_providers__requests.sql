with source as (

    select * from {{ source('providers', 'provider_requests') }}

),

renamed as (

    select
        cast(partition_date as date) as partition_date,
        cast(provider as text) as provider,
        cast(category as text) as category,
        cast(request_id as text) as request_id,
        cast(requested_at as timestamptz) as requested_at,
        cast(search_key as text) as search_key,
        cast(status as text) as status,
        cast(error as text) as error_message,
        cast(latency_ms as double precision) as latency_ms,
        cast(attempts as integer) as attempts,
        cast(quotes_returned as integer) as quotes_returned,
        cast(watches_served as integer) as watches_served

    from source

)

select * from renamed
