-- A page of the deliveries the filter matches, newest first, after a keyset cursor (never an
-- OFFSET, so a deep page costs what the first does).
-- ?1–?8 the filter (filter.sql), ?9 and ?10 the cursor's time (ms) and key (or NULL), ?11 limit.
SELECT {summary}
FROM steppay_deliveries
WHERE {filter}
  AND (?9 IS NULL OR (created_ms, key) < (?9, ?10))
ORDER BY created_ms DESC, key DESC
LIMIT ?11
