-- cleanup, second part: drops the bodies of done deliveries kept longer than the service chose
-- to keep them (personal data is kept no longer than needed).
-- $1 how long done bodies are kept, in seconds.
UPDATE {table}
SET body = NULL
WHERE state = 'done' AND body IS NOT NULL AND updated_at <= now() - make_interval(secs => $1)
