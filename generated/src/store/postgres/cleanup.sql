-- cleanup: deletes done and discarded rows older than the retention, with their histories, and
-- nothing else: a pending, processing, failed, dead or quarantined row is a delivery not yet
-- resolved, and holds its body. Returns how many deliveries it deleted.
-- $1 retention in seconds.
WITH gone AS (
    DELETE FROM {table}
    WHERE state IN ('done', 'discarded') AND updated_at < now() - make_interval(secs => $1)
    RETURNING key
), history AS (
    DELETE FROM {attempts} WHERE key IN (SELECT key FROM gone)
)
SELECT count(*) FROM gone
