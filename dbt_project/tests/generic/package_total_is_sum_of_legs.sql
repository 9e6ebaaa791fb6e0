{#
  A package's total is what the user is shown and charged against the budget; it must be exactly
  the sum of the converted legs (no rounding drift) and a real, positive price. `total` and
  `legs` name the columns where a mart prefixes them (fct_best_offers); rows without a package
  are left out with the test's `where` config.
#}
{% test package_total_is_sum_of_legs(
    model,
    total='package_total_minor',
    legs=['outbound_converted_minor', 'inbound_converted_minor', 'hotel_converted_minor']
) %}

select *
from {{ model }}
where {{ total }} is null
    or {{ total }} <= 0
    or {{ total }}
        <> {{ legs | join(' + ') }}

{% endtest %}
