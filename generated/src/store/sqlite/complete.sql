-- complete: done, only if the run still owns the row (same attempt, still processing), so that
-- a run that lost its lease never overwrites a later one's outcome. The body is dropped unless
-- done bodies are kept a while (cleanup drops them then).
-- ?1 key, ?2 attempt, ?3 keep the body (1) or not (0).
UPDATE steppay_deliveries
SET state = 'done', body = CASE WHEN ?3 THEN body END, reason = NULL, due_ms = NULL,
    last_outcome = 'handled', updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE key = ?1 AND attempts = ?2 AND state = 'processing'
