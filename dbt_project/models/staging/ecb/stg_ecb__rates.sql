with source as (

    select * from {{ source('ecb', 'ecb_rates') }}

),

renamed as (

    select
        cast(partition_date as date) as partition_date,
        cast(upper(currency) as text) as currency,
        -- Raw rates are doubles; fixing them to the ECB's published precision here means every
        -- downstream conversion is exact decimal arithmetic, identical on DuckDB and PostgreSQL.
        cast(units_per_eur as {{ wayra.rate_type() }}) as units_per_eur,
        cast(rate_date as date) as rate_date,
        cast(minor_unit_exponent as integer) as minor_unit_exponent

    from source

)

select * from renamed
