-- The delivery store's one table (PostgreSQL). PostgresStore runs this file when it connects,
-- in a transaction holding an advisory lock, so instances starting together do not race; every
-- statement is idempotent. {table} is the (quoted, possibly schema-qualified) table name and
-- {index} the name of its index.
--
-- Times come from the database server's clock (now()), never the instances': every instance
-- measures leases with the same clock.
CREATE TABLE IF NOT EXISTS {table} (
    -- The delivery key (see steppay_webhooks::key): a SHA-256 in hex, or a key of the user's.
    key         text        PRIMARY KEY,
    -- processing: a run holds a lease until lease_until.
    -- done:       handled; kept for the retention, then deleted by cleanup.
    -- failed:     the last run failed; the next delivery claims it again.
    -- quarantined: verified but unreadable; `body` holds it for replay.
    state       text        NOT NULL CHECK (state IN ('processing', 'done', 'failed', 'quarantined')),
    -- How many times the key was claimed; each claim gets the next number (the fencing token).
    attempts    integer     NOT NULL CHECK (attempts >= 1),
    lease_until timestamptz NOT NULL,
    event_type  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- When `state` last changed (or the lease was last renewed).
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- The raw body of a quarantined delivery, kept until a replay of it is done.
    body        bytea,
    -- Why it was quarantined: a parse error, which never repeats a payload value.
    reason      text
);

-- Cleanup deletes old done rows, and stale() looks for old processing rows: both by state and
-- time.
CREATE INDEX IF NOT EXISTS {index} ON {table} (state, updated_at);
