-- release: a run stopped by a graceful shutdown gives its lease back: it expires now, so the
-- worker of any instance (or a resend) takes the delivery at once, with the next attempt.
-- $1 key, $2 attempt.
UPDATE {table}
SET due_at = now(), updated_at = now()
WHERE key = $1 AND attempts = $2 AND state = 'processing'
