{# Non-null values of the column outside [min_value, max_value] (a stand-in for dbt_utils.accepted_range). #}
{% test value_between(model, column_name, min_value, max_value) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}

{% endtest %}
