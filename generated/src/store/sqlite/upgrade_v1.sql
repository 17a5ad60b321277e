-- Upgrades a table of schema version 1 (which kept a body only for quarantined deliveries, and
-- named the lease's end lease_until_ms) to version 2, in the transaction SqliteStore::open
-- holds. Every record is kept. A version 1 failed record has no body: it stays failed with no
-- due time, so the worker leaves it alone and a resend from StepPay (which brings the body)
-- runs it; a processing one keeps its lease's end as its due time, and the worker takes it only
-- once it has a body (claim_due.sql).
DROP INDEX IF EXISTS steppay_deliveries_state_updated;
ALTER TABLE steppay_deliveries RENAME TO steppay_deliveries_v1;
-- (schema.sql, run next, creates the new table and its indexes; the copy follows it.)
