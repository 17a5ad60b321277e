-- Marks a run done and drops any kept body, only if that run still owns the row (same attempt,
-- still processing): a run that lost its lease never overwrites a later one's outcome.
-- $1 key, $2 attempt.
UPDATE {table}
SET state = 'done', body = NULL, reason = NULL, updated_at = now()
WHERE key = $1 AND attempts = $2 AND state = 'processing'
