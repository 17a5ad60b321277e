-- Deletes done rows older than the retention, and nothing else: a processing row may be a
-- delivery in flight or lost to a crash (stale.sql reports it), and a quarantined row holds a
-- body that was never handled.
-- ?1 retention in milliseconds.
DELETE FROM steppay_deliveries
WHERE state = 'done'
  AND updated_ms < CAST(unixepoch('subsec') * 1000 AS INTEGER) - ?1
