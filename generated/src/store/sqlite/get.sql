-- One delivery with its body.
-- ?1 key.
SELECT {summary}, body
FROM steppay_deliveries
WHERE key = ?1
