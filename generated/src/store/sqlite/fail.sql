-- Marks a run failed so that the next delivery claims the key again; a replayed delivery (one
-- that still has its body) goes back to quarantine instead, so that its body is never lost.
-- Only the run that owns the row may do this.
-- ?1 key, ?2 attempt.
UPDATE steppay_deliveries
SET state = CASE WHEN body IS NULL THEN 'failed' ELSE 'quarantined' END,
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE key = ?1 AND attempts = ?2 AND state = 'processing'
