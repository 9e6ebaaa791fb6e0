-- The cheapest flight round trip and the cheapest stay are chosen among supersets of the
-- package's legs: neither may be missing or dearer while a package exists.
select watch_id, observed_at
from {{ ref('fct_best_offers') }}
where package_total_minor is not null
    and (
        flight_total_minor is null
        or hotel_total_minor is null
        or flight_total_minor > package_outbound_converted_minor + package_inbound_converted_minor
        or hotel_total_minor > package_hotel_converted_minor
    )
