-- How many deliveries the filter matches: the count a bulk action shows before it acts.
-- ?1–?9 the filter (filter.sql).
SELECT count(*) FROM steppay_deliveries WHERE {filter}
