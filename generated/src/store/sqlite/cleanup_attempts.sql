-- cleanup, first part: the histories of the records cleanup.sql is about to delete (run just
-- before it, in the same transaction).
-- ?1 retention in milliseconds.
DELETE FROM steppay_delivery_attempts
WHERE key IN (
    SELECT key FROM steppay_deliveries
    WHERE state IN ('done', 'discarded')
      AND updated_ms < CAST(unixepoch('subsec') * 1000 AS INTEGER) - ?1)
