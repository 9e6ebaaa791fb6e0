{#
  Hotel stay quotes as of every observation instant (snapshot_at): per offer, its last
  observation on that day at or before the instant, with its currency's ECB rate of the day.
  The latest instant's snapshot is int_hotel_stays_latest.
#}

{{ wayra.quote_snapshots('hotel', every_instant=true) }}
