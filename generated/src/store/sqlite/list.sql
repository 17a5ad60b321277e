-- A page of the deliveries the filter matches, newest first, after a keyset cursor (never an
-- OFFSET, so a deep page costs what the first does).
-- ?1–?6 the filter (filter.sql), ?7 and ?8 the cursor's time (ms) and key (or NULL), ?9 limit.
SELECT {summary}
FROM steppay_deliveries
WHERE {filter}
  AND (?7 IS NULL OR (created_ms, key) < (?7, ?8))
ORDER BY created_ms DESC, key DESC
LIMIT ?9
