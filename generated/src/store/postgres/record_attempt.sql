-- Adds a run to a delivery's history on its own: for a run whose lease was lost, whose outcome
-- the delivery must not take. Each attempt is recorded once. History only, so it commits
-- without waiting for the disk.
-- $1 key, $2 attempt, $3 started, $4 duration in milliseconds, $5 outcome, $6 started by,
-- $7 note.
INSERT INTO {attempts} (key, attempt, started_at, duration_ms, outcome, started_by, note)
SELECT $1, $2, $3, $4, $5, $6, $7
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS commit_mode
ON CONFLICT (key, attempt) DO NOTHING
