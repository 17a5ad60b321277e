-- claim_due: the worker takes up to ?1 deliveries whose time has come, oldest due first: pending
-- or failed ones due now, and processing ones whose lease expired (their run died) and that
-- have had fewer than ?3 runs (bury_abandoned.sql takes the rest). Each gets the next attempt
-- and a lease. Only rows with a body qualify (a version 1 record may lack one). SQLite lets one
-- writer in at a time, and this runs in the writer's transaction, so two workers never take the
-- same row.
-- ?1 limit, ?2 lease in milliseconds, ?3 most attempts.
UPDATE steppay_deliveries
SET last_outcome = CASE WHEN state = 'processing' THEN 'abandoned' ELSE last_outcome END,
    state = 'processing',
    attempts = attempts + 1,
    due_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER) + ?2,
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE key IN (
    SELECT key FROM steppay_deliveries
    WHERE state IN ('pending', 'failed', 'processing')
      AND due_ms <= CAST(unixepoch('subsec') * 1000 AS INTEGER)
      AND body IS NOT NULL
      AND NOT (state = 'processing' AND attempts >= ?3)
    ORDER BY due_ms
    LIMIT ?1)
RETURNING key, attempts, event_type, body
