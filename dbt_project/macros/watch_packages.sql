{#
  Shared by the "latest" models (int_flight_legs_latest, int_hotel_stays_latest,
  int_watch_package_candidates, fct_best_current_packages) and the per-observation-time ones
  (int_flight_legs_observed, int_hotel_stays_observed, fct_best_offers), so "eligible",
  "cheapest" and "best" mean the same in both.

  Snapshots. A collection run lands all its quotes at one observation instant. The snapshot as
  of instant T is, per offer, its last observation on T's observation day at or before T (the
  day's earlier runs still count, as they do for the latest day); the latest snapshot of the
  latest day is therefore exactly what the "latest" models see.
#}

{#
  Quotes of one feed with the ECB rate of their currency on their observation day, one row per
  offer and search: of the latest observation day (every_instant=false), or of every
  observation instant (every_instant=true, with `snapshot_at`). A currency without an ECB rate
  cannot be compared, so it cannot be offered: dropped.
#}
{% macro quote_snapshots(kind, every_instant=false) %}
{%- if kind == 'flight' -%}
    {%- set quotes_model = 'stg_providers__flight_quotes' -%}
    {%- set offer_key = ['provider', 'offer_id', 'origin', 'destination', 'departure_date', 'adults', 'cabin'] -%}
    {%- set required = ['offer_id', 'total_minor', 'currency', 'departure_date'] -%}
    {%- set columns = [
        'provider', 'offer_id', 'request_id', 'observed_at', 'origin', 'destination',
        'departure_date', 'adults', 'cabin', 'carrier', 'flight_number', 'stops', 'departure_at',
        'arrival_at', 'duration_minutes', 'seats_left', 'total_minor', 'currency',
    ] -%}
{%- else -%}
    {%- set quotes_model = 'stg_providers__hotel_quotes' -%}
    {%- set offer_key = ['provider', 'offer_id', 'city_code', 'hotel_id', 'check_in', 'nights', 'adults'] -%}
    {%- set required = ['offer_id', 'total_minor', 'currency', 'check_in', 'nights'] -%}
    {%- set columns = [
        'provider', 'offer_id', 'request_id', 'observed_at', 'city_code', 'hotel_id',
        'hotel_name', 'stars', 'latitude', 'longitude', 'distance_km', 'check_in', 'check_out',
        'nights', 'adults', 'room_type', 'is_refundable', 'rooms_left', 'total_minor', 'currency',
    ] -%}
{%- endif -%}

with quotes as (

    select * from {{ ref(quotes_model) }}

),

rates as (

    select * from {{ ref('stg_ecb__rates') }}

),

-- Contracted rows always have these; staying defensive keeps a NULL from winning a min().
valid_quotes as (

    select quotes.*
    from quotes
    where {% for column in required %}quotes.{{ column }} is not null{{ " and " if not loop.last }}{% endfor %}

),

{% if every_instant %}

-- Every observation instant of either feed: a flight-only run still moves the hotels' clock.
snapshots as (

    select distinct partition_date, observed_at as snapshot_at
    from {{ ref('stg_providers__flight_quotes') }}
    union
    select distinct partition_date, observed_at as snapshot_at
    from {{ ref('stg_providers__hotel_quotes') }}

),

-- Each observation holds until the same offer is observed again that day: the last word counts
-- (a same-instant repeat supersedes at once, so the later request id wins, as in the latest day).
observations as (

    select
        valid_quotes.*,
        lead(observed_at) over (
            partition by partition_date, {{ offer_key | join(', ') }}
            order by observed_at, request_id
        ) as superseded_at
    from valid_quotes

),

current_observations as (

    select snapshots.snapshot_at, observations.*
    from observations
    inner join snapshots
        on snapshots.partition_date = observations.partition_date
        and snapshots.snapshot_at >= observations.observed_at
        and (observations.superseded_at is null or snapshots.snapshot_at < observations.superseded_at)

)

{% else %}

latest_day as (

    select max(partition_date) as observed_on from quotes

),

ranked_observations as (

    -- A search re-run during the day can return the same offer again; the last word counts.
    select
        valid_quotes.*,
        row_number() over (
            partition by {{ offer_key | join(', ') }}
            order by observed_at desc, request_id desc
        ) as observation_rank
    from valid_quotes
    inner join latest_day on valid_quotes.partition_date = latest_day.observed_on

),

current_observations as (

    select * from ranked_observations where observation_rank = 1

)

{% endif %}

select
    current_observations.partition_date as observed_on,
    {% if every_instant %}current_observations.snapshot_at,{% endif %}
    {%- for column in columns %}
    current_observations.{{ column }},
    {%- endfor %}
    rates.minor_unit_exponent as price_exponent,
    rates.units_per_eur as price_units_per_eur,
    rates.rate_date as price_rate_date

from current_observations
inner join rates
    on rates.partition_date = current_observations.partition_date
    and rates.currency = current_observations.currency
{% endmacro %}


{#
  CTEs (no leading `with`) that price every complete package a watch could buy from a snapshot
  of flight legs and hotel stays: one row per active watch x route (origin airport ->
  destination airport) x departure date in [depart_from, depart_to] x nights in
  [nights_min, nights_max] for which a cheapest outbound flight, inbound flight (back to the
  same origin, from the same destination: no open jaws) and hotel stay all exist. "Cheapest"
  compares prices after exact conversion into the watch currency at the ECB rates of the
  quote's observation day; among equally cheap flights a preferred airline wins.

  `snapshot` names the column that tells snapshots apart in `flights` and `hotels`
  (`snapshot_at`), or is none for a single snapshot. Defines: watch_routes, trips,
  cheapest_outbound, cheapest_inbound, cheapest_hotel, flight_pairs (trips with both flights)
  and packages (flight pairs with their hotel stay; the int_watch_package_candidates columns,
  after `snapshot` when given).
#}
{% macro watch_package_ctes(flights, hotels, snapshot=none) %}
{%- set max_day_offset = 400 -%}
{%- set by_snapshot = [snapshot] if snapshot else [] -%}

{#- Great-circle distance (km) from the watch's point to the hotel. Only functions DuckDB and
    PostgreSQL define alike; least() keeps asin() in its domain despite rounding. -#}
{% set hotel_point_distance_km %}
    2 * 6371.0088 * asin(least(cast(1 as double precision), sqrt(
        power(sin(radians(hotels.latitude - watches.hotel_point_latitude) / 2), 2)
        + cos(radians(watches.hotel_point_latitude)) * cos(radians(hotels.latitude))
        * power(sin(radians(hotels.longitude - watches.hotel_point_longitude) / 2), 2)
    )))
{% endset %}

watches as (

    select * from (
        select
            watch_extracts.*,
            -- The extract is a snapshot, but a doubled extract must not double the packages.
            row_number() over (partition by watch_id order by extracted_at desc) as extract_rank
        from {{ ref('stg_operational__watches') }} as watch_extracts
    ) as latest_extract
    where extract_rank = 1 and status = 'active'

),

routes as (

    select distinct watch_id, origin, destination, destination_city_code
    from (
        select
            route_extracts.*,
            max(extracted_at) over (partition by watch_id) as latest_extracted_at
        from {{ ref('stg_operational__watch_routes') }} as route_extracts
    ) as latest_routes
    where extracted_at = latest_extracted_at

),

watch_routes as (

    select
        watches.*,
        routes.origin,
        routes.destination,
        routes.destination_city_code
    from watches
    inner join routes
        on routes.watch_id = watches.watch_id

),

watch_cities as (

    select distinct
        watches.*,
        routes.destination_city_code
    from watches
    inner join routes
        on routes.watch_id = watches.watch_id

),

flights as (

    select * from {{ flights }}

),

hotels as (

    select * from {{ hotels }}

),

rates as (

    select * from {{ ref('stg_ecb__rates') }}

),

day_offsets as (

    select cast(generated_number as integer) - 1 as day_offset
    from ({{ dbt.generate_series(max_day_offset) }}) as series

),

trips as (

    select
        watches.watch_id,
        cast(watches.depart_from + departure_offsets.day_offset as date) as departure_date,
        night_counts.day_offset as nights,
        cast(watches.depart_from + departure_offsets.day_offset + night_counts.day_offset as date)
            as return_date
    from watches
    inner join day_offsets as departure_offsets
        on departure_offsets.day_offset <= watches.depart_to - watches.depart_from
    inner join day_offsets as night_counts
        on night_counts.day_offset between watches.nights_min and watches.nights_max

),

{% for leg, from_col, to_col, first_day, last_day in [
    ('outbound', 'origin', 'destination', 'watches.depart_from', 'watches.depart_to'),
    ('inbound', 'destination', 'origin',
        'watches.depart_from + watches.nights_min', 'watches.depart_to + watches.nights_max'),
] %}
{{ leg }}_options as (

    select
        watches.watch_id,
        watches.origin as route_origin,
        watches.destination as route_destination,
        watches.destination_city_code as route_city_code,
        {%- for column in by_snapshot %}
        flights.{{ column }},
        {%- endfor %}
        flights.observed_on,
        flights.departure_date,
        flights.provider,
        flights.offer_id,
        flights.carrier,
        flights.flight_number,
        flights.departure_at,
        flights.arrival_at,
        flights.duration_minutes,
        flights.stops,
        flights.seats_left,
        flights.total_minor,
        flights.currency,
        {{ wayra.convert_minor(
            'flights.total_minor', 'flights.price_exponent', 'flights.price_units_per_eur',
            'watch_rates.minor_unit_exponent', 'watch_rates.units_per_eur'
        ) }} as converted_minor,
        least(flights.price_rate_date, watch_rates.rate_date) as fx_rate_date,
        case
            when watches.preferred_airlines is not null and flights.carrier is not null
                -- Lists are comma-separated codes: match whole codes, not substrings.
                and strpos(
                    ',' || watches.preferred_airlines || ',', ',' || upper(flights.carrier) || ','
                ) > 0
            then 1 else 0
        end as is_preferred_airline
    from watch_routes as watches
    inner join flights
        on flights.origin = watches.{{ from_col }}
        and flights.destination = watches.{{ to_col }}
        and flights.departure_date between {{ first_day }} and {{ last_day }}
        and flights.adults = watches.adults
        and flights.cabin = watches.cabin
        and (flights.seats_left is null or flights.seats_left >= watches.adults)
        and (watches.max_stops is null or flights.stops <= watches.max_stops)
        -- An offer without a carrier cannot be checked against the list and is kept.
        and (
            watches.excluded_airlines is null
            or flights.carrier is null
            or strpos(
                ',' || watches.excluded_airlines || ',', ',' || upper(flights.carrier) || ','
            ) = 0
        )
    inner join rates as watch_rates
        on watch_rates.partition_date = flights.observed_on
        and watch_rates.currency = watches.currency

),

cheapest_{{ leg }} as (

    select * from (
        select
            {{ leg }}_options.*,
            row_number() over (
                partition by {% for column in by_snapshot %}{{ column }}, {% endfor -%}
                    watch_id, route_origin, route_destination, departure_date
                order by converted_minor, is_preferred_airline desc, offer_id, provider
            ) as price_rank
        from {{ leg }}_options
    ) as ranked
    where price_rank = 1

),
{% endfor %}

hotel_options as (

    select
        watches.watch_id,
        hotels.city_code,
        {%- for column in by_snapshot %}
        hotels.{{ column }},
        {%- endfor %}
        hotels.observed_on,
        hotels.check_in,
        hotels.nights,
        hotels.provider,
        hotels.offer_id,
        hotels.hotel_id,
        hotels.hotel_name,
        hotels.stars,
        hotels.latitude,
        hotels.longitude,
        hotels.room_type,
        hotels.rooms_left,
        hotels.is_refundable,
        hotels.total_minor,
        hotels.currency,
        {{ wayra.convert_minor(
            'hotels.total_minor', 'hotels.price_exponent', 'hotels.price_units_per_eur',
            'watch_rates.minor_unit_exponent', 'watch_rates.units_per_eur'
        ) }} as converted_minor,
        least(hotels.price_rate_date, watch_rates.rate_date) as fx_rate_date
    from watch_cities as watches
    inner join hotels
        on hotels.city_code = watches.destination_city_code
        and hotels.check_in between watches.depart_from and watches.depart_to
        and hotels.nights between watches.nights_min and watches.nights_max
        -- The planner searches stays for the watch's party size; other sizes price other rooms.
        and hotels.adults = watches.adults
        and (hotels.rooms_left is null or hotels.rooms_left >= 1)
        -- Unknown stars, refundability or location cannot satisfy a constraint on them.
        and (watches.hotel_min_stars is null or hotels.stars >= watches.hotel_min_stars)
        and (not coalesce(watches.hotel_refundable_only, false) or hotels.is_refundable)
        and (
            watches.hotel_max_distance_km is null
            or case
                when watches.hotel_point_latitude is null then hotels.distance_km
                else {{ hotel_point_distance_km }}
            end <= watches.hotel_max_distance_km
        )
    inner join rates as watch_rates
        on watch_rates.partition_date = hotels.observed_on
        and watch_rates.currency = watches.currency

),

cheapest_hotel as (

    select * from (
        select
            hotel_options.*,
            row_number() over (
                partition by {% for column in by_snapshot %}{{ column }}, {% endfor -%}
                    watch_id, city_code, check_in, nights
                order by converted_minor, offer_id, provider
            ) as price_rank
        from hotel_options
    ) as ranked
    where price_rank = 1

),

flight_pairs as (

    select
        {%- for column in by_snapshot %}
        cheapest_outbound.{{ column }},
        {%- endfor %}
        watches.watch_id,
        watches.user_id,
        cheapest_outbound.observed_on,
        trips.departure_date,
        trips.return_date,
        trips.nights,
        watches.currency,
        watches.budget_minor,
        watches.origin,
        watches.destination,
        watches.destination_city_code,

        cheapest_outbound.provider as outbound_provider,
        cheapest_outbound.offer_id as outbound_offer_id,
        cheapest_outbound.carrier as outbound_carrier,
        cheapest_outbound.flight_number as outbound_flight_number,
        cheapest_outbound.departure_at as outbound_departure_at,
        cheapest_outbound.arrival_at as outbound_arrival_at,
        cheapest_outbound.stops as outbound_stops,
        cheapest_outbound.total_minor as outbound_total_minor,
        cheapest_outbound.currency as outbound_currency,
        cheapest_outbound.converted_minor as outbound_converted_minor,
        cheapest_outbound.fx_rate_date as outbound_fx_rate_date,

        cheapest_inbound.provider as inbound_provider,
        cheapest_inbound.offer_id as inbound_offer_id,
        cheapest_inbound.carrier as inbound_carrier,
        cheapest_inbound.flight_number as inbound_flight_number,
        cheapest_inbound.departure_at as inbound_departure_at,
        cheapest_inbound.arrival_at as inbound_arrival_at,
        cheapest_inbound.stops as inbound_stops,
        cheapest_inbound.total_minor as inbound_total_minor,
        cheapest_inbound.currency as inbound_currency,
        cheapest_inbound.converted_minor as inbound_converted_minor,
        cheapest_inbound.fx_rate_date as inbound_fx_rate_date,

        cast(
            cheapest_outbound.is_preferred_airline + cheapest_inbound.is_preferred_airline
        as integer) as preferred_airline_legs

    from trips
    inner join watch_routes as watches
        on watches.watch_id = trips.watch_id
    inner join cheapest_outbound
        on cheapest_outbound.watch_id = trips.watch_id
        and cheapest_outbound.route_origin = watches.origin
        and cheapest_outbound.route_destination = watches.destination
        and cheapest_outbound.departure_date = trips.departure_date
    inner join cheapest_inbound
        on cheapest_inbound.watch_id = trips.watch_id
        and cheapest_inbound.route_origin = watches.origin
        and cheapest_inbound.route_destination = watches.destination
        and cheapest_inbound.departure_date = trips.return_date
        {%- for column in by_snapshot %}
        and cheapest_inbound.{{ column }} = cheapest_outbound.{{ column }}
        {%- endfor %}

),

packages as (

    select
        {%- for column in by_snapshot %}
        flight_pairs.{{ column }},
        {%- endfor %}
        flight_pairs.watch_id,
        flight_pairs.user_id,
        flight_pairs.observed_on,
        flight_pairs.departure_date,
        flight_pairs.return_date,
        flight_pairs.nights,
        cast(
            flight_pairs.outbound_converted_minor
            + flight_pairs.inbound_converted_minor
            + cheapest_hotel.converted_minor
        as bigint) as package_total_minor,
        flight_pairs.currency,
        flight_pairs.budget_minor,
        -- The oldest ECB publication any of the three conversions relied on.
        least(
            flight_pairs.outbound_fx_rate_date,
            flight_pairs.inbound_fx_rate_date,
            cheapest_hotel.fx_rate_date
        ) as fx_rate_date,

        flight_pairs.outbound_provider,
        flight_pairs.outbound_offer_id,
        flight_pairs.outbound_carrier,
        flight_pairs.outbound_flight_number,
        flight_pairs.outbound_departure_at,
        flight_pairs.outbound_arrival_at,
        flight_pairs.outbound_stops,
        flight_pairs.outbound_total_minor,
        flight_pairs.outbound_currency,
        flight_pairs.outbound_converted_minor,

        flight_pairs.inbound_provider,
        flight_pairs.inbound_offer_id,
        flight_pairs.inbound_carrier,
        flight_pairs.inbound_flight_number,
        flight_pairs.inbound_departure_at,
        flight_pairs.inbound_arrival_at,
        flight_pairs.inbound_stops,
        flight_pairs.inbound_total_minor,
        flight_pairs.inbound_currency,
        flight_pairs.inbound_converted_minor,

        cheapest_hotel.provider as hotel_provider,
        cheapest_hotel.offer_id as hotel_offer_id,
        cheapest_hotel.hotel_id,
        cheapest_hotel.hotel_name,
        cheapest_hotel.stars as hotel_stars,
        cheapest_hotel.is_refundable as hotel_refundable,
        cheapest_hotel.total_minor as hotel_total_minor,
        cheapest_hotel.currency as hotel_currency,
        cheapest_hotel.converted_minor as hotel_converted_minor,

        flight_pairs.origin,
        flight_pairs.destination,
        flight_pairs.destination_city_code,
        flight_pairs.preferred_airline_legs

    from flight_pairs
    inner join cheapest_hotel
        on cheapest_hotel.watch_id = flight_pairs.watch_id
        and cheapest_hotel.city_code = flight_pairs.destination_city_code
        and cheapest_hotel.check_in = flight_pairs.departure_date
        and cheapest_hotel.nights = flight_pairs.nights
        {%- for column in by_snapshot %}
        and cheapest_hotel.{{ column }} = flight_pairs.{{ column }}
        {%- endfor %}

)
{% endmacro %}


{#
  The order that picks a watch's best package among its candidates: cheapest total, then more
  legs on preferred airlines, then offer ids, dates and route, so reruns never flip the answer.
#}
{% macro best_package_order(prefix='') -%}
    {{ prefix }}package_total_minor,
    {{ prefix }}preferred_airline_legs desc,
    {{ prefix }}outbound_offer_id,
    {{ prefix }}inbound_offer_id,
    {{ prefix }}hotel_offer_id,
    {{ prefix }}departure_date,
    {{ prefix }}nights,
    {{ prefix }}origin,
    {{ prefix }}destination
{%- endmacro %}


{#
  Pre-hook of fct_best_offers. PostgreSQL estimates the chain of multi-column joins over the
  ranked CTEs at about one row each and then nests loops over tens of thousands of rows (more
  than 5 minutes on the demo's 60 days, 11 s with hash joins). SET LOCAL lasts until the model's
  transaction ends, so no other model is affected. DuckDB needs no hint.
#}
{% macro prefer_hash_joins() %}
    {{- return(adapter.dispatch('prefer_hash_joins', 'wayra')()) -}}
{% endmacro %}

{% macro default__prefer_hash_joins() %}{% endmacro %}

{% macro postgres__prefer_hash_joins() %}set local enable_nestloop = off{% endmacro %}
