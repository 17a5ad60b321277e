-- A page of the deliveries the filter matches, newest first, after a keyset cursor (never an
-- OFFSET, so a deep page costs what the first does).
-- $1–$6 the filter (filter.sql), $7 and $8 the cursor's time and key (or NULL), $9 limit.
SELECT {summary}
FROM {table}
WHERE {filter}
  AND ($7::timestamptz IS NULL OR (created_at, key) < ($7, $8::text))
ORDER BY created_at DESC, key DESC
LIMIT $9
