{#
  Every complete package a watch could buy today, from the latest day's flight legs and hotel
  stays: see wayra.watch_package_ctes (macros/watch_packages.sql), which fct_best_offers
  applies to every observation instant.
#}

with {{ wayra.watch_package_ctes(ref('int_flight_legs_latest'), ref('int_hotel_stays_latest')) }}

select * from packages
