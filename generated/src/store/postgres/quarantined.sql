-- The quarantined deliveries, oldest first, without their bodies.
-- $1 limit.
SELECT key, event_type, coalesce(reason, ''), attempts,
       extract(epoch FROM now() - updated_at)::float8
FROM {table}
WHERE state = 'quarantined'
ORDER BY updated_at, key
LIMIT $1
