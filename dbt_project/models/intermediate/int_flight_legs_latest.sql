{#
  Flight quotes of the latest observation day, one row per offer, each carrying the ECB rate of
  its currency for that day so it can be converted exactly into any watch currency downstream.
  A search re-run during the day can return the same offer again; the last word counts.
#}

{{ wayra.quote_snapshots('flight') }}
