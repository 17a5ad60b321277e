-- claim: a delivery arrives, in one atomic statement. Inserts it as processing with its body
-- (attempt 1), or takes it over with the next attempt number when it is pending, failed or
-- dead, or its lease has expired; a body the row lacks is filled in. PostgreSQL makes
-- INSERT … ON CONFLICT atomic under concurrency, so two instances never both get a row back. A
-- key that is done, discarded, quarantined, or held by a live lease is left alone and nothing
-- is returned; the caller then reads its state (state.sql).
--
-- Unless the caller needs it on disk ($5: a receiver that answers 2xx before the handler runs),
-- the claim commits asynchronously (synchronous_commit off for this statement's transaction
-- only, set through the FROM clause): the complete, fail or quarantine that follows commits
-- synchronously, and flushing its WAL flushes the claim's, which came before it. A database
-- crash can then lose only a claim in flight, whose request is answered 5xx, so that StepPay
-- sends it again. This halves the disk syncs per delivery.
-- $1 key, $2 lease in seconds, $3 event type (or NULL), $4 body, $5 durable, $6 subject (or NULL).
INSERT INTO {table} AS d (key, state, attempts, due_at, event_type, body, subject)
SELECT $1, 'processing', 1, now() + make_interval(secs => $2), $3, $4, $6
FROM (SELECT set_config('synchronous_commit',
                        CASE WHEN $5 THEN current_setting('synchronous_commit') ELSE 'off' END,
                        true)) AS commit_mode
ON CONFLICT (key) DO UPDATE SET
    state = 'processing',
    attempts = d.attempts + 1,
    due_at = now() + make_interval(secs => $2),
    event_type = coalesce(d.event_type, excluded.event_type),
    subject = coalesce(d.subject, excluded.subject),
    body = coalesce(d.body, excluded.body),
    last_outcome = CASE WHEN d.state = 'processing' THEN 'abandoned' ELSE d.last_outcome END,
    updated_at = now()
WHERE d.state IN ('pending', 'failed', 'dead')
   OR (d.state = 'processing' AND coalesce(d.due_at, '-infinity') <= now())
RETURNING d.attempts
