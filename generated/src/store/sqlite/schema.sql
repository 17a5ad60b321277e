-- The delivery store's one table (SQLite), schema version 2. Created by SqliteStore::open, which
-- runs this file every time: every statement is idempotent. (A table of version 1 is upgraded
-- first, by upgrade_v1.sql.)
--
-- Times are Unix milliseconds on SQLite's own clock (`unixepoch('subsec')`), never the
-- application's: every process that opens the file reads the same clock.
CREATE TABLE IF NOT EXISTS steppay_deliveries (
    -- The delivery key (see steppay_webhooks::key): a SHA-256 in hex, or a key of the user's.
    key          TEXT    PRIMARY KEY NOT NULL,
    -- Where the delivery is in its life (steppay_webhooks::store::lifecycle):
    -- pending:     kept, due at due_ms (an operator asked for a retry or a replay).
    -- processing:  a run holds a lease until due_ms.
    -- done:        handled; the body is dropped (or kept a while); deleted after the retention.
    -- failed:      the last run failed; the body is kept; due again at due_ms.
    -- dead:        the retry schedule ran out; the body is kept until an operator acts.
    -- quarantined: verified but unreadable; the body is kept for a version that reads it.
    -- discarded:   given up by an operator (reason says why); deleted after the retention.
    state        TEXT    NOT NULL CHECK (state IN ('pending', 'processing', 'done', 'failed',
                                                   'dead', 'quarantined', 'discarded')),
    -- How many times the key was claimed; each claim gets the next number (the fencing token).
    attempts     INTEGER NOT NULL CHECK (attempts >= 1),
    -- processing: when the lease runs out; pending and failed: when the next run is due.
    due_ms       INTEGER,
    event_type   TEXT,
    -- The business object it is about, as kind:id (payment:4418273), when the catalogue names
    -- one for its event: what an operator looks a delivery up by.
    subject      TEXT,
    -- When the delivery first arrived.
    created_ms   INTEGER NOT NULL,
    -- When `state` last changed (or the lease was last renewed).
    updated_ms   INTEGER NOT NULL,
    -- The raw body as received and verified, from the first claim until the delivery is
    -- resolved. It holds personal data: never logged.
    body         BLOB,
    -- quarantined: the parse error (never a payload value); discarded: the operator's reason.
    reason       TEXT,
    -- How the last run ended: handled, failed, panicked, unreadable or abandoned.
    last_outcome TEXT,
    -- When the delivery first died: the dead-letter hook is told only then.
    died_ms      INTEGER
);

-- By state and time: cleanup deletes old done and discarded rows, counts read it, and the
-- worker's question "what is due?" reads only the pending, failed and processing rows, which
-- are few (an index on due_ms would cost every claim and outcome a write for nothing more).
CREATE INDEX IF NOT EXISTS steppay_deliveries_state_updated
    ON steppay_deliveries (state, updated_ms);
-- Lists are newest first, by keyset. (A filter on the subject reads this index too: one host's
-- SQLite file holds few enough deliveries that an index of its own would cost every claim more
-- than it saves the operator.)
CREATE INDEX IF NOT EXISTS steppay_deliveries_received
    ON steppay_deliveries (created_ms, key);

-- Each run whose end was recorded: the history an operator reads. Rows go with their delivery
-- at cleanup. No handler error text is kept, only a note the handler marked safe to show.
CREATE TABLE IF NOT EXISTS steppay_delivery_attempts (
    key         TEXT    NOT NULL,
    attempt     INTEGER NOT NULL,
    -- The receiving instance's clock, in Unix milliseconds.
    started_ms  INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    -- handled, failed, panicked, unreadable or lease_lost.
    outcome     TEXT    NOT NULL,
    -- request, accepted or worker.
    started_by  TEXT    NOT NULL,
    note        TEXT,
    PRIMARY KEY (key, attempt)
) WITHOUT ROWID;
