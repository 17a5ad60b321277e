-- discard: an operator gives up the unresolved deliveries the filter matches (never one in
-- progress): the reason is recorded and the body dropped. The record stays for the retention,
-- so that a resend is answered without running it.
-- $1–$9 the filter (filter.sql), $10 the reason.
UPDATE {table}
SET state = 'discarded', body = NULL, reason = $10, due_at = NULL, updated_at = now()
WHERE {filter}
  AND state IN ('pending', 'failed', 'dead', 'quarantined')
