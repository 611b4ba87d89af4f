-- The eight enterprise suites (issue 11): one row per model x suite x case, with the suite's
-- primary outcome `correct` (0/1): the field and the name its scorer declares first
-- (pipeline/scoring, `outcomes=`) and its cases page shows first. For seven suites the stored
-- `passed` holds the same verdict; for multi-turn `correct` is "final answer correct" and
-- `passed` holds the other outcome, "every turn correct" (`all_turns_correct`), so `passed`
-- is not selected here. Classification counts its free-text variant (the same interface as
-- the other seven suites; the constrained variant is reported on its own). Each suite's
-- latest version. An engine error has no scores and counts as wrong.
SELECT o.model_id, m.name AS model, m.params, o.experiment_id AS suite,
       CASE o.experiment_id
            WHEN 'function_calling' THEN 'Function calling'
            WHEN 'rag_grounding' THEN 'RAG grounding'
            WHEN 'classification' THEN 'Classification'
            WHEN 'code_generation' THEN 'Code generation'
            WHEN 'summarization' THEN 'Summarization'
            WHEN 'information_extraction' THEN 'Information extraction'
            WHEN 'multilingual' THEN 'Multilingual'
            WHEN 'multi_turn' THEN 'Multi-turn' END AS suite_name,
       o.case_id, coalesce(o.failure_mode, 'pass') AS outcome,
       coalesce(s.value, 0) AS correct, r.raw_output, r.finish_reason
FROM outcomes o
JOIN models m ON m.model_id = o.model_id
JOIN results r ON r.run_id = o.run_id AND r.case_id = o.case_id
              AND r.sample_idx = o.sample_idx
LEFT JOIN scores s ON s.run_id = o.run_id AND s.case_id = o.case_id
                  AND s.sample_idx = o.sample_idx AND s.metric = 'correct'
WHERE o.experiment_version = (SELECT max(e.version) FROM experiments e
                              WHERE e.experiment_id = o.experiment_id)
  AND o.experiment_id IN ('function_calling', 'rag_grounding', 'classification',
                          'code_generation', 'summarization', 'information_extraction',
                          'multilingual', 'multi_turn')
  AND o.variant <> 'constrained'
