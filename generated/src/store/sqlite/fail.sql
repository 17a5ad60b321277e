-- fail: the run failed or panicked. With a retry delay the delivery is failed and due again
-- then; without one it is dead, and died_ms records the first time it died (the returned flag
-- says whether that is now, so the dead-letter hook is told once). The body stays. Only the run
-- that owns the row may do this.
-- ?1 key, ?2 attempt, ?3 outcome ('failed' or 'panicked'), ?4 retry delay in ms (or NULL: dead).
UPDATE steppay_deliveries
SET state = CASE WHEN ?4 IS NULL THEN 'dead' ELSE 'failed' END,
    due_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER) + ?4,
    died_ms = CASE WHEN ?4 IS NULL
                   THEN coalesce(died_ms, CAST(unixepoch('subsec') * 1000 AS INTEGER))
                   ELSE died_ms END,
    last_outcome = ?3,
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE key = ?1 AND attempts = ?2 AND state = 'processing'
RETURNING state, died_ms IS NOT NULL AND died_ms = updated_ms
