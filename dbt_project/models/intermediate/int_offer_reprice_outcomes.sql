{#
  What became of every quote when its provider next collected the same search: the history's
  own stand-in for re-prices until the booking flow records real ones (see the yml).

  A quote is re-priced by the first SUCCESSFUL request of the same provider for the same
  search after the quote's own request, if that comes within var('reprice_window_hours')
  (default 36). Failed and skipped requests in between say nothing about the offer, so they are
  stepped over. The outcome is then:
    held       quoted again at <= the original price + var('reprice_tolerance_per_mille') (5 =
               0.5%), compared in the quote's own currency (no exchange-rate noise);
    rose       quoted again, dearer than that;
    withdrawn  not in the response although the search was collected (sold out / withdrawn);
  and, where the history cannot tell (no label):
    no_request_log    the quote's request is not in the request log, so its search is unknown;
    not_recollected   no successful collection of the search within the window;
    trip_started      the re-price falls on or after the travel date: whether the offer is
                      still listed then depends on the hour it leaves, not on its price;
    unreadable        the offer came back but its row broke the data contract (quarantined),
                      or it is absent from a response holding a quarantined row without an
                      offer id (which could be it);
    currency_changed  the offer came back in another currency.
#}

{%- set window_hours = var('reprice_window_hours', 36) -%}
{%- set tolerance_per_mille = var('reprice_tolerance_per_mille', 5) -%}

with quotes as (

    select
        quote_kind,
        observed_on,
        observed_at,
        provider,
        offer_id,
        request_id,
        departure_date,
        total_minor,
        currency,
        price_eur_minor
    from {{ ref('fct_price_observations') }}

),

requests as (

    select partition_date, provider, request_id, requested_at, search_key, status
    from {{ ref('stg_providers__requests') }}

),

-- One row per (provider, search, instant): re-running an instant replaces its rows, so there is
-- normally one request per instant; grouping keeps "the next instant" strictly later regardless.
search_instants as (

    select
        provider,
        search_key,
        requested_at,
        min(partition_date) as partition_date,
        min(case when status = 'ok' then request_id end) as ok_request_id
    from requests
    group by provider, search_key, requested_at

),

-- At the request level, not per quote: requests are far fewer than the quotes they return.
next_collections as (

    select
        provider,
        search_key,
        requested_at,
        min(case when ok_request_id is not null then requested_at end) over (
            partition by provider, search_key
            order by requested_at
            rows between 1 following and unbounded following
        ) as next_collected_at
    from search_instants

),

quote_requests as (

    select
        quotes.*,
        requests.search_key,
        requests.requested_at,
        next_collections.next_collected_at
    from quotes
    left join requests
        on requests.provider = quotes.provider
        and requests.request_id = quotes.request_id
    left join next_collections
        on next_collections.provider = requests.provider
        and next_collections.search_key = requests.search_key
        and next_collections.requested_at = requests.requested_at

),

repriced as (

    select
        quote_requests.*,
        reprice_instants.ok_request_id as reprice_request_id,
        reprice_instants.partition_date as reprice_partition_date
    from quote_requests
    left join search_instants as reprice_instants
        on reprice_instants.provider = quote_requests.provider
        and reprice_instants.search_key = quote_requests.search_key
        and reprice_instants.requested_at = quote_requests.next_collected_at
        and quote_requests.next_collected_at
            <= quote_requests.requested_at + interval '{{ window_hours }} hours'

),

-- Every contract-valid row a response held, in its own currency (also those fct_price_observations
-- drops for want of an ECB rate: the offer was still quoted).
returned_offers as (

    select provider, request_id, offer_id, total_minor, currency
    from {{ ref('stg_providers__flight_quotes') }}
    union all
    select provider, request_id, offer_id, total_minor, currency
    from {{ ref('stg_providers__hotel_quotes') }}

),

requotes as (

    select
        provider,
        request_id,
        offer_id,
        min(total_minor) as total_minor,
        min(currency) as currency,
        max(currency) as max_currency
    from returned_offers
    where offer_id is not null and total_minor is not null
    group by provider, request_id, offer_id

),

quarantined as (

    select provider, request_id, offer_id
    from {{ ref('stg_providers__quote_quarantine') }}

),

unreadable_requotes as (

    select distinct provider, request_id, offer_id
    from quarantined
    where offer_id is not null

),

-- A quarantined row without an offer id could be any offer of its response, so an offer absent
-- from that response may have been quoted after all: unknown, not withdrawn.
anonymous_unreadable_responses as (

    select distinct provider, request_id
    from quarantined
    where offer_id is null

),

outcomes as (

    select
        repriced.*,
        requotes.total_minor as repriced_total_minor,
        requotes.currency as repriced_currency,
        case
            when repriced.search_key is null then 'no_request_log'
            when repriced.reprice_request_id is null then 'not_recollected'
            when repriced.departure_date <= repriced.reprice_partition_date then 'trip_started'
            when requotes.offer_id is not null
                and (requotes.currency <> requotes.max_currency
                    or requotes.currency <> repriced.currency)
                then 'currency_changed'
            when requotes.offer_id is not null
                and 1000 * requotes.total_minor
                    <= (1000 + {{ tolerance_per_mille }}) * repriced.total_minor
                then 'held'
            when requotes.offer_id is not null then 'rose'
            when unreadable_requotes.offer_id is not null
                or anonymous_unreadable_responses.request_id is not null
                then 'unreadable'
            else 'withdrawn'
        end as reprice_outcome
    from repriced
    left join requotes
        on requotes.provider = repriced.provider
        and requotes.request_id = repriced.reprice_request_id
        and requotes.offer_id = repriced.offer_id
    left join unreadable_requotes
        on unreadable_requotes.provider = repriced.provider
        and unreadable_requotes.request_id = repriced.reprice_request_id
        and unreadable_requotes.offer_id = repriced.offer_id
    left join anonymous_unreadable_responses
        on anonymous_unreadable_responses.provider = repriced.provider
        and anonymous_unreadable_responses.request_id = repriced.reprice_request_id

)

select
    quote_kind,
    provider,
    offer_id,
    observed_at,
    observed_on,
    request_id,
    search_key,
    departure_date,
    total_minor,
    currency,
    price_eur_minor,
    case when reprice_outcome = 'not_recollected' then null else reprice_request_id end
        as reprice_request_id,
    case when reprice_outcome = 'not_recollected' then null else next_collected_at end
        as repriced_at,
    repriced_total_minor,
    repriced_currency,
    reprice_outcome,
    case
        when reprice_outcome = 'held' then true
        when reprice_outcome in ('rose', 'withdrawn') then false
    end as still_bookable_at_price
from outcomes
