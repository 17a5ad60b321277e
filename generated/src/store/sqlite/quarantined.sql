-- The quarantined deliveries, oldest first, without their bodies.
-- ?1 limit.
SELECT key, event_type, coalesce(reason, ''), attempts,
       CAST(unixepoch('subsec') * 1000 AS INTEGER) - updated_ms
FROM steppay_deliveries
WHERE state = 'quarantined'
ORDER BY updated_ms, key
LIMIT ?1
