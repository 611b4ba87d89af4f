"""position_bias and position_bias_long: reproducible, paired across positions, fictional
answers stated once, prompts small enough for the engines they target."""

import re
from collections import defaultdict

import pytest

from helpers import committed, prompts
from pipeline.scoring.answer_match import answer_in_text

SPECS = {  # experiment: (passages per context, answer positions)
    "position_bias": (9, [1, 3, 5, 7, 9]),
    "position_bias_long": (40, [1, 10, 20, 30, 40]),
}


@pytest.fixture(scope="module", params=sorted(SPECS))
def exp(request):
    return committed(request.param)


def test_paired_design(exp):
    n_passages, positions = SPECS[exp.path.stem]
    by_qid = defaultdict(dict)
    for case in exp.cases:
        inp = case.input
        assert case.id == f"{inp['qid']}-p{inp['position']}"
        assert f"pos:{inp['position']}" in case.tags
        assert inp["n_passages"] == len(inp["passages"]) == n_passages
        by_qid[inp["qid"]][inp["position"]] = case
    assert 40 <= len(by_qid) <= 50 and 200 <= len(exp.cases) <= 250
    for cases in by_qid.values():
        assert sorted(cases) == positions
        first = cases[positions[0]]
        gold = first.input["passages"][0]
        rest = first.input["passages"][1:]
        for pos, case in cases.items():
            assert case.input["question"] == first.input["question"]
            assert case.expected == first.expected
            passages = list(case.input["passages"])
            assert passages.pop(pos - 1) == gold and passages == rest  # same order of others


def test_short_context_distractors_are_the_long_ones_first():
    short, long = ({c.input["qid"]: c for c in committed(name).cases if c.input["position"] == 1}
                   for name in ("position_bias", "position_bias_long"))
    assert short.keys() == long.keys()
    for qid, case in short.items():
        assert case.input["passages"] == long[qid].input["passages"][:9]


def test_answers_are_stated_once_and_rejects_are_the_distractors_answers(exp):
    for case in exp.cases:
        passages = case.input["passages"]
        gold = case.input["position"] - 1
        reject = case.expected["reject"]
        assert len(reject) == len(passages) - 1 == len(set(reject))
        others = [p for i, p in enumerate(passages) if i != gold]
        for answer, passage in zip(reject, others, strict=True):
            assert answer_in_text(answer, passage)
            assert not answer_in_text(answer, passages[gold]), case.id


def test_the_question_names_an_entity_only_the_answer_passage_mentions(exp):
    for case in exp.cases:
        passages = list(case.input["passages"])
        gold = passages.pop(case.input["position"] - 1)
        names = set(re.findall(r"\b[A-Z][a-z]+", case.input["question"])[1:])
        only_gold = {n for n in names if not any(n in p for p in passages)}
        assert only_gold and all(n in gold for n in only_gold), case.id


def test_prompt_numbers_the_documents_and_fits_the_context(exp):
    n_passages, _ = SPECS[exp.path.stem]
    variant = exp.spec.variants[0]
    assert variant.base_suffix == "\nAnswer:" and exp.spec.sampling.max_tokens <= 48
    longest = 0
    for case, system, user in prompts(exp):
        assert system is None
        assert user.startswith("Answer the question using only the documents.")
        assert [int(n) for n in re.findall(r"^\[(\d+)\] ", user, re.M)] == list(
            range(1, n_passages + 1))
        assert user.endswith(f"Question: {case.input['question']}")
        longest = max(longest, len(user))
    # at ≈ 3.5 characters a token (an overestimate for this English text), the short file
    # fits llama.cpp's 2048-token context and the long one SmolLM2's 8192 tokens, with room
    # for the chat template and the 32 tokens of the answer
    budget = 2048 if n_passages < 20 else 8192
    assert longest / 3.5 < budget - 100
