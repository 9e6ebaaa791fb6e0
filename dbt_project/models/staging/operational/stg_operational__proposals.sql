with source as (

    select * from {{ source('operational', 'operational_proposals') }}

),

renamed as (

    select
        cast(proposal_id as text) as proposal_id,
        cast(user_id as text) as user_id,
        cast(watch_id as text) as watch_id,
        cast(recommendation_id as text) as recommendation_id,
        cast(lower(origin) as text) as origin,
        cast(lower(status) as text) as stored_status,
        -- The operational store derives "expired" on read (open and past expires_at) and only
        -- persists it when something touches the proposal, so the stored status can lag.
        cast(
            case
                when lower(status) = 'open' and expires_at <= extracted_at then 'expired'
                else lower(status)
            end as text
        ) as status,
        cast(created_at as timestamptz) as created_at,
        -- The UTC calendar day, the same on every warehouse whatever its session time zone.
        cast(created_at at time zone 'UTC' as date) as created_on,
        cast(expires_at as timestamptz) as expires_at,
        cast(decided_at as timestamptz) as decided_at,
        cast(total_minor as bigint) as total_minor,
        cast(upper(currency) as text) as currency,
        cast(extracted_at as timestamptz) as extracted_at

    from source

)

select * from renamed
