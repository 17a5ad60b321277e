-- retry: an operator runs again the failed, dead and quarantined deliveries the filter matches:
-- each becomes pending, due now, and a worker takes it. Nothing else is touched: a delivery in
-- progress, done or discarded stays as it is.
-- $1–$9 the filter (filter.sql).
UPDATE {table}
SET state = 'pending', due_at = now(), updated_at = now()
WHERE {filter}
  AND state IN ('failed', 'dead', 'quarantined')
