-- The delivery store's one table (PostgreSQL), schema version 2. PostgresStore runs this file
-- when it connects, after upgrade_v1.sql, in a transaction holding an advisory lock, so
-- instances starting together do not race; every statement is idempotent. {table} is the
-- (quoted, possibly schema-qualified) table name, {attempts} its history's; {state_check} and
-- the {index_*} are the names of its state constraint and its indexes.
--
-- Times come from the database server's clock (now()), never the instances': every instance
-- measures leases and due times with the same clock.
CREATE TABLE IF NOT EXISTS {table} (
    -- The delivery key (see steppay_webhooks::key): a SHA-256 in hex, or a key of the user's.
    key          text        PRIMARY KEY,
    -- Where the delivery is in its life (steppay_webhooks::store::lifecycle):
    -- pending:     kept, due at due_at (an operator asked for a retry or a replay).
    -- processing:  a run holds a lease until due_at.
    -- done:        handled; the body is dropped (or kept a while); deleted after the retention.
    -- failed:      the last run failed; the body is kept; due again at due_at.
    -- dead:        the retry schedule ran out; the body is kept until an operator acts.
    -- quarantined: verified but unreadable; the body is kept for a version that reads it.
    -- discarded:   given up by an operator (reason says why); deleted after the retention.
    state        text        NOT NULL CONSTRAINT {state_check} CHECK (state IN (
                     'pending', 'processing', 'done', 'failed', 'dead', 'quarantined',
                     'discarded')),
    -- How many times the key was claimed; each claim gets the next number (the fencing token).
    attempts     integer     NOT NULL CHECK (attempts >= 1),
    -- processing: when the lease runs out; pending and failed: when the next run is due.
    due_at       timestamptz,
    event_type   text,
    -- The business object it is about, as kind:id (payment:4418273), when the catalogue names
    -- one for its event: what an operator looks a delivery up by.
    subject      text,
    -- When the delivery first arrived.
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- When `state` last changed (or the lease was last renewed).
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- The raw body as received and verified, from the first claim until the delivery is
    -- resolved. It holds personal data: never logged.
    body         bytea,
    -- quarantined: the parse error (never a payload value); discarded: the operator's reason.
    reason       text,
    -- How the last run ended: handled, failed, panicked, unreadable or abandoned.
    last_outcome text,
    -- When the delivery first died: the dead-letter hook is told only then.
    died_at      timestamptz
);

-- By state and time: cleanup deletes old done and discarded rows, counts read it, and the
-- worker's question "what is due?" reads only the pending, failed and processing rows, which
-- are few (an index on due_at would cost every claim and outcome a write for nothing more).
CREATE INDEX IF NOT EXISTS {index_state} ON {table} (state, updated_at);
-- Lists are newest first, by keyset.
CREATE INDEX IF NOT EXISTS {index_received} ON {table} (created_at, key);
-- "Did the webhook for payment 4418273 arrive?": the deliveries about one object, newest first.
CREATE INDEX IF NOT EXISTS {index_subject} ON {table} (subject, created_at)
    WHERE subject IS NOT NULL;

-- Each run whose end was recorded: the history an operator reads. Rows go with their delivery
-- at cleanup. No handler error text is kept, only a note the handler marked safe to show.
CREATE TABLE IF NOT EXISTS {attempts} (
    key         text        NOT NULL,
    attempt     integer     NOT NULL,
    -- The receiving instance's clock.
    started_at  timestamptz NOT NULL,
    duration_ms bigint      NOT NULL,
    -- handled, failed, panicked, unreadable or lease_lost.
    outcome     text        NOT NULL,
    -- request, accepted or worker.
    started_by  text        NOT NULL,
    note        text,
    PRIMARY KEY (key, attempt)
);
