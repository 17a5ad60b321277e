-- Processing rows whose lease expired more than $1 seconds ago: runs that never finished.
SELECT key, event_type, attempts, extract(epoch FROM now() - lease_until)::float8
FROM {table}
WHERE state = 'processing' AND lease_until < now() - make_interval(secs => $1)
ORDER BY lease_until, key
