-- The delivery store's one table (SQLite). Created by SqliteStore::open, which runs this file
-- every time: every statement is idempotent.
--
-- Times are Unix milliseconds on SQLite's own clock (`unixepoch('subsec')`), never the
-- application's: every process that opens the file reads the same clock.
CREATE TABLE IF NOT EXISTS steppay_deliveries (
    -- The delivery key (see steppay_webhooks::key): a SHA-256 in hex, or a key of the user's.
    key            TEXT    PRIMARY KEY NOT NULL,
    -- processing: a run holds a lease until lease_until_ms.
    -- done:       handled; kept for the retention, then deleted by cleanup.
    -- failed:     the last run failed; the next delivery claims it again.
    -- quarantined: verified but unreadable; `body` holds it for replay.
    state          TEXT    NOT NULL CHECK (state IN ('processing', 'done', 'failed', 'quarantined')),
    -- How many times the key was claimed; each claim gets the next number (the fencing token).
    attempts       INTEGER NOT NULL CHECK (attempts >= 1),
    lease_until_ms INTEGER NOT NULL,
    event_type     TEXT,
    created_ms     INTEGER NOT NULL,
    -- When `state` last changed (or the lease was last renewed).
    updated_ms     INTEGER NOT NULL,
    -- The raw body of a quarantined delivery, kept until a replay of it is done.
    body           BLOB,
    -- Why it was quarantined: a parse error, which never repeats a payload value.
    reason         TEXT
) WITHOUT ROWID;

-- Cleanup deletes old done rows, and stale() looks for old processing rows: both by state and
-- time.
CREATE INDEX IF NOT EXISTS steppay_deliveries_state_updated
    ON steppay_deliveries (state, updated_ms);
