-- The columns of a delivery as lists show it (store::DeliverySummary), in the order the store
-- reads them; {summary} in the statements below.
key, state, event_type, subject, attempts, created_ms, updated_ms, due_ms, last_outcome, reason,
body IS NOT NULL
