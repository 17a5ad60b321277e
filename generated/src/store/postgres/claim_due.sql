-- claim_due: a worker takes up to $1 deliveries whose time has come, oldest due first: pending
-- or failed ones due now, and processing ones whose lease expired (their run died) and that
-- have had fewer than $3 runs (bury_abandoned.sql takes the rest). Each gets the next attempt
-- and a lease. Only rows with a body qualify (a version 1 record may lack one). FOR UPDATE SKIP
-- LOCKED lets any number of workers ask at once: each row goes to one of them, and none waits
-- for another's.
-- $1 limit, $2 lease in seconds, $3 most attempts.
UPDATE {table} AS d
SET last_outcome = CASE WHEN d.state = 'processing' THEN 'abandoned' ELSE d.last_outcome END,
    state = 'processing',
    attempts = d.attempts + 1,
    due_at = now() + make_interval(secs => $2),
    updated_at = now()
FROM (
    SELECT key FROM {table}
    WHERE state IN ('pending', 'failed', 'processing')
      AND due_at <= now()
      AND body IS NOT NULL
      AND NOT (state = 'processing' AND attempts >= $3)
    ORDER BY due_at
    LIMIT $1
    FOR UPDATE SKIP LOCKED
) AS due
WHERE d.key = due.key
RETURNING d.key, d.attempts, d.event_type, d.body
