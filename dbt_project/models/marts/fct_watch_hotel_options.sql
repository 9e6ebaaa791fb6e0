{#
  Every hotel stay the package optimizer may use for an active watch right now: the latest
  day's stay quotes in the watch's destination cities that pass its filters (party size, rooms
  left, stars, refundability, distance to its point), priced in the watch currency exactly as
  fct_best_current_packages prices them (same CTEs: wayra.watch_package_ctes).
#}

with {{ wayra.watch_package_ctes(ref('int_flight_legs_latest'), ref('int_hotel_stays_latest')) }}

select
    cast(hotel_options.watch_id as text) as watch_id,
    cast(hotel_options.city_code as text) as city_code,
    cast(hotel_options.observed_on as date) as observed_on,
    cast(hotel_options.check_in as date) as check_in,
    cast(hotel_options.nights as integer) as nights,
    cast(hotel_options.provider as text) as provider,
    cast(hotel_options.offer_id as text) as offer_id,
    cast(hotel_options.hotel_id as text) as hotel_id,
    cast(hotel_options.hotel_name as text) as hotel_name,
    cast(hotel_options.stars as integer) as stars,
    cast(hotel_options.latitude as double precision) as latitude,
    cast(hotel_options.longitude as double precision) as longitude,
    cast(hotel_options.room_type as text) as room_type,
    cast(hotel_options.rooms_left as integer) as rooms_left,
    cast(hotel_options.is_refundable as boolean) as is_refundable,
    cast(hotel_options.total_minor as bigint) as total_minor,
    cast(hotel_options.currency as text) as currency,
    cast(hotel_options.converted_minor as bigint) as converted_minor,
    cast(hotel_options.fx_rate_date as date) as fx_rate_date

from hotel_options
