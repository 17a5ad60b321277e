-- cleanup, second part: drops the bodies of done deliveries kept longer than the service chose
-- to keep them (personal data is kept no longer than needed).
-- ?1 how long done bodies are kept, in milliseconds.
UPDATE steppay_deliveries
SET body = NULL
WHERE state = 'done' AND body IS NOT NULL
  AND updated_ms <= CAST(unixepoch('subsec') * 1000 AS INTEGER) - ?1
