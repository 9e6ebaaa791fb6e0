{#
  The best flight, best hotel stay and best package of every active watch at every observation
  instant, from the snapshots of flight legs and hotel stays as of that instant. "Eligible",
  "cheapest" and "best package" are the current mart's (macros/watch_packages.sql); see the yml.
#}

{{ config(pre_hook=["{{ wayra.prefer_hash_joins() }}"]) }}

with {{ wayra.watch_package_ctes(
    ref('int_flight_legs_observed'), ref('int_hotel_stays_observed'), snapshot='snapshot_at'
) }},

best_packages as (

    select * from (
        select
            packages.*,
            row_number() over (
                partition by watch_id, snapshot_at
                order by {{ wayra.best_package_order() }}
            ) as offer_rank
        from packages
    ) as ranked
    where offer_rank = 1

),

-- The cheapest round trip of flights alone, whether or not a hotel stay fits its dates.
best_flights as (

    select * from (
        select
            flight_pairs.*,
            row_number() over (
                partition by watch_id, snapshot_at
                order by
                    outbound_converted_minor + inbound_converted_minor,
                    preferred_airline_legs desc,
                    outbound_offer_id,
                    inbound_offer_id,
                    departure_date,
                    nights,
                    origin,
                    destination
            ) as offer_rank
        from flight_pairs
    ) as ranked
    where offer_rank = 1

),

-- The cheapest eligible stay alone, whether or not flights fit its dates.
best_hotels as (

    select * from (
        select
            cheapest_hotel.*,
            row_number() over (
                partition by watch_id, snapshot_at
                order by converted_minor, offer_id, provider, check_in, nights, city_code
            ) as offer_rank
        from cheapest_hotel
    ) as ranked
    where offer_rank = 1

),

watch_snapshots as (

    select watch_id, snapshot_at, observed_on from best_flights
    union
    select watch_id, snapshot_at, observed_on from best_hotels

)

select
    cast(watch_snapshots.watch_id as text) as watch_id,
    cast(watches.user_id as text) as user_id,
    cast(watch_snapshots.observed_on as date) as observed_on,
    cast(watch_snapshots.snapshot_at as timestamptz) as observed_at,
    cast(watches.currency as text) as currency,
    cast(watches.budget_minor as bigint) as budget_minor,

    cast(best_packages.package_total_minor as bigint) as package_total_minor,
    cast(best_packages.package_total_minor <= watches.budget_minor as boolean)
        as package_within_budget,
    cast(best_packages.fx_rate_date as date) as package_fx_rate_date,
    cast(best_packages.departure_date as date) as package_departure_date,
    cast(best_packages.return_date as date) as package_return_date,
    cast(best_packages.nights as integer) as package_nights,
    cast(best_packages.origin as text) as package_origin,
    cast(best_packages.destination as text) as package_destination,
    cast(best_packages.outbound_provider as text) as package_outbound_provider,
    cast(best_packages.outbound_offer_id as text) as package_outbound_offer_id,
    cast(best_packages.outbound_converted_minor as bigint) as package_outbound_converted_minor,
    cast(best_packages.inbound_provider as text) as package_inbound_provider,
    cast(best_packages.inbound_offer_id as text) as package_inbound_offer_id,
    cast(best_packages.inbound_converted_minor as bigint) as package_inbound_converted_minor,
    cast(best_packages.hotel_provider as text) as package_hotel_provider,
    cast(best_packages.hotel_offer_id as text) as package_hotel_offer_id,
    cast(best_packages.hotel_id as text) as package_hotel_id,
    cast(best_packages.hotel_converted_minor as bigint) as package_hotel_converted_minor,

    cast(
        best_flights.outbound_converted_minor + best_flights.inbound_converted_minor
    as bigint) as flight_total_minor,
    cast(best_flights.departure_date as date) as flight_departure_date,
    cast(best_flights.return_date as date) as flight_return_date,
    cast(best_flights.origin as text) as flight_origin,
    cast(best_flights.destination as text) as flight_destination,
    cast(best_flights.outbound_provider as text) as flight_outbound_provider,
    cast(best_flights.outbound_offer_id as text) as flight_outbound_offer_id,
    cast(best_flights.outbound_converted_minor as bigint) as flight_outbound_converted_minor,
    cast(best_flights.inbound_provider as text) as flight_inbound_provider,
    cast(best_flights.inbound_offer_id as text) as flight_inbound_offer_id,
    cast(best_flights.inbound_converted_minor as bigint) as flight_inbound_converted_minor,

    cast(best_hotels.converted_minor as bigint) as hotel_total_minor,
    cast(best_hotels.check_in as date) as hotel_check_in,
    cast(best_hotels.nights as integer) as hotel_nights,
    cast(best_hotels.city_code as text) as hotel_city_code,
    cast(best_hotels.provider as text) as hotel_provider,
    cast(best_hotels.offer_id as text) as hotel_offer_id,
    cast(best_hotels.hotel_id as text) as hotel_id,
    cast(best_hotels.hotel_name as text) as hotel_name,
    cast(best_hotels.stars as integer) as hotel_stars

from watch_snapshots
inner join watches
    on watches.watch_id = watch_snapshots.watch_id
left join best_packages
    on best_packages.watch_id = watch_snapshots.watch_id
    and best_packages.snapshot_at = watch_snapshots.snapshot_at
left join best_flights
    on best_flights.watch_id = watch_snapshots.watch_id
    and best_flights.snapshot_at = watch_snapshots.snapshot_at
left join best_hotels
    on best_hotels.watch_id = watch_snapshots.watch_id
    and best_hotels.snapshot_at = watch_snapshots.snapshot_at
