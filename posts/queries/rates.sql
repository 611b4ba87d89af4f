-- Pass rate per model and prompt variant of the structured JSON experiment, version 1.
SELECT model_id, variant, count(*) AS n,
       count(*) FILTER (WHERE passed) AS passed,
       avg(passed::INT) AS pass_rate
FROM outcomes
WHERE experiment_id = 'structured_json' AND experiment_version = 1
GROUP BY model_id, variant
ORDER BY model_id, variant
