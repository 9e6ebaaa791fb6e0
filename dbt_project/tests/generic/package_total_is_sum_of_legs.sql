{#
  A package's total is what the user is shown and charged against the budget; it must be exactly
  the sum of the converted legs (no rounding drift) and a real, positive price.
#}
{% test package_total_is_sum_of_legs(model) %}

select *
from {{ model }}
where package_total_minor is null
    or package_total_minor <= 0
    or package_total_minor
        <> outbound_converted_minor + inbound_converted_minor + hotel_converted_minor

{% endtest %}
