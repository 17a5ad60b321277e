-- Processing rows whose lease expired more than ?1 milliseconds ago: runs that never finished.
SELECT key, event_type, attempts,
       CAST(unixepoch('subsec') * 1000 AS INTEGER) - lease_until_ms
FROM steppay_deliveries
WHERE state = 'processing'
  AND lease_until_ms < CAST(unixepoch('subsec') * 1000 AS INTEGER) - ?1
ORDER BY lease_until_ms, key
