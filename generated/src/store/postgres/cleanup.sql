-- Deletes done rows older than the retention, and nothing else: a processing row may be a
-- delivery in flight or lost to a crash (stale.sql reports it), and a quarantined row holds a
-- body that was never handled.
-- $1 retention in seconds.
DELETE FROM {table}
WHERE state = 'done' AND updated_at < now() - make_interval(secs => $1)
