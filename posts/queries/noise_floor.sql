-- The noise floor (issue 19): every repeated output (runs.repeat = 1: the same engine,
-- engine version, weights, sampling and prompt as the measurement, on a seeded sample of its
-- cases; experiments/run_noise_floor.sh) beside the measured output, per model and variant.
-- changed: the text differs; flipped: the verdict (passed) differs.
SELECT rp.experiment_id, rp.experiment_version, rp.model_id, m.name AS model, m.params,
       rp.variant, any_value(rp.engine) AS engine, count(*) AS repeated,
       count(*) FILTER (WHERE NOT rp.same_output) AS changed,
       count(*) FILTER (WHERE rp.flipped) AS flipped,
       count(*) FILTER (WHERE rp.flipped AND rp.passed_repeat) AS to_pass,
       count(*) FILTER (WHERE rp.flipped AND NOT rp.passed_repeat) AS to_fail,
       (wilson_ci(count(*) FILTER (WHERE rp.flipped), count(*))).high AS flipped_high
FROM repeats rp JOIN models m ON m.model_id = rp.model_id
WHERE rp.repeat = 1
GROUP BY rp.experiment_id, rp.experiment_version, rp.model_id, m.name, m.params, rp.variant
