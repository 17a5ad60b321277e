-- Keeps an unreadable delivery's body for replay, only if the run owns the row.
-- $1 key, $2 attempt, $3 body, $4 reason.
UPDATE {table}
SET state = 'quarantined', body = $3, reason = $4, updated_at = now()
WHERE key = $1 AND attempts = $2 AND state = 'processing'
