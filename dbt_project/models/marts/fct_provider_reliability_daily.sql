{#
  Provider reliability per (provider, day). Days come from the request log and from landed
  quotes (either may be missing for a day). See the yml for every metric and the score.
#}

{% set latency_target_ms = var('reliability_latency_target_ms', 2000) %}
{% set w_success = 'cast(0.4 as double precision)' %}
{% set w_latency = 'cast(0.2 as double precision)' %}
{% set w_freshness = 'cast(0.2 as double precision)' %}
{% set w_accuracy = 'cast(0.2 as double precision)' %}

with requests as (

    select * from {{ ref('stg_providers__requests') }}

),

request_days as (

    select
        provider,
        partition_date as observed_on,
        count(*) as requests,
        sum(case when status like 'skipped%' then 0 else 1 end) as sent_requests,
        sum(case when status = 'ok' then 1 else 0 end) as ok_count,
        sum(case when status = 'error' then 1 else 0 end) as error_count,
        sum(case when status like 'skipped%' then 1 else 0 end) as skipped_count,
        percentile_cont(0.5) within group (
            order by case when status not like 'skipped%' then latency_ms end
        ) as latency_p50_ms,
        percentile_cont(0.95) within group (
            order by case when status not like 'skipped%' then latency_ms end
        ) as latency_p95_ms,
        avg(case when status not like 'skipped%' then cast(attempts as double precision) end)
            as mean_attempts,
        sum(quotes_returned) as quotes_returned
    from requests
    group by provider, partition_date

),

quote_days as (

    select provider, observed_on, count(*) as quotes
    from {{ ref('fct_price_observations') }}
    group by provider, observed_on

),

anomaly_days as (

    select provider, observed_on, count(*) as anomalies
    from {{ ref('fct_quote_anomalies') }}
    group by provider, observed_on

),

-- Staleness: for each item a provider quoted on this day and on the item's previous
-- cross-provider observation day, alongside at least one other provider on both days: is its
-- price unchanged while some other provider's price moved?
-- Window functions only, no self-joins: joins of this 800k-row comparison with itself on
-- (item, day, provider) are misestimated by PostgreSQL, which then nests loops (minutes).
-- int_cross_provider_quotes is unique on (item_key, observed_on, provider).
cross_prices as (

    select
        item_key,
        observed_on,
        provider,
        provider_price_eur_minor as price,
        -- The item's observation days numbered 1, 2, ... (any provider): the previous
        -- observation day of the item is the one numbered one less.
        dense_rank() over (partition by item_key order by observed_on) as item_day_number
    from {{ ref('int_cross_provider_quotes') }}

),

provider_previous as (

    select
        item_key,
        observed_on,
        provider,
        price,
        item_day_number,
        lag(item_day_number) over (
            partition by item_key, provider order by observed_on
        ) as previous_item_day_number,
        lag(price) over (partition by item_key, provider order by observed_on) as previous_price
    from cross_prices

),

-- The provider quoted the item on the item's previous observation day too.
price_moves as (

    select
        item_key,
        observed_on,
        provider,
        case when price <> previous_price then 1 else 0 end as moved
    from provider_previous
    where previous_item_day_number = item_day_number - 1

),

-- Comparable: at least one other provider has a price_moves row for the item that day;
-- others_moved = how many of those moved.
comparable as (

    select
        provider,
        observed_on,
        moved,
        count(*) over (partition by item_key, observed_on) as providers,
        sum(moved) over (partition by item_key, observed_on) - moved as others_moved
    from price_moves

),

staleness_days as (

    select
        provider,
        observed_on,
        count(*) as comparable_items,
        sum(case when moved = 0 and others_moved > 0 then 1 else 0 end) as stale_items
    from comparable
    where providers >= 2
    group by provider, observed_on

),

provider_days as (

    select provider, observed_on from request_days
    union
    select provider, observed_on from quote_days

),

metrics as (

    select
        provider_days.provider,
        provider_days.observed_on,
        cast(coalesce(request_days.requests, 0) as bigint) as requests,
        cast(coalesce(request_days.sent_requests, 0) as bigint) as sent_requests,
        cast(coalesce(request_days.ok_count, 0) as bigint) as ok_count,
        cast(coalesce(request_days.error_count, 0) as bigint) as error_count,
        cast(coalesce(request_days.skipped_count, 0) as bigint) as skipped_count,
        cast(request_days.ok_count as double precision)
            / cast(nullif(request_days.sent_requests, 0) as double precision) as success_rate,
        -- Uptime KPI: skipped requests (budget, open circuit) count as data not collected.
        cast(request_days.ok_count as double precision)
            / cast(nullif(request_days.requests, 0) as double precision) as data_uptime,
        cast(request_days.latency_p50_ms as double precision) as latency_p50_ms,
        cast(request_days.latency_p95_ms as double precision) as latency_p95_ms,
        cast(request_days.mean_attempts as double precision) as mean_attempts,
        cast(coalesce(request_days.quotes_returned, 0) as bigint) as quotes_returned,
        cast(coalesce(quote_days.quotes, 0) as bigint) as quotes,
        cast(coalesce(anomaly_days.anomalies, 0) as bigint) as anomalies,
        cast(coalesce(anomaly_days.anomalies, 0) as double precision)
            / cast(nullif(quote_days.quotes, 0) as double precision) as anomaly_rate,
        cast(coalesce(staleness_days.comparable_items, 0) as bigint) as comparable_items,
        cast(coalesce(staleness_days.stale_items, 0) as bigint) as stale_items,
        cast(staleness_days.stale_items as double precision)
            / cast(nullif(staleness_days.comparable_items, 0) as double precision) as staleness_rate
    from provider_days
    left join request_days
        on request_days.provider = provider_days.provider
        and request_days.observed_on = provider_days.observed_on
    left join quote_days
        on quote_days.provider = provider_days.provider
        and quote_days.observed_on = provider_days.observed_on
    left join anomaly_days
        on anomaly_days.provider = provider_days.provider
        and anomaly_days.observed_on = provider_days.observed_on
    left join staleness_days
        on staleness_days.provider = provider_days.provider
        and staleness_days.observed_on = provider_days.observed_on

),

components as (

    select
        metrics.*,
        case
            when latency_p95_ms is null then null
            when latency_p95_ms <= {{ latency_target_ms }} then cast(1 as double precision)
            else cast({{ latency_target_ms }} as double precision) / latency_p95_ms
        end as latency_score
    from metrics

)

select
    components.*,
    (
        {{ w_success }} * coalesce(success_rate, 0)
        + {{ w_latency }} * coalesce(latency_score, 0)
        + {{ w_freshness }} * coalesce(1 - staleness_rate, 0)
        + {{ w_accuracy }} * coalesce(1 - anomaly_rate, 0)
    ) / nullif(
        case when success_rate is null then 0 else {{ w_success }} end
        + case when latency_score is null then 0 else {{ w_latency }} end
        + case when staleness_rate is null then 0 else {{ w_freshness }} end
        + case when anomaly_rate is null then 0 else {{ w_accuracy }} end,
        0
    ) as reliability_score
from components
