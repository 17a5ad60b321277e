-- A page of the deliveries the filter matches, newest first, after a keyset cursor (never an
-- OFFSET, so a deep page costs what the first does).
-- $1–$9 the filter (filter.sql), $10 and $11 the cursor's time and key (or NULL), $12 limit.
SELECT {summary}
FROM {table}
WHERE {filter}
  AND ($10::timestamptz IS NULL OR (created_at, key) < ($10, $11::text))
ORDER BY created_at DESC, key DESC
LIMIT $12
