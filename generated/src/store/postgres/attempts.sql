-- A delivery's history, in the order of its attempts.
-- $1 key.
SELECT attempt, started_at, duration_ms, outcome, started_by, note
FROM {attempts}
WHERE key = $1
ORDER BY attempt
