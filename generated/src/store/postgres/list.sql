-- A page of the deliveries the filter matches, newest first, after a keyset cursor (never an
-- OFFSET, so a deep page costs what the first does).
-- $1–$8 the filter (filter.sql), $9 and $10 the cursor's time and key (or NULL), $11 limit.
SELECT {summary}
FROM {table}
WHERE {filter}
  AND ($9::timestamptz IS NULL OR (created_at, key) < ($9, $10::text))
ORDER BY created_at DESC, key DESC
LIMIT $11
