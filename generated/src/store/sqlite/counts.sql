-- How many deliveries are in each state.
SELECT state, count(*) FROM steppay_deliveries GROUP BY state
