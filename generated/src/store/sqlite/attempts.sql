-- A delivery's history, in the order of its attempts.
-- ?1 key.
SELECT attempt, started_ms, duration_ms, outcome, started_by, note
FROM steppay_delivery_attempts
WHERE key = ?1
ORDER BY attempt
