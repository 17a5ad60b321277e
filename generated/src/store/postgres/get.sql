-- One delivery with its body.
-- $1 key.
SELECT {summary}, body
FROM {table}
WHERE key = $1
