-- The deliveries an operator's filter matches (store::Filter, whose `matches` is the same
-- definition in Rust); {filter} in the statements below. Each part is NULL when not given.
-- ?1 key; ?2 states, a JSON array; ?3 event types, a JSON array; ?4 received at or after
-- (ms); ?5 received before (ms); ?6 at least this many attempts; ?7 subject; ?8 whether the body is kept;
-- ?9 the start of the key (a whole key is ?1, which the primary key finds; this one scans).
(?1 IS NULL OR key = ?1)
AND (?2 IS NULL OR state IN (SELECT value FROM json_each(?2)))
AND (?3 IS NULL OR event_type IN (SELECT value FROM json_each(?3)))
AND (?4 IS NULL OR created_ms >= ?4)
AND (?5 IS NULL OR created_ms < ?5)
AND (?6 IS NULL OR attempts >= ?6)
AND (?7 IS NULL OR subject = ?7)
AND (?8 IS NULL OR (body IS NOT NULL) = ?8)
AND (?9 IS NULL OR substr(key, 1, length(?9)) = ?9)
