-- release: a run stopped by a graceful shutdown gives its lease back: it expires now, so the
-- worker of any instance (or a resend) takes the delivery at once, with the next attempt.
-- ?1 key, ?2 attempt.
UPDATE steppay_deliveries
SET due_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER),
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE key = ?1 AND attempts = ?2 AND state = 'processing'
