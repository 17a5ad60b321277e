-- How many deliveries are in each state.
SELECT state, count(*) FROM {table} GROUP BY state
