{#
  The package each active watch would book right now: its cheapest complete candidate in the
  watch currency, over all the routes the watch covers. Equal totals go to the package with
  more legs on preferred airlines, then resolve on the offer ids, dates and route, so reruns
  never flip the answer (wayra.best_package_order, shared with fct_best_offers).
#}

with candidates as (

    select * from {{ ref('int_watch_package_candidates') }}

),

ranked as (

    select
        candidates.*,
        row_number() over (
            partition by watch_id
            order by {{ wayra.best_package_order() }}
        ) as package_rank
    from candidates

)

select
    cast(watch_id as text) as watch_id,
    cast(user_id as text) as user_id,
    cast(observed_on as date) as observed_on,
    cast(departure_date as date) as departure_date,
    cast(return_date as date) as return_date,
    cast(nights as integer) as nights,
    cast(package_total_minor as bigint) as package_total_minor,
    cast(currency as text) as currency,
    cast(budget_minor as bigint) as budget_minor,
    cast(package_total_minor <= budget_minor as boolean) as within_budget,
    cast(fx_rate_date as date) as fx_rate_date,

    cast(outbound_provider as text) as outbound_provider,
    cast(outbound_offer_id as text) as outbound_offer_id,
    cast(outbound_carrier as text) as outbound_carrier,
    cast(outbound_flight_number as text) as outbound_flight_number,
    cast(outbound_departure_at as timestamptz) as outbound_departure_at,
    cast(outbound_arrival_at as timestamptz) as outbound_arrival_at,
    cast(outbound_stops as integer) as outbound_stops,
    cast(outbound_total_minor as bigint) as outbound_total_minor,
    cast(outbound_currency as text) as outbound_currency,
    cast(outbound_converted_minor as bigint) as outbound_converted_minor,

    cast(inbound_provider as text) as inbound_provider,
    cast(inbound_offer_id as text) as inbound_offer_id,
    cast(inbound_carrier as text) as inbound_carrier,
    cast(inbound_flight_number as text) as inbound_flight_number,
    cast(inbound_departure_at as timestamptz) as inbound_departure_at,
    cast(inbound_arrival_at as timestamptz) as inbound_arrival_at,
    cast(inbound_stops as integer) as inbound_stops,
    cast(inbound_total_minor as bigint) as inbound_total_minor,
    cast(inbound_currency as text) as inbound_currency,
    cast(inbound_converted_minor as bigint) as inbound_converted_minor,

    cast(hotel_provider as text) as hotel_provider,
    cast(hotel_offer_id as text) as hotel_offer_id,
    cast(hotel_id as text) as hotel_id,
    cast(hotel_name as text) as hotel_name,
    cast(hotel_stars as integer) as hotel_stars,
    cast(hotel_refundable as boolean) as hotel_refundable,
    cast(hotel_total_minor as bigint) as hotel_total_minor,
    cast(hotel_currency as text) as hotel_currency,
    cast(hotel_converted_minor as bigint) as hotel_converted_minor,

    cast(origin as text) as origin,
    cast(destination as text) as destination

from ranked
where package_rank = 1
