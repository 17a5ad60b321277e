-- renew: extends a lease, only while the run holding it still owns the row: the same attempt,
-- still processing. No row changed means the lease was lost.
-- $1 key, $2 attempt, $3 lease in seconds.
UPDATE {table}
SET due_at = now() + make_interval(secs => $3), updated_at = now()
WHERE key = $1 AND attempts = $2 AND state = 'processing'
