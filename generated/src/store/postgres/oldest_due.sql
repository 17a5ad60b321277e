-- How long the oldest delivery that is due (pending or failed, its time come) has waited, in
-- seconds; NULL when none is.
SELECT extract(epoch FROM now() - min(due_at))::float8
FROM {table}
WHERE state IN ('pending', 'failed') AND due_at <= now()
