-- Claims a quarantined delivery for replay, with the next attempt number; its body stays in the
-- row until the replay is done. Nothing is returned when the key is not quarantined.
-- ?1 key, ?2 lease in milliseconds.
UPDATE steppay_deliveries
SET state = 'processing', attempts = attempts + 1,
    lease_until_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER) + ?2,
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE key = ?1 AND state = 'quarantined'
RETURNING attempts, body
