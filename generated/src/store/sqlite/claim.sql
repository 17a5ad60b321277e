-- claim: a delivery arrives. Inserts it as processing with its body (attempt 1), or takes it
-- over with the next attempt number when it is pending, failed or dead, or its lease has
-- expired; a body the row lacks is filled in. A key that is done, discarded, quarantined, or
-- held by a live lease is left alone and nothing is returned; the caller then reads its state
-- (state.sql) in the same transaction.
-- ?1 key, ?2 lease in milliseconds, ?3 event type (or NULL), ?4 body, ?5 subject (or NULL).
INSERT INTO steppay_deliveries
    (key, state, attempts, due_ms, event_type, subject, created_ms, updated_ms, body)
VALUES
    (?1, 'processing', 1,
     CAST(unixepoch('subsec') * 1000 AS INTEGER) + ?2, ?3, ?5,
     CAST(unixepoch('subsec') * 1000 AS INTEGER), CAST(unixepoch('subsec') * 1000 AS INTEGER),
     ?4)
ON CONFLICT (key) DO UPDATE SET
    state = 'processing',
    attempts = attempts + 1,
    due_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER) + ?2,
    event_type = coalesce(event_type, excluded.event_type),
    subject = coalesce(subject, excluded.subject),
    body = coalesce(body, excluded.body),
    last_outcome = CASE WHEN state = 'processing' THEN 'abandoned' ELSE last_outcome END,
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE state IN ('pending', 'failed', 'dead')
   OR (state = 'processing' AND coalesce(due_ms, 0) <= CAST(unixepoch('subsec') * 1000 AS INTEGER))
RETURNING attempts
