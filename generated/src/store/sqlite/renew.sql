-- renew: extends a lease, only while the run holding it still owns the row: the same attempt,
-- still processing. No row changed means the lease was lost.
-- ?1 key, ?2 attempt, ?3 lease in milliseconds.
UPDATE steppay_deliveries
SET due_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER) + ?3,
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE key = ?1 AND attempts = ?2 AND state = 'processing'
