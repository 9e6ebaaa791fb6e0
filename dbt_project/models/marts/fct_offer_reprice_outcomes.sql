{#
  Training rows of the bookability classifier (ml/bookability.py): every quote whose re-price
  outcome is known (int_offer_reprice_outcomes: held, rose or withdrawn), its label, and
  features known when the quote was observed. Nothing here reads past the quote's instant
  except the label columns (reprice_outcome, repriced_*, still_bookable_at_price).
#}

with labelled as (

    select *
    from {{ ref('int_offer_reprice_outcomes') }}
    where still_bookable_at_price is not null

),

observations as (

    select
        quotes.*,
        -- The key of fct_price_features.series_id (NULL when a key part is missing).
        case
            when quotes.quote_kind = 'flight' then
                'F|' || quotes.origin || '|' || quotes.destination
                || '|' || cast(quotes.departure_date as text) || '|' || quotes.cabin
                || '|' || cast(quotes.adults as text)
            else
                'H|' || quotes.city_code || '|' || cast(quotes.departure_date as text)
                || '|' || cast(quotes.nights as text) || '|' || cast(quotes.adults as text)
        end as series_id
    from {{ ref('fct_price_observations') }} as quotes

),

-- The series' cheapest price so far on the quote's own day, up to and including its instant:
-- fct_price_features' daily minimum would include later collections of the same day.
same_day_so_far as (

    select
        quote_kind,
        provider,
        offer_id,
        observed_at,
        min(price_eur_minor) over (
            partition by series_id, observed_on
            order by observed_at
            range between unbounded preceding and current row
        ) as day_min_so_far_eur_minor
    from observations
    where series_id is not null

),

-- The series' cheapest price over the 6 calendar days before each observation day. Day numbers
-- make the RANGE frame count calendar days on both adapters (missing days do not widen it).
prior_days as (

    select
        series_id,
        observed_on,
        min(price_eur_minor) over (
            partition by series_id
            order by day_number
            range between 6 preceding and 1 preceding
        ) as prior_6d_min_eur_minor
    from (
        select
            series_id,
            observed_on,
            price_eur_minor,
            cast(observed_on - cast('2000-01-01' as date) as integer) as day_number
        from {{ ref('fct_price_features') }}
    ) as series_days

),

flight_details as (

    select partition_date, provider, offer_id, observed_at, fare_bucket
    from {{ ref('stg_providers__flight_quotes') }}

),

joined as (

    select
        labelled.quote_kind,
        labelled.provider,
        labelled.offer_id,
        labelled.observed_at,
        labelled.observed_on,
        observations.series_id,
        observations.origin,
        observations.destination,
        observations.city_code,
        labelled.departure_date,
        labelled.repriced_at,
        labelled.reprice_outcome,
        labelled.still_bookable_at_price,
        labelled.total_minor,
        labelled.currency,
        labelled.repriced_total_minor,
        labelled.price_eur_minor,
        observations.days_to_departure,
        observations.inventory_left,
        flight_details.fare_bucket,
        observations.is_promotion,
        observations.is_refundable,
        observations.stops,
        case
            when prior_days.prior_6d_min_eur_minor < same_day_so_far.day_min_so_far_eur_minor
                then prior_days.prior_6d_min_eur_minor
            else same_day_so_far.day_min_so_far_eur_minor
        end as series_min_7d_eur_minor,
        observations.observation_weekday,
        observations.departure_weekday,
        observations.is_departure_holiday
    from labelled
    inner join observations
        on observations.quote_kind = labelled.quote_kind
        and observations.provider = labelled.provider
        and observations.offer_id = labelled.offer_id
        and observations.observed_at = labelled.observed_at
    left join same_day_so_far
        on same_day_so_far.quote_kind = labelled.quote_kind
        and same_day_so_far.provider = labelled.provider
        and same_day_so_far.offer_id = labelled.offer_id
        and same_day_so_far.observed_at = labelled.observed_at
    left join prior_days
        on prior_days.series_id = observations.series_id
        and prior_days.observed_on = labelled.observed_on
    left join flight_details
        on labelled.quote_kind = 'flight'
        and flight_details.partition_date = labelled.observed_on
        and flight_details.provider = labelled.provider
        and flight_details.offer_id = labelled.offer_id
        and flight_details.observed_at = labelled.observed_at

)

select
    quote_kind,
    provider,
    offer_id,
    observed_at,
    observed_on,
    series_id,
    origin,
    destination,
    city_code,
    departure_date,
    repriced_at,
    reprice_outcome,
    still_bookable_at_price,
    total_minor,
    currency,
    repriced_total_minor,
    price_eur_minor,
    days_to_departure,
    inventory_left,
    fare_bucket,
    is_promotion,
    is_refundable,
    stops,
    series_min_7d_eur_minor,
    cast(price_eur_minor as double precision)
        / nullif(series_min_7d_eur_minor, 0) as price_vs_series_min_7d,
    observation_weekday,
    departure_weekday,
    is_departure_holiday
from joined
