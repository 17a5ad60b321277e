-- quarantine: the body verified but cannot be read; it stays for a version that reads it, with
-- the reason (a parse error, never a payload value), and the run enters the history in the same
-- statement. Only the run that owns the row may do this: returns how many rows it changed. It
-- waits for the disk ($4) as complete.sql says.
-- $1 key, $2 attempt, $3 reason, $4 wait for the disk; the run: $5 started, $6 duration in
-- milliseconds, $7 started by, $8 note.
WITH kept AS (
    UPDATE {table}
    SET state = 'quarantined', reason = $3, due_at = NULL, last_outcome = 'unreadable',
        updated_at = now()
    FROM (SELECT set_config('synchronous_commit',
                            CASE WHEN $4 THEN current_setting('synchronous_commit') ELSE 'off' END,
                            true)) AS commit_mode
    WHERE key = $1 AND attempts = $2 AND state = 'processing'
    RETURNING key
), logged AS (
    INSERT INTO {attempts} (key, attempt, started_at, duration_ms, outcome, started_by, note)
    SELECT key, $2, $5, $6, 'unreadable', $7, $8 FROM kept
    ON CONFLICT (key, attempt) DO NOTHING
)
SELECT count(*) FROM kept
