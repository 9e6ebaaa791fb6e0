{#
  Currency conversion in integer minor units, exact on every adapter.

  converted = round_half_even(amount_minor / 10^from_exponent / from_rate * to_rate * 10^to_exponent)

  Rates are fixed-point decimals (rate_type), so scaling them by 10^6 gives exact integers and the
  whole conversion becomes one integer fraction. Rounding that fraction ourselves, half to even,
  matches wayra.money.convert (Python Decimal, ROUND_HALF_EVEN) to the minor unit; SQL round()
  would round halves away from zero, and DuckDB would evaluate a DECIMAL division in DOUBLE.
#}

{% macro rate_scale() %}1000000{% endmacro %}

{% macro rate_type() %}decimal(18, 6){% endmacro %}

{% macro convert_minor(amount_minor, from_exponent, from_units_per_eur, to_exponent, to_units_per_eur) %}
    {%- set wide = wayra.wide_integer_type() -%}
    {{ wayra.round_half_even_ratio(
        "cast(" ~ amount_minor ~ " as " ~ wide ~ ")"
        ~ " * cast(" ~ to_units_per_eur ~ " * " ~ wayra.rate_scale() ~ " as " ~ wide ~ ")"
        ~ " * " ~ wayra.pow10(to_exponent, wide),
        "cast(" ~ from_units_per_eur ~ " * " ~ wayra.rate_scale() ~ " as " ~ wide ~ ")"
        ~ " * " ~ wayra.pow10(from_exponent, wide)
    ) }}
{%- endmacro %}

{# 10^exponent as an exact integer; ISO 4217 exponents are 0..4. #}
{% macro pow10(exponent, wide) -%}
    cast(case {{ exponent }} when 0 then 1 when 1 then 10 when 2 then 100 when 3 then 1000 when 4 then 10000 end as {{ wide }})
{%- endmacro %}

{#
  round_half_even(numerator / denominator) as bigint, for a positive denominator. Works on the
  magnitude and re-applies the sign so negative amounts round symmetrically.
#}
{% macro round_half_even_ratio(numerator, denominator) -%}
    {%- set n = "abs(" ~ numerator ~ ")" -%}
    {%- set d = "(" ~ denominator ~ ")" -%}
    {%- set q = wayra.integer_divide(n, d) -%}
    cast(
        sign({{ numerator }}) * (
            {{ q }}
            + case
                when 2 * ({{ n }} - {{ q }} * {{ d }}) > {{ d }} then 1
                when 2 * ({{ n }} - {{ q }} * {{ d }}) = {{ d }} then mod({{ q }}, 2)
                else 0
            end
        )
    as bigint)
{%- endmacro %}


{#
  The genuine adapter differences: the integer type wide enough for amount * rate * 10^exp
  (past bigint for large amounts in high-unit currencies), and truncating division on it
  (DuckDB's `/` always returns a fraction, PostgreSQL has no `//`).
#}
{% macro wide_integer_type() %}
    {{- return(adapter.dispatch('wide_integer_type', 'wayra')()) -}}
{% endmacro %}

{% macro default__wide_integer_type() %}numeric(38, 0){% endmacro %}

{% macro duckdb__wide_integer_type() %}hugeint{% endmacro %}

{% macro integer_divide(numerator, denominator) %}
    {{- return(adapter.dispatch('integer_divide', 'wayra')(numerator, denominator)) -}}
{% endmacro %}

{% macro default__integer_divide(numerator, denominator) %}div({{ numerator }}, {{ denominator }}){% endmacro %}

{% macro duckdb__integer_divide(numerator, denominator) %}(({{ numerator }}) // ({{ denominator }})){% endmacro %}
