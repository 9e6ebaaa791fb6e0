{#
  Flight quotes as of every observation instant (snapshot_at): per offer, its last observation
  on that day at or before the instant, with its currency's ECB rate of the day. The latest
  instant's snapshot is int_flight_legs_latest.
#}

{{ wayra.quote_snapshots('flight', every_instant=true) }}
