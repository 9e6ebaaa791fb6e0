{# A small stand-in for dbt_utils.unique_combination_of_columns, to keep the project package-free. #}
{% test unique_combination(model, columns) %}

select {{ columns | join(', ') }}
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
