-- Upgrades a table of schema version 1 (which kept a body only for quarantined deliveries, and
-- named the lease's end lease_until) to version 2 in place, every record kept; a table that is
-- not of version 1 (or does not exist) is left alone. A version 1 failed record has no body: it
-- keeps no due time, so the worker leaves it alone and a resend from StepPay (which brings the
-- body) runs it; a processing one keeps its lease's end as its due time, and the worker takes
-- it only once it has a body (claim_due.sql). {table_literal} is the table's name as a string.
DO $upgrade$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_attribute
               WHERE attrelid = to_regclass('{table_literal}')
                 AND attname = 'lease_until' AND NOT attisdropped) THEN
        ALTER TABLE {table} RENAME COLUMN lease_until TO due_at;
        ALTER TABLE {table} ALTER COLUMN due_at DROP NOT NULL;
        ALTER TABLE {table} ADD COLUMN last_outcome text, ADD COLUMN died_at timestamptz,
            ADD COLUMN subject text;
        ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {state_check};
        ALTER TABLE {table} ADD CONSTRAINT {state_check} CHECK (state IN (
            'pending', 'processing', 'done', 'failed', 'dead', 'quarantined', 'discarded'));
        UPDATE {table} SET due_at = NULL WHERE state <> 'processing';
    END IF;
END
$upgrade$;
