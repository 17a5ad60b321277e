-- quarantine: the body verified but cannot be read; it stays for a version that reads it, with
-- the reason (a parse error, never a payload value). Only the run that owns the row may do this.
-- $1 key, $2 attempt, $3 reason.
UPDATE {table}
SET state = 'quarantined', reason = $3, due_at = NULL, last_outcome = 'unreadable',
    updated_at = now()
WHERE key = $1 AND attempts = $2 AND state = 'processing'
