-- cleanup: deletes done and discarded rows older than the retention, and nothing else: a
-- pending, processing, failed, dead or quarantined row is a delivery not yet resolved, and
-- holds its body.
-- ?1 retention in milliseconds.
DELETE FROM steppay_deliveries
WHERE state IN ('done', 'discarded')
  AND updated_ms < CAST(unixepoch('subsec') * 1000 AS INTEGER) - ?1
