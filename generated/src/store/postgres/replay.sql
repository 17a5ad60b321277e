-- replay: as retry.sql, and done deliveries whose body is still kept run again too (after a
-- handler's bug is fixed, say).
-- $1–$9 the filter (filter.sql).
UPDATE {table}
SET state = 'pending', due_at = now(), updated_at = now()
WHERE {filter}
  AND (state IN ('failed', 'dead', 'quarantined') OR (state = 'done' AND body IS NOT NULL))
