-- 1,000,000 deliveries for benches/operator.rs, in one INSERT … SELECT over generate_series:
-- {table} is the store's table, created by PostgresStore::connect_with_table with its indexes.
-- Row i arrives at 2026-11-01 00:00 UTC + i × 2.592 s (30 days in all). Its state comes from
-- i % 100: 0–1 failed (2 %, due again an hour after arrival), 2 dead, 3 quarantined,
-- 4 discarded, the rest done (95 %, body dropped as the store drops it). Its event type from
-- (i / 100) % 10, so that states and types are independent: payment.completed 30 %, and nine
-- others. Its subject follows its type (payment:4000000+i, order:900000+i/3, …). Unresolved
-- deliveries keep a body: the payment.completed example with its own payment number.
-- No row is pending or processing, so that the bench's reset of a retry is exact.
INSERT INTO {table}
    (key, state, attempts, due_at, event_type, subject, created_at, updated_at, body, reason,
     last_outcome, died_at)
SELECT
    encode(sha256(convert_to('bench-' || i, 'UTF8')), 'hex'),
    s.state,
    CASE s.state WHEN 'done' THEN 1 + (i % 7 = 0)::int WHEN 'failed' THEN 1 + i % 3
                 WHEN 'dead' THEN 4 ELSE 1 END,
    CASE s.state WHEN 'failed' THEN t.at + interval '1 hour' END,
    e.event_type,
    CASE split_part(e.event_type, '.', 1)
        WHEN 'payment' THEN 'payment:' || (4000000 + i)
        WHEN 'order' THEN 'order:' || (900000 + i / 3)
        WHEN 'subscription' THEN 'subscription:' || (50000 + i % 40000)
        WHEN 'invoice' THEN 'invoice:' || (700000 + i / 2)
        WHEN 'customer' THEN 'customer:' || (240000 + i % 90000)
    END,
    t.at,
    t.at + interval '1 second',
    CASE WHEN s.state IN ('failed', 'dead', 'quarantined') THEN convert_to(replace($1::text,
        '4418273', (4000000 + i)::text), 'UTF8') END,
    CASE s.state WHEN 'quarantined' THEN 'unknown variant `REFUNDING` at data.status'
                 WHEN 'discarded' THEN 'refunded by hand' END,
    CASE s.state WHEN 'done' THEN 'handled' WHEN 'quarantined' THEN 'unreadable'
                 ELSE 'failed' END,
    CASE s.state WHEN 'dead' THEN t.at + interval '6 hours' END
FROM generate_series(0, 999999) AS i,
LATERAL (SELECT timestamptz '2026-11-01 00:00:00+00' + i * interval '2.592 seconds' AS at) AS t,
LATERAL (SELECT CASE i % 100 WHEN 0 THEN 'failed' WHEN 1 THEN 'failed' WHEN 2 THEN 'dead'
                   WHEN 3 THEN 'quarantined' WHEN 4 THEN 'discarded' ELSE 'done' END
                AS state) AS s,
LATERAL (SELECT (ARRAY['payment.completed', 'payment.completed', 'payment.completed',
                       'order.created', 'order.updated', 'subscription.updated',
                       'invoice.created', 'payment.failed', 'customer.updated',
                       'order.payment_completed'])[(i / 100) % 10 + 1] AS event_type) AS e
