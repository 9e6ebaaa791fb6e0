{#
  Cross-provider comparison, one row per (item, observation day, provider) for items quoted by
  at least two providers that day. Each provider's price is its cheapest quote of the day for
  the item. consensus = median of the per-provider prices (percentile_cont(0.5): the mean of
  the middle two for an even count, so the mean for 2 providers), spread = (max - min) / min.
  other_consensus_eur_minor is the same median over the OTHER providers only: what a quote of
  this provider is judged against in fct_quote_anomalies.
  percentile_cont(...) within group (order by ...) is the same linear interpolation on DuckDB
  and PostgreSQL, so no dispatch is needed.
  A table, not a view: fct_quote_anomalies, fct_provider_reliability_daily and the data tests
  all read it, and on PostgreSQL each read of the view re-ran the whole comparison (~10 s at
  demo size).
#}

{{ config(materialized='table') }}

with items as (

    select * from {{ ref('int_quote_items') }}

),

provider_prices as (

    select
        quote_kind,
        item_key,
        observed_on,
        provider,
        min(price_eur_minor) as provider_price_eur_minor,
        count(*) as provider_quotes
    from items
    group by quote_kind, item_key, observed_on, provider

),

item_days as (

    select
        item_key,
        observed_on,
        count(*) as provider_count,
        percentile_cont(0.5) within group (
            order by cast(provider_price_eur_minor as double precision)
        ) as consensus_eur_minor,
        min(provider_price_eur_minor) as min_price_eur_minor,
        max(provider_price_eur_minor) as max_price_eur_minor
    from provider_prices
    group by item_key, observed_on
    having count(*) >= 2

),

others as (

    select
        mine.item_key,
        mine.observed_on,
        mine.provider,
        count(*) as other_provider_count,
        percentile_cont(0.5) within group (
            order by cast(theirs.provider_price_eur_minor as double precision)
        ) as other_consensus_eur_minor
    from provider_prices as mine
    inner join provider_prices as theirs
        on theirs.item_key = mine.item_key
        and theirs.observed_on = mine.observed_on
        and theirs.provider <> mine.provider
    group by mine.item_key, mine.observed_on, mine.provider

)

select
    provider_prices.quote_kind,
    provider_prices.item_key,
    provider_prices.observed_on,
    provider_prices.provider,
    provider_prices.provider_price_eur_minor,
    cast(provider_prices.provider_quotes as integer) as provider_quotes,
    cast(item_days.provider_count as integer) as provider_count,
    cast(item_days.consensus_eur_minor as double precision) as consensus_eur_minor,
    item_days.min_price_eur_minor,
    item_days.max_price_eur_minor,
    cast(item_days.max_price_eur_minor - item_days.min_price_eur_minor as double precision)
        / cast(nullif(item_days.min_price_eur_minor, 0) as double precision) as spread,
    cast(others.other_provider_count as integer) as other_provider_count,
    cast(others.other_consensus_eur_minor as double precision) as other_consensus_eur_minor
from provider_prices
inner join item_days
    on item_days.item_key = provider_prices.item_key
    and item_days.observed_on = provider_prices.observed_on
inner join others
    on others.item_key = provider_prices.item_key
    and others.observed_on = provider_prices.observed_on
    and others.provider = provider_prices.provider
