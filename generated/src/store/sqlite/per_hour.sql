-- How many deliveries first received since ?1 (ms) are in each state now, by the hour they
-- arrived (the start of the hour, in Unix milliseconds): the operator page's chart.
SELECT created_ms / 3600000 * 3600000, state, count(*)
FROM steppay_deliveries
WHERE created_ms >= ?1
GROUP BY 1, 2
ORDER BY 1, 2
