-- A page of the deliveries the filter matches, newest first, after a keyset cursor (never an
-- OFFSET, so a deep page costs what the first does).
-- $1–$7 the filter (filter.sql), $8 and $9 the cursor's time and key (or NULL), $10 limit.
SELECT {summary}
FROM {table}
WHERE {filter}
  AND ($8::timestamptz IS NULL OR (created_at, key) < ($8, $9::text))
ORDER BY created_at DESC, key DESC
LIMIT $10
