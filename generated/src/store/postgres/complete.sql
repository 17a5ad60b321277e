-- complete: done, only if the run still owns the row (same attempt, still processing), so that
-- a run that lost its lease never overwrites a later one's outcome; the run enters the history
-- in the same statement. The body is dropped unless done bodies are kept a while (cleanup
-- drops them then). Returns how many rows it completed: 0 means the lease was lost.
--
-- After a claim that committed without waiting for the disk (inline), this commit waits ($4),
-- and flushing its WAL makes the claim durable too. After a claim already on disk (accept-first,
-- the worker's), it does not: a database crash that loses it leaves the claim, body and all, and
-- the worker runs the delivery again.
-- $1 key, $2 attempt, $3 keep the body, $4 wait for the disk; the run: $5 started, $6 duration
-- in milliseconds, $7 started by, $8 note.
WITH done AS (
    UPDATE {table}
    SET state = 'done', body = CASE WHEN $3 THEN body END, reason = NULL, due_at = NULL,
        last_outcome = 'handled', updated_at = now()
    FROM (SELECT set_config('synchronous_commit',
                            CASE WHEN $4 THEN current_setting('synchronous_commit') ELSE 'off' END,
                            true)) AS commit_mode
    WHERE key = $1 AND attempts = $2 AND state = 'processing'
    RETURNING key
), logged AS (
    INSERT INTO {attempts} (key, attempt, started_at, duration_ms, outcome, started_by, note)
    SELECT key, $2, $5, $6, 'handled', $7, $8 FROM done
    ON CONFLICT (key, attempt) DO NOTHING
)
SELECT count(*) FROM done
