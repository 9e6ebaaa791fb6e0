-- An active watch with at least one complete candidate must get its row in the mart; a missing
-- row would silently stop alerts for that user.
select candidates.watch_id
from {{ ref('int_watch_package_candidates') }} as candidates
left join {{ ref('fct_best_current_packages') }} as best
    on best.watch_id = candidates.watch_id
where best.watch_id is null
