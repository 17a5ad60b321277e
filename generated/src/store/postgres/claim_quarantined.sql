-- Claims a quarantined delivery for replay, with the next attempt number; its body stays in the
-- row until the replay is done. Nothing is returned when the key is not quarantined.
-- $1 key, $2 lease in seconds.
UPDATE {table}
SET state = 'processing', attempts = attempts + 1,
    lease_until = now() + make_interval(secs => $2), updated_at = now()
WHERE key = $1 AND state = 'quarantined'
RETURNING attempts, body
