-- The RAG compliance experiment (issue 12): one row per model x guard x case, with what the
-- case is (kind: high_risk | attack | benign; category: the attack technique or the topic),
-- what it should get (should_block, the rules it violates) and what the guard did (blocked,
-- the tier that decided, the rules it named, its time), plus retrieval recall.
-- Each guard is a variant of the same experiment and judges the same draft answer.
SELECT o.model_id, m.name AS model, m.params, o.variant AS guard, o.case_id,
       c.input->>'kind' AS kind, c.input->>'category' AS category,
       c.input->>'query' AS query,
       (c.expected->>'block')::BOOLEAN AS should_block,
       c.expected->'violates' AS violates,
       (r.parsed_output->>'block')::BOOLEAN AS blocked,
       coalesce(r.parsed_output->>'tier', 'none') AS tier,
       r.parsed_output->'rules' AS rules_named,
       o.passed AS correct, r.raw_output AS draft, r.error,
       rr.value AS retrieval_recall, g.value AS guard_ms
FROM outcomes o
JOIN models m ON m.model_id = o.model_id
JOIN results r ON r.run_id = o.run_id AND r.case_id = o.case_id AND r.sample_idx = o.sample_idx
JOIN cases c ON c.experiment_id = o.experiment_id
            AND c.experiment_version = o.experiment_version AND c.case_id = o.case_id
LEFT JOIN scores rr ON rr.run_id = o.run_id AND rr.case_id = o.case_id
                   AND rr.sample_idx = o.sample_idx AND rr.metric = 'retrieval_recall'
LEFT JOIN scores g ON g.run_id = o.run_id AND g.case_id = o.case_id
                  AND g.sample_idx = o.sample_idx AND g.metric = 'guard_ms'
WHERE o.experiment_id = 'rag_compliance'
  AND o.experiment_version = (SELECT max(version) FROM experiments
                              WHERE experiment_id = 'rag_compliance')
