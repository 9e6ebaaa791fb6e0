-- At the latest observation instant, fct_best_offers picks the package fct_best_current_packages
-- serves, for the same watches. (Only comparable while both feeds' latest day is that instant's
-- day: the current mart pairs each feed's own latest day.)
with latest as (

    select max(observed_at) as observed_at, max(observed_on) as observed_on
    from {{ ref('fct_best_offers') }}

),

feeds as (

    select
        (select max(observed_on) from {{ ref('int_flight_legs_latest') }}) as flight_day,
        (select max(observed_on) from {{ ref('int_hotel_stays_latest') }}) as hotel_day

),

offers as (

    select best_offers.*
    from {{ ref('fct_best_offers') }} as best_offers
    inner join latest on latest.observed_at = best_offers.observed_at
    where best_offers.package_total_minor is not null

),

current_packages as (

    select * from {{ ref('fct_best_current_packages') }}

)

select coalesce(offers.watch_id, current_packages.watch_id) as watch_id
from offers
full outer join current_packages
    on current_packages.watch_id = offers.watch_id
cross join latest
cross join feeds
where feeds.flight_day = latest.observed_on
    and feeds.hotel_day = latest.observed_on
    and (
        offers.watch_id is null
        or current_packages.watch_id is null
        or offers.package_total_minor <> current_packages.package_total_minor
        or offers.package_outbound_offer_id <> current_packages.outbound_offer_id
        or offers.package_inbound_offer_id <> current_packages.inbound_offer_id
        or offers.package_hotel_offer_id <> current_packages.hotel_offer_id
        or offers.package_departure_date <> current_packages.departure_date
        or offers.package_nights <> current_packages.nights
        or offers.package_origin <> current_packages.origin
        or offers.package_destination <> current_packages.destination
    )
