"""rag_grounding: loads with its case check, is reproducible, has the designed mix (a third
or more unanswerable, two-hop and outside-knowledge cases), fits the context, and the check
refuses a broken case with file, line and key."""

import importlib.util
import json
import sys
from collections import Counter

import pytest

import pipeline.scoring.grounding  # noqa: F401  (registers grounded_answer, the case check)
from helpers import ROOT
from pipeline.config import load_experiment
from pipeline.errors import ConfigError

YAML = ROOT / "experiments" / "rag_grounding.yaml"
FOLDER = ROOT / "experiments" / "rag_grounding"


@pytest.fixture(scope="module")
def exp():
    return load_experiment(YAML)


def _generator():
    spec = importlib.util.spec_from_file_location("rag_generate", FOLDER / "generate_cases.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_regenerating_gives_the_committed_file():
    gen = _generator()
    assert gen.render(gen.generate()) == (FOLDER / "cases.jsonl").read_text(encoding="utf-8")


def test_loads_with_the_designed_mix(exp):
    assert exp.spec.scorer == "grounded_answer"
    assert exp.spec.case_check == "rag_answer_in_passages"
    assert exp.spec.sampling.max_tokens <= 64 and len(exp.spec.variants) == 1
    assert len(exp.cases) >= 48
    tags = Counter(t for c in exp.cases for t in c.tags)
    assert tags["unanswerable"] / len(exp.cases) >= 0.3
    assert tags["type:two_hop"] >= 5 and tags["type:outside_knowledge"] >= 6
    for case in exp.cases:
        assert ("answerable" in case.tags) == case.expected["answerable"]
        assert 3 <= len(case.input["passages"]) <= 5


def test_prompt_asks_for_the_abstention_phrase_and_fits(exp):
    variant = exp.spec.variants[0]
    assert variant.base_suffix == "\nAnswer:"
    for case in exp.cases:
        system, user = exp.render(variant, case)
        assert system is None and "NOT IN DOCUMENTS" in user
        assert user.endswith(f"Question: {case.input['question']}")
        assert len(user) / 3.5 < 1200  # ≈ tokens, an overestimate for this text


def _bad_experiment(tmp_path, mutate):
    rows = [json.loads(line) for line in
            (FOLDER / "cases.jsonl").read_text(encoding="utf-8").splitlines()[:5]]
    mutate(rows)
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    path = tmp_path / "bad.yaml"
    path.write_text(YAML.read_text().replace("cases: rag_grounding/cases.jsonl",
                                             "cases: cases.jsonl"))
    return path, rows


def test_answer_missing_from_passages_is_refused(tmp_path):
    def drop(rows):
        rows[2]["expected"]["answer"] = "Nobody Anywhere"
        rows[2]["expected"]["aliases"] = []
    path, rows = _bad_experiment(tmp_path, drop)
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    assert str(err.value) == (f"{tmp_path / 'cases.jsonl'}:3: case {rows[2]['id']!r}: "
                              f"expected.answer 'Nobody Anywhere' (or an alias) is in none of "
                              f"input.passages")


def test_unanswerable_case_whose_passages_answer_is_refused(tmp_path):
    def leak(rows):
        rows[4]["expected"] = {"answerable": False, "absent": ["written notice"]}
    path, rows = _bad_experiment(tmp_path, leak)
    with pytest.raises(ConfigError, match=r"cases.jsonl:5: case .*expected.absent 'written "
                                          r"notice' is in input.passages\[0\]"):
        load_experiment(path)
