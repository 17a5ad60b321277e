-- Why a claim was refused: the key's state and, for a live lease, the milliseconds it has left.
-- ?1 key.
SELECT state, coalesce(due_ms, 0) - CAST(unixepoch('subsec') * 1000 AS INTEGER)
FROM steppay_deliveries
WHERE key = ?1
