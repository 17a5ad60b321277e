-- complete: done, only if the run still owns the row (same attempt, still processing), so that
-- a run that lost its lease never overwrites a later one's outcome. The body is dropped unless
-- done bodies are kept a while (cleanup drops them then). Commits synchronously: a delivery
-- answered 200 stays done.
-- $1 key, $2 attempt, $3 keep the body.
UPDATE {table}
SET state = 'done', body = CASE WHEN $3 THEN body END, reason = NULL, due_at = NULL,
    last_outcome = 'handled', updated_at = now()
WHERE key = $1 AND attempts = $2 AND state = 'processing'
