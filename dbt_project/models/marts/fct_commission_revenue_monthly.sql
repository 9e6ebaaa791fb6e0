{#
  KPI "booking commission revenue": one row per calendar month (UTC) of confirmation,
  booking currency and product (flight, hotel) with commission. Definitions in the yml.
#}

{%- set wide = wayra.wide_integer_type() -%}

with confirmed_bookings as (

    -- Confirmed and still standing: cancelling and cancelled bookings refund the traveler,
    -- and a booking without a capture has earned nothing.
    select
        b.booking_id,
        b.currency,
        b.confirmed_on - cast(extract(day from b.confirmed_on) as integer) + 1 as month_start,
        pay.captured_minor,
        pay.refunded_minor,
        pay.fx_rate_date
    from {{ ref('stg_operational__bookings') }} as b
    inner join {{ ref('stg_operational__booking_payments') }} as pay
        on pay.booking_id = b.booking_id
    where b.state = 'confirmed'
        and pay.captured_minor > 0

),

ecb_rates as (

    -- One rate per currency and publication date (many observation days share one).
    select distinct currency, rate_date, units_per_eur, minor_unit_exponent
    from {{ ref('stg_ecb__rates') }}

),

leg_commissions as (

    -- A refund on a standing booking (a partial refund) reduces every leg in proportion to
    -- its share of the charge. Each leg is rounded once, half to even:
    -- net_paid = charge x (captured - refunded) / captured,
    -- commission = charge x (captured - refunded) x bps / (captured x 10000).
    select
        c.booking_id,
        c.month_start,
        c.currency,
        l.product,
        r.commission_bps,
        l.charge_minor,
        {{ wayra.round_half_even_ratio(
            "cast(l.charge_minor as " ~ wide ~ ") * (c.captured_minor - c.refunded_minor)",
            "cast(c.captured_minor as " ~ wide ~ ")"
        ) }} as net_paid_minor,
        {{ wayra.round_half_even_ratio(
            "cast(l.charge_minor as " ~ wide ~ ") * (c.captured_minor - c.refunded_minor) * r.commission_bps",
            "cast(c.captured_minor as " ~ wide ~ ") * 10000"
        ) }} as commission_minor,
        c.fx_rate_date
    from confirmed_bookings as c
    inner join {{ ref('stg_operational__booking_legs') }} as l on l.booking_id = c.booking_id
    inner join {{ ref('commission_rates') }} as r on r.product = l.product

),

leg_commissions_eur as (

    -- In EUR at the ECB rate the booking was priced at (its payment's fx_rate_date); NULL
    -- when that rate has not been landed.
    select
        lc.*,
        case when fx.units_per_eur is not null then
            {{ wayra.convert_minor('lc.commission_minor', 'fx.minor_unit_exponent', 'fx.units_per_eur', 2, 1) }}
        end as commission_eur_minor
    from leg_commissions as lc
    left join ecb_rates as fx
        on fx.currency = lc.currency
        and fx.rate_date = lc.fx_rate_date

)

select
    cast(month_start as date) as month_start,
    cast(currency as text) as currency,
    cast(product as text) as product,
    cast(count(distinct booking_id) as bigint) as confirmed_bookings,
    cast(max(commission_bps) as integer) as commission_bps,
    cast(sum(charge_minor) as bigint) as charged_minor,
    cast(sum(net_paid_minor) as bigint) as net_paid_minor,
    cast(sum(commission_minor) as bigint) as commission_minor,
    -- Only when every leg of the row could be converted: a partial sum would understate it.
    cast(
        case when count(commission_eur_minor) = count(*) then sum(commission_eur_minor) end
        as bigint
    ) as commission_eur_minor
from leg_commissions_eur
group by month_start, currency, product
