-- The second half of the upgrade from version 1 (upgrade_v1.sql): copies every record into the
-- table schema.sql has just created, then drops the old one. Version 1 kept no history of runs.
INSERT INTO steppay_deliveries
    (key, state, attempts, due_ms, event_type, created_ms, updated_ms, body, reason)
SELECT key, state, attempts,
       CASE WHEN state = 'processing' THEN lease_until_ms END,
       event_type, created_ms, updated_ms, body, reason
FROM steppay_deliveries_v1;
DROP TABLE steppay_deliveries_v1;
