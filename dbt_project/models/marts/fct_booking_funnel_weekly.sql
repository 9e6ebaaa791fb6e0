{#
  KPI "proposal acceptance rate", "booking success rate" and "recommendation -> booking
  conversion": one row per ISO week (Monday start, UTC) of proposal creation that has
  proposals. Every count is a cohort of that week's proposals: a booking counts in the week
  its proposal was made, whenever the saga finished. Definitions in the yml.
#}

with proposals as (

    select
        proposal_id,
        origin,
        status,
        extracted_at,
        created_on - cast(extract(isodow from created_on) - 1 as integer) as week_start
    from {{ ref('stg_operational__proposals') }}

),

bookings as (

    select proposal_id, outcome from {{ ref('stg_operational__bookings') }}

),

weekly as (

    select
        p.week_start,
        count(*) as proposals_created,
        sum(case when p.origin = 'platform' then 1 else 0 end) as platform_proposals,
        sum(case when p.status = 'open' then 1 else 0 end) as proposals_open,
        sum(case when p.status = 'approved' then 1 else 0 end) as proposals_approved,
        sum(case when p.status = 'declined' then 1 else 0 end) as proposals_declined,
        sum(case when p.status = 'expired' then 1 else 0 end) as proposals_expired,
        sum(case when p.status = 'invalidated' then 1 else 0 end) as proposals_invalidated,
        count(b.proposal_id) as bookings_started,
        sum(case when b.outcome = 'confirmed' then 1 else 0 end) as bookings_confirmed,
        sum(case when b.outcome = 'failed' then 1 else 0 end) as bookings_failed,
        sum(case when b.outcome = 'in_flight' then 1 else 0 end) as bookings_in_flight,
        max(p.extracted_at) as extracted_at
    from proposals as p
    left join bookings as b on b.proposal_id = p.proposal_id
    group by p.week_start

),

with_denominators as (

    select
        weekly.*,
        -- Decided: the traveler answered (approved, declined) or let it lapse (expired).
        -- Invalidated proposals (a price moved past the tolerance) were never the traveler's
        -- to refuse, and open ones are not decided yet.
        proposals_approved + proposals_declined + proposals_expired as proposals_decided,
        -- In-flight bookings have no outcome yet, so they are in neither side of the rate.
        bookings_confirmed + bookings_failed as bookings_finished
    from weekly

)

{# Rates are rounded in integers (half to even, 4 decimals) and scaled by an exact decimal
   product, as in fct_alert_action_rate; NULL when nothing is in the denominator. #}
select
    cast(week_start as date) as week_start,
    cast(proposals_created as bigint) as proposals_created,
    cast(platform_proposals as bigint) as platform_proposals,
    cast(proposals_open as bigint) as proposals_open,
    cast(proposals_approved as bigint) as proposals_approved,
    cast(proposals_declined as bigint) as proposals_declined,
    cast(proposals_expired as bigint) as proposals_expired,
    cast(proposals_invalidated as bigint) as proposals_invalidated,
    cast(proposals_decided as bigint) as proposals_decided,
    cast(
        case when proposals_decided > 0 then
            cast({{ wayra.round_half_even_ratio("cast(proposals_approved as bigint) * 10000", "proposals_decided") }} as decimal(18, 0))
            * cast(0.0001 as decimal(5, 4))
        end as decimal(7, 4)
    ) as proposal_acceptance_rate,
    cast(bookings_started as bigint) as bookings_started,
    cast(bookings_confirmed as bigint) as bookings_confirmed,
    cast(bookings_failed as bigint) as bookings_failed,
    cast(bookings_in_flight as bigint) as bookings_in_flight,
    cast(
        case when bookings_finished > 0 then
            cast({{ wayra.round_half_even_ratio("cast(bookings_confirmed as bigint) * 10000", "bookings_finished") }} as decimal(18, 0))
            * cast(0.0001 as decimal(5, 4))
        end as decimal(7, 4)
    ) as booking_success_rate,
    cast(
        cast({{ wayra.round_half_even_ratio("cast(bookings_confirmed as bigint) * 10000", "proposals_created") }} as decimal(18, 0))
        * cast(0.0001 as decimal(5, 4))
        as decimal(7, 4)
    ) as recommendation_to_booking_conversion,
    cast(proposals_open = 0 and bookings_in_flight = 0 as boolean) as funnel_settled,
    cast(extracted_at as timestamptz) as extracted_at
from with_denominators
