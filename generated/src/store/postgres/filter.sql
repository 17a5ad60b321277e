-- The deliveries an operator's filter matches (store::Filter, whose `matches` is the same
-- definition in Rust); {filter} in the statements below. Each part is NULL when not given.
-- The statements that use it are prepared afresh for each call, so PostgreSQL plans them for
-- the parts actually given (a key lookup by the primary key, say).
-- $1 key; $2 states; $3 event types; $4 received at or after; $5 received before; $6 at least
-- this many attempts; $7 subject; $8 whether the body is kept; $9 the start of the key (a whole key is $1, which the
-- primary key finds; this one scans).
($1::text IS NULL OR key = $1)
AND ($2::text[] IS NULL OR state = ANY ($2))
AND ($3::text[] IS NULL OR event_type = ANY ($3))
AND ($4::timestamptz IS NULL OR created_at >= $4)
AND ($5::timestamptz IS NULL OR created_at < $5)
AND ($6::integer IS NULL OR attempts >= $6)
AND ($7::text IS NULL OR subject = $7)
AND ($8::boolean IS NULL OR (body IS NOT NULL) = $8)
AND ($9::text IS NULL OR starts_with(key, $9))
