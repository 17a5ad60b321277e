-- bury_abandoned: a delivery whose lease expired after it had already had $1 runs is dead, not
-- started again: its runs keep dying with their instance (a handler that crashes the process,
-- say). Returns each with whether it died for the first time, for the dead-letter hook.
-- $1 most attempts.
UPDATE {table}
SET state = 'dead', due_at = NULL, last_outcome = 'abandoned',
    died_at = coalesce(died_at, now()), updated_at = now()
WHERE state = 'processing' AND due_at <= now() AND attempts >= $1
RETURNING key, event_type, attempts, died_at = now()
