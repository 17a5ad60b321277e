-- Why a claim was refused: the key's state and, for a live lease, the seconds it has left.
-- The row may have changed since the claim (it finished, failed, or was cleaned up); the
-- caller then claims again.
-- $1 key.
SELECT state, coalesce(extract(epoch FROM due_at - now())::float8, 0)
FROM {table}
WHERE key = $1
