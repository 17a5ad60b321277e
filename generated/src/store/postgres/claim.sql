-- Claims a key in one atomic statement: inserts it as processing, or takes it over when its
-- last run failed or its lease has expired, with the next attempt number. PostgreSQL makes
-- INSERT … ON CONFLICT atomic under concurrency, so two instances never both get a row back.
-- A key that is done, quarantined, or held by a live lease is left alone and nothing is
-- returned; the caller then reads its state (state.sql).
--
-- The claim commits asynchronously (synchronous_commit off for this statement's transaction
-- only, set through the FROM clause): it does not wait for its WAL to reach the disk. The
-- complete, fail or quarantine that follows commits synchronously, and flushing its WAL flushes
-- the claim's, which came before it; so a done record is as durable as ever. What a database
-- crash can lose is a claim in flight (its lease and attempt number): the handler's run then
-- cannot record its outcome, and StepPay's retry runs it again, as it would after a crash of
-- the instance. This halves the disk syncs per delivery.
-- $1 key, $2 lease in seconds, $3 event type (or NULL).
INSERT INTO {table} AS d (key, state, attempts, lease_until, event_type)
SELECT $1, 'processing', 1, now() + make_interval(secs => $2), $3
FROM (SELECT set_config('synchronous_commit', 'off', true)) AS asynchronous_commit
ON CONFLICT (key) DO UPDATE SET
    state = 'processing',
    attempts = d.attempts + 1,
    lease_until = now() + make_interval(secs => $2),
    event_type = coalesce(d.event_type, excluded.event_type),
    updated_at = now()
WHERE d.state = 'failed' OR (d.state = 'processing' AND d.lease_until <= now())
RETURNING d.attempts
