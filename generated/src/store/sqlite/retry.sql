-- retry: an operator runs again the failed, dead and quarantined deliveries the filter matches:
-- each becomes pending, due now, and the worker takes it. Nothing else is touched: a delivery
-- in progress, done or discarded stays as it is.
-- ?1–?9 the filter (filter.sql).
UPDATE steppay_deliveries
SET state = 'pending', due_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER),
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE {filter}
  AND state IN ('failed', 'dead', 'quarantined')
