-- replay: as retry.sql, and done deliveries whose body is still kept run again too (after a
-- handler's bug is fixed, say).
-- ?1–?9 the filter (filter.sql).
UPDATE steppay_deliveries
SET state = 'pending', due_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER),
    updated_ms = CAST(unixepoch('subsec') * 1000 AS INTEGER)
WHERE {filter}
  AND (state IN ('failed', 'dead', 'quarantined') OR (state = 'done' AND body IS NOT NULL))
