-- quarantine: the body verified but cannot be read; it stays for a version that reads it, with
-- the reason (a parse error, never a payload value). Only the run that owns the row may do this.
-- It waits for the disk ($4) as complete.sql says.
-- $1 key, $2 attempt, $3 reason, $4 wait for the disk.
UPDATE {table}
SET state = 'quarantined', reason = $3, due_at = NULL, last_outcome = 'unreadable',
    updated_at = now()
FROM (SELECT set_config('synchronous_commit',
                        CASE WHEN $4 THEN current_setting('synchronous_commit') ELSE 'off' END,
                        true)) AS commit_mode
WHERE key = $1 AND attempts = $2 AND state = 'processing'
