-- Keeps an unreadable delivery's body for replay, only if the run owns the row.
-- ?1 key, ?2 attempt, ?3 body, ?4 reason.
UPDATE steppay_deliveries
SET state = 'quarantined', body = ?3, reason = ?4,
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE key = ?1 AND attempts = ?2 AND state = 'processing'
