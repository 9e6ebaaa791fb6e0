{#
  Every flight the package optimizer may use for an active watch right now: the latest day's
  flight legs that pass the watch's filters (party size, cabin, seats, stops, excluded
  airlines), both directions, on every route the watch covers, priced in the watch currency
  exactly as fct_best_current_packages prices them (same CTEs: wayra.watch_package_ctes).
  fct_best_current_packages keeps the cheapest of these per date; the optimizer weighs them all.
#}

with {{ wayra.watch_package_ctes(ref('int_flight_legs_latest'), ref('int_hotel_stays_latest')) }},

options as (

    {% for leg in ['outbound', 'inbound'] %}
    select '{{ leg }}' as direction, {{ leg }}_options.*
    from {{ leg }}_options
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select
    cast(watch_id as text) as watch_id,
    cast(direction as text) as direction,
    cast(route_origin as text) as route_origin,
    cast(route_destination as text) as route_destination,
    cast(route_city_code as text) as destination_city_code,
    cast(observed_on as date) as observed_on,
    cast(departure_date as date) as departure_date,
    cast(provider as text) as provider,
    cast(offer_id as text) as offer_id,
    cast(carrier as text) as carrier,
    cast(flight_number as text) as flight_number,
    cast(departure_at as timestamptz) as departure_at,
    cast(arrival_at as timestamptz) as arrival_at,
    cast(duration_minutes as integer) as duration_minutes,
    cast(stops as integer) as stops,
    cast(seats_left as integer) as seats_left,
    cast(total_minor as bigint) as total_minor,
    cast(currency as text) as currency,
    cast(converted_minor as bigint) as converted_minor,
    cast(fx_rate_date as date) as fx_rate_date,
    cast(is_preferred_airline = 1 as boolean) as is_preferred_airline

from options
