-- bury_abandoned: a delivery whose lease expired after it had already had ?1 runs is dead, not
-- started again: its runs keep dying with their instance (a handler that crashes the process,
-- say). Returns those that died for the first time, for the dead-letter hook.
-- ?1 most attempts.
UPDATE steppay_deliveries
SET state = 'dead', due_ms = NULL, last_outcome = 'abandoned',
    died_ms = coalesce(died_ms, CAST(unixepoch('subsec') * 1000 AS INTEGER)),
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE state = 'processing'
  AND due_ms <= CAST(unixepoch('subsec') * 1000 AS INTEGER)
  AND attempts >= ?1
RETURNING key, event_type, attempts, died_ms = updated_ms
