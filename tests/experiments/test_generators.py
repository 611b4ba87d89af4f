"""Every experiment's committed data is what its generator renders now: one test for all the
`experiments/*/generate_cases.py` scripts and every file each writes (the case files, and the
corpus or training sets where a generator writes those too), so a hand edit of a generated
file, or a generator changed without regenerating, fails here."""

from functools import cache

import pytest

from helpers import EXPERIMENTS, load_generator

# A generator of one file returns its rows; the file is cases.jsonl unless named here.
ONE_FILE = {"structured_json": "cases_v2.jsonl"}
GENERATORS = sorted(p.parent.name for p in EXPERIMENTS.glob("*/generate_cases.py"))


@cache
def rendered(experiment: str) -> dict[str, str]:
    """{file name: its text as the generator renders it now}, generated once per session."""
    gen = load_generator(EXPERIMENTS / experiment)
    rows = gen.generate()
    if not isinstance(rows, dict):
        rows = {ONE_FILE.get(experiment, "cases.jsonl"): rows}
    return {name: gen.render(r) for name, r in rows.items()}


@pytest.mark.parametrize("experiment", GENERATORS)
def test_regenerating_gives_the_committed_files(experiment):
    files = rendered(experiment)
    assert files, f"{experiment}: the generator writes nothing"
    for name, text in files.items():
        committed = (EXPERIMENTS / experiment / name).read_text(encoding="utf-8")
        assert text == committed, f"experiments/{experiment}/{name} differs from its generator"


def test_every_suite_with_a_generator_is_covered():
    assert len(GENERATORS) >= 12 and {"rag_compliance", "lora_pycode", "position_bias"} <= set(
        GENERATORS)
    assert sorted(rendered("position_bias")) == ["cases.jsonl", "cases_long.jsonl"]
    assert sorted(rendered("rag_compliance")) == ["cases.jsonl", "corpus.jsonl"]
    assert sorted(rendered("lora_pycode")) == ["cases.jsonl", "test_solutions.jsonl",
                                               "train.jsonl"]
