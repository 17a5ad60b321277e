-- Claims a key: inserts it as processing, or takes it over when its last run failed or its
-- lease has expired, with the next attempt number. A key that is done, quarantined, or held by
-- a live lease is left alone and nothing is returned; the caller then reads its state
-- (state.sql) in the same transaction.
-- ?1 key, ?2 lease in milliseconds, ?3 event type (or NULL).
INSERT INTO steppay_deliveries
    (key, state, attempts, lease_until_ms, event_type, created_ms, updated_ms)
VALUES
    (?1, 'processing', 1,
     CAST(unixepoch('subsec') * 1000 AS INTEGER) + ?2, ?3,
     CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER))
ON CONFLICT (key) DO UPDATE SET
    state = 'processing',
    attempts = attempts + 1,
    lease_until_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER) + ?2,
    event_type = coalesce(event_type, excluded.event_type),
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE state = 'failed'
   OR (state = 'processing' AND lease_until_ms <= CAST(unixepoch('subsec') * 1000 AS INTEGER))
RETURNING attempts
