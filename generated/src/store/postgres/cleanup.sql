-- cleanup: deletes done and discarded rows older than the retention, and nothing else: a
-- pending, processing, failed, dead or quarantined row is a delivery not yet resolved, and
-- holds its body.
-- $1 retention in seconds.
DELETE FROM {table}
WHERE state IN ('done', 'discarded') AND updated_at < now() - make_interval(secs => $1)
