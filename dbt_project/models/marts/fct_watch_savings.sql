{#
  Savings KPI: per active watch, its best package price at the first observation instant that
  had one against its best package price now (the latest observation instant), and the average
  over watches. Definitions in the yml.
#}

with offers as (

    select watch_id, user_id, currency, observed_at, package_total_minor
    from {{ ref('fct_best_offers') }}

),

latest as (

    select max(observed_at) as observed_at from offers

),

packages as (

    select
        offers.*,
        row_number() over (partition by watch_id order by observed_at) as first_rank,
        cast(count(*) over (partition by watch_id) as integer) as observations_with_package
    from offers
    where package_total_minor is not null

),

first_packages as (

    select * from packages where first_rank = 1

),

current_packages as (

    select offers.watch_id, offers.observed_at, offers.package_total_minor
    from offers
    inner join latest on latest.observed_at = offers.observed_at
    where offers.package_total_minor is not null

),

savings as (

    select
        first_packages.watch_id,
        first_packages.user_id,
        first_packages.currency,
        first_packages.observations_with_package,
        first_packages.observed_at as first_observed_at,
        first_packages.package_total_minor as first_package_total_minor,
        current_packages.observed_at as current_observed_at,
        current_packages.package_total_minor as current_package_total_minor,
        first_packages.package_total_minor - current_packages.package_total_minor as savings_minor,
        cast(first_packages.package_total_minor - current_packages.package_total_minor as double precision)
            / cast(first_packages.package_total_minor as double precision) as savings_share
    from first_packages
    left join current_packages
        on current_packages.watch_id = first_packages.watch_id

)

select
    cast(watch_id as text) as watch_id,
    cast(user_id as text) as user_id,
    cast(currency as text) as currency,
    cast(first_observed_at as timestamptz) as first_observed_at,
    cast(first_package_total_minor as bigint) as first_package_total_minor,
    cast(current_observed_at as timestamptz) as current_observed_at,
    cast(current_package_total_minor as bigint) as current_package_total_minor,
    cast(savings_minor as bigint) as savings_minor,
    cast(savings_share as double precision) as savings_share,
    cast(avg(savings_share) over () as double precision) as avg_savings_share,
    cast(observations_with_package as integer) as observations_with_package
from savings
