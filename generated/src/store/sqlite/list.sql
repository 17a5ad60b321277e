-- A page of the deliveries the filter matches, newest first, after a keyset cursor (never an
-- OFFSET, so a deep page costs what the first does).
-- ?1–?7 the filter (filter.sql), ?8 and ?9 the cursor's time (ms) and key (or NULL), ?10 limit.
SELECT {summary}
FROM steppay_deliveries
WHERE {filter}
  AND (?8 IS NULL OR (created_ms, key) < (?8, ?9))
ORDER BY created_ms DESC, key DESC
LIMIT ?10
