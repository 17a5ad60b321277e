-- How long the oldest delivery that is due (pending or failed, its time come) has waited, in
-- milliseconds; NULL when none is.
SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER) - min(due_ms)
FROM steppay_deliveries
WHERE state IN ('pending', 'failed')
  AND due_ms <= CAST(unixepoch('subsec') * 1000 AS INTEGER)
