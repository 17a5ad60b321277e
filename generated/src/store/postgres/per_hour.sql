-- How many deliveries first received since $1 are in each state now, by the hour they arrived
-- (the start of the hour, in UTC): the operator page's chart.
SELECT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', state, count(*)
FROM {table}
WHERE created_at >= $1
GROUP BY 1, 2
ORDER BY 1, 2
