-- fail: the run failed or panicked (or an unreadable body is to be tried again). With a retry
-- delay the delivery is failed and due again then; without one it is dead, and died_at records
-- the first time it died (the returned flag says whether that is now, so the dead-letter hook is
-- told once). The body stays, and the run enters the history in the same statement. Only the run
-- that owns the row may do this: no row back means the lease was lost. It waits for the disk
-- ($5) as complete.sql says.
-- $1 key, $2 attempt, $3 outcome, $4 retry delay in seconds (or NULL: dead), $5 wait for the
-- disk; the run: $6 started, $7 duration in milliseconds, $8 started by, $9 note.
WITH failed AS (
    UPDATE {table}
    SET state = CASE WHEN $4::float8 IS NULL THEN 'dead' ELSE 'failed' END,
        due_at = now() + make_interval(secs => $4::float8),
        died_at = CASE WHEN $4::float8 IS NULL THEN coalesce(died_at, now()) ELSE died_at END,
        last_outcome = $3,
        updated_at = now()
    FROM (SELECT set_config('synchronous_commit',
                            CASE WHEN $5 THEN current_setting('synchronous_commit') ELSE 'off' END,
                            true)) AS commit_mode
    WHERE key = $1 AND attempts = $2 AND state = 'processing'
    RETURNING key, state, died_at IS NOT NULL AND died_at = now() AS first
), logged AS (
    INSERT INTO {attempts} (key, attempt, started_at, duration_ms, outcome, started_by, note)
    SELECT key, $2, $6, $7, $3, $8, $9 FROM failed
    ON CONFLICT (key, attempt) DO NOTHING
)
SELECT state, first FROM failed
