-- Adds a run to a delivery's history: in the same transaction as the transition that recorded
-- its outcome (complete, fail, quarantine), or alone for a run whose lease was lost. Each
-- attempt is recorded once.
-- ?1 key, ?2 attempt, ?3 started (ms), ?4 duration (ms), ?5 outcome, ?6 started by, ?7 note.
INSERT INTO steppay_delivery_attempts
    (key, attempt, started_ms, duration_ms, outcome, started_by, note)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (key, attempt) DO NOTHING
