{#
  Post-hook of fct_price_observations: delete+insert rebuilds the days present in the batch, so
  a day whose raw rows were all removed at re-landing would keep its stale rows; this removes
  them. A no-op after a full refresh.
#}
{% macro delete_days_without_quotes() %}
    delete from {{ this }}
    where observed_on not in (
        select partition_date from {{ ref('stg_providers__flight_quotes') }}
        union
        select partition_date from {{ ref('stg_providers__hotel_quotes') }}
    )
{% endmacro %}


{#
  Daily price features of one kind of series, from `days` (a relation/CTE with the series key
  columns, observed_on, price_eur_minor = that day's minimum, plus per-day attributes).

  Lags and rolling windows are by CALENDAR day: each series gets a date spine from its first to
  its last observed day, so a missing day is a NULL row, `lag(x, 7)` is exactly 7 days back and
  `rows between 6 preceding and current row` is exactly 7 days. Every window only looks back, and
  the spine's end never changes a row's values, so no row depends on a later observation.
#}
{% macro daily_series_features(days, keys, attributes) %}
    {%- set partition = "partition by " ~ keys | join(", ") ~ " order by observed_on" -%}
    {%- set key_match = [] -%}
    {%- for key in keys -%}{%- do key_match.append("d." ~ key ~ " = spine." ~ key) -%}{%- endfor -%}

    series_bounds as (
        select {{ keys | join(", ") }}, min(observed_on) as first_day, max(observed_on) as last_day
        from {{ days }}
        group by {{ keys | join(", ") }}
    ),

    day_offsets as (
        select cast(offsets.n as integer) as day_offset
        from generate_series(
            0, (select coalesce(max(last_day - first_day), 0) from series_bounds)
        ) as offsets(n)
    ),

    spine as (
        select
            {% for key in keys %}series_bounds.{{ key }}, {% endfor %}
            cast(series_bounds.first_day + day_offsets.day_offset as date) as observed_on
        from series_bounds
        inner join day_offsets
            on day_offsets.day_offset <= series_bounds.last_day - series_bounds.first_day
    ),

    filled as (
        select
            spine.*,
            d.price_eur_minor
            {%- for attribute in attributes %}, d.{{ attribute }}{% endfor %}
        from spine
        left join {{ days }} as d
            on {{ key_match | join(" and ") }}
            and d.observed_on = spine.observed_on
    ),

    windowed as (
        select
            filled.*,
            lag(price_eur_minor, 1) over ({{ partition }}) as price_lag_1d_eur_minor,
            lag(price_eur_minor, 7) over ({{ partition }}) as price_lag_7d_eur_minor,
            {%- for n in [7, 14] %}
            min(price_eur_minor) over (
                {{ partition }} rows between {{ n - 1 }} preceding and current row
            ) as rolling_min_{{ n }}d_eur_minor,
            avg(cast(price_eur_minor as double precision)) over (
                {{ partition }} rows between {{ n - 1 }} preceding and current row
            ) as rolling_mean_{{ n }}d_eur_minor,
            stddev_samp(cast(price_eur_minor as double precision)) over (
                {{ partition }} rows between {{ n - 1 }} preceding and current row
            ) as rolling_std_{{ n }}d_eur_minor,
            cast(count(price_eur_minor) over (
                {{ partition }} rows between {{ n - 1 }} preceding and current row
            ) as integer) as observed_days_{{ n }}d{{ "," if not loop.last }}
            {%- endfor %}
        from filled
    )
{% endmacro %}


{#
  Shared by int_flight_daily_series and int_hotel_daily_series: from a `quotes` CTE (rows of
  fct_price_observations for one kind of series), each provider's cheapest offer per day, the
  day's cheapest price across providers, and the backward-looking features.
#}
{% macro daily_price_series(keys, attributes) %}
-- Each provider's cheapest offer of the day: the spread compares providers, not offers.
provider_days as (

    select {{ keys | join(", ") }}, observed_on, provider, min(price_eur_minor) as provider_min
    from quotes
    group by {{ keys | join(", ") }}, observed_on, provider

),

provider_summary as (

    select
        {{ keys | join(", ") }},
        observed_on,
        min(provider_min) as price_eur_minor,
        max(provider_min) as max_provider_price_eur_minor,
        cast(count(*) as integer) as provider_count
    from provider_days
    group by {{ keys | join(", ") }}, observed_on

),

day_attributes as (

    select
        {{ keys | join(", ") }},
        observed_on,
        min(inventory_left) as inventory_left_min,
        bool_or(coalesce(is_promotion, false)) as has_promotion,
        -- Functions of (series, day) only; max() just picks the single value.
        max(days_to_departure) as days_to_departure,
        max(departure_weekday) as departure_weekday,
        max(observation_weekday) as observation_weekday,
        bool_or(is_departure_holiday) as is_departure_holiday,
        max(days_to_nearest_holiday) as days_to_nearest_holiday
    from quotes
    group by {{ keys | join(", ") }}, observed_on

),

days as (

    select provider_summary.*, {% for a in attributes if a not in ["provider_count", "max_provider_price_eur_minor"] %}day_attributes.{{ a }}{{ ", " if not loop.last }}{% endfor %}
    from provider_summary
    inner join day_attributes
        on {% for key in keys %}day_attributes.{{ key }} = provider_summary.{{ key }} and {% endfor %}day_attributes.observed_on = provider_summary.observed_on

),

{{ wayra.daily_series_features("days", keys, attributes) }}

select
    {{ keys | join(", ") }},
    observed_on,
    price_eur_minor,
    provider_count,
    price_lag_1d_eur_minor,
    price_lag_7d_eur_minor,
    cast((price_eur_minor - price_lag_1d_eur_minor) as double precision)
        / price_lag_1d_eur_minor as pct_change_1d,
    rolling_min_7d_eur_minor,
    rolling_mean_7d_eur_minor,
    rolling_std_7d_eur_minor,
    observed_days_7d,
    rolling_min_14d_eur_minor,
    rolling_mean_14d_eur_minor,
    rolling_std_14d_eur_minor,
    observed_days_14d,
    cast(max_provider_price_eur_minor - price_eur_minor as double precision)
        / nullif(price_eur_minor, 0) as provider_spread,
    inventory_left_min,
    has_promotion,
    days_to_departure,
    departure_weekday,
    observation_weekday,
    is_departure_holiday,
    days_to_nearest_holiday
from windowed
-- Spine days without an observation only serve the windows.
where price_eur_minor is not null
{% endmacro %}
