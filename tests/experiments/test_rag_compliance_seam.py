"""The RAG-compliance experiment end to end at the engine seam (the mock engine, no
model): retrieve → prompt → generate → guard → compliance_verdict, every guard variant on
the same drafts, the verdicts stored and scored. The real-model runs are in run_suites-style
scripts; this pins the wiring."""

from __future__ import annotations

import json

import pytest

from helpers import ROOT, model, query
from pipeline.config.models import ModelRegistry
from pipeline.engines.mock import MockEngine
from pipeline.loading import load_experiment
from pipeline.runner import RunOptions, run_experiment

YAML = ROOT / "experiments" / "rag_compliance.yaml"
RESULTS = "FROM outcomes o JOIN results r USING (run_id, case_id, sample_idx)"


def reply(r, i, call):
    """A refusal when a RAG prompt's question mentions a balance or a password, else a plain
    answer; yes/no judge prompts get "no", Llama Guard prompts "safe"."""
    text = r.prompt if r.prompt is not None else r.messages[-1]["content"]
    if r.choices:
        return "no"
    if "safety assessment" in text:
        return "safe"
    if "Question:" in text and any(w in text.split("Question:")[-1].lower()
                                   for w in ("balance", "password")):
        return "I'm sorry, but I can't help with that."
    return "According to the documents, see the policy."


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    exp = load_experiment(YAML)
    db = tmp_path_factory.mktemp("rc") / "r.duckdb"
    engine = MockEngine(answer=reply, completion_tokens=5)  # records every request
    summaries = run_experiment(exp, ModelRegistry([model("smollm2-135m")]), db, RunOptions(
        limit=12, models=["smollm2-135m"],
        variants=["baseline", "enforcement_v1", "enforcement_v2", "llama_guard"],
        engine_loader=lambda name, spec: engine, progress=False, log=lambda s: None))
    return exp, db, engine, summaries


def test_every_guard_judges_the_same_drafts(ran):
    exp, db, engine, summaries = ran
    assert [s.written for s in summaries] == [12, 12, 12, 12]
    drafts = query(db, f"SELECT o.variant, o.case_id, r.raw_output {RESULTS}")
    by_variant: dict[str, dict[str, str]] = {}
    for v, c, out in drafts:
        by_variant.setdefault(v, {})[c] = out
    assert len({json.dumps(d, sort_keys=True) for d in by_variant.values()}) == 1
    # the RAG prompt was generated once per case, not once per guard
    rag = [r for r in engine.requests if not r.choices and "Question:" in (
        r.prompt or r.messages[-1]["content"])]
    assert len(rag) == 12


def test_retrieval_guard_and_verdict_are_stored(ran):
    exp, db, _, _ = ran
    rows = query(db, f"SELECT o.variant, o.case_id, r.transcript, r.parsed_output, r.prompt "
                      f"{RESULTS}")
    metrics = dict(query(db, "SELECT metric, count(*) FROM scores GROUP BY 1"))
    for _variant, _case_id, transcript, parsed, prompt in rows:
        turns = json.loads(transcript)
        roles = [t["role"] for t in turns]
        assert roles[0] == "retrieval" and roles[-1] == "guard", roles
        assert "Documents:" in prompt and "[D" in prompt  # retrieved passages in the prompt
        verdict = json.loads(parsed)
        assert set(verdict) == {"block", "tier", "rules"}
    assert metrics["correct"] == 48 and metrics["blocked"] == 48
    assert metrics["retrieval_recall"] > 0  # cases with relevant passages were measured


def test_baseline_blocks_only_refusals_and_enforcement_catches_patterns(ran):
    exp, db, _, _ = ran
    got = query(db, "SELECT o.variant, o.case_id, r.parsed_output->>'tier', "
                     f"(r.parsed_output->>'block')::BOOL {RESULTS}")
    base = {c: (t, b) for v, c, t, b in got if v == "baseline"}
    assert all(t in (None, "model_refusal") for t, _ in base.values())
    assert any(b for _, b in base.values())  # the scripted refusal on 'balance' questions
    tiers = {t for v, c, t, b in got if v.startswith("enforcement") and b}
    assert tiers <= {"pattern", "similarity", "llm"}
