{#
  Quotes whose EUR price deviates from the consensus of the OTHER providers quoting the same
  item that day by more than var('quote_anomaly_threshold') (default 0.25 = 25%), either way.
  Every quote is judged (not only a provider's cheapest), against the median of the other
  providers' cheapest prices (int_cross_provider_quotes.other_consensus_eur_minor).

  The reason's numbers are formatted in SQL the same way on both adapters: the percentage is
  |deviation| * 100 rounded half up, the consensus (a median of integers: whole or half cents)
  is shown rounded half up to the cent.
#}

{% set threshold = var('quote_anomaly_threshold', 0.25) %}

{#- EUR text of a whole number of cents, e.g. 51230 -> '512.30' -#}
{%- set eur_text = "cast(cast((CENTS - mod(CENTS, 100)) / 100 as bigint) as text) || '.' || lpad(cast(mod(CENTS, 100) as text), 2, '0')" %}

with items as (

    select * from {{ ref('int_quote_items') }}

),

consensus as (

    select * from {{ ref('int_cross_provider_quotes') }}

),

scored as (

    select
        items.quote_kind,
        items.provider,
        items.offer_id,
        items.observed_at,
        items.observed_on,
        items.item_key,
        items.price_eur_minor,
        consensus.other_consensus_eur_minor as consensus_eur_minor,
        consensus.other_provider_count,
        (cast(items.price_eur_minor as double precision) - consensus.other_consensus_eur_minor)
            / consensus.other_consensus_eur_minor as deviation
    from items
    inner join consensus
        on consensus.item_key = items.item_key
        and consensus.observed_on = items.observed_on
        and consensus.provider = items.provider
    where consensus.other_consensus_eur_minor > 0

),

flagged as (

    select
        scored.*,
        cast(floor(abs(deviation) * 100 + 0.5) as bigint) as deviation_percent,
        cast(floor(consensus_eur_minor + 0.5) as bigint) as consensus_cents
    from scored
    where abs(deviation) > cast({{ threshold }} as double precision)

)

select
    quote_kind,
    provider,
    offer_id,
    observed_at,
    observed_on,
    item_key,
    price_eur_minor,
    consensus_eur_minor,
    other_provider_count,
    deviation,
    cast(
        'price ' || cast(deviation_percent as text) || '% '
        || case when deviation > 0 then 'above' else 'below' end
        || ' the consensus of ' || cast(other_provider_count as text) || ' other provider'
        || case when other_provider_count = 1 then '' else 's' end
        || ' (EUR ' || {{ eur_text | replace('CENTS', 'price_eur_minor') }}
        || ' vs ' || {{ eur_text | replace('CENTS', 'consensus_cents') }} || ')'
    as text) as reason
from flagged
