-- A page of the deliveries the filter matches, newest first, after a keyset cursor (never an
-- OFFSET, so a deep page costs what the first does).
-- ?1–?9 the filter (filter.sql), ?10 and ?11 the cursor's time (ms) and key (or NULL), ?12 limit.
SELECT {summary}
FROM steppay_deliveries
WHERE {filter}
  AND (?10 IS NULL OR (created_ms, key) < (?10, ?11))
ORDER BY created_ms DESC, key DESC
LIMIT ?12
