"""`case_check`: an experiment's case rule runs at load time, before any model loads, and a
broken case is refused with the case file, line and key."""

import json
import subprocess
import sys

import pytest

from helpers import ROOT
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment
from pipeline.scoring.case_checks import answer_in_passage, case_checks

POSITION_BIAS = ROOT / "experiments" / "position_bias.yaml"


def _rows():
    path = ROOT / "experiments" / "position_bias" / "cases.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()[:6]]


def _experiment(tmp_path, rows, check="answer_in_passage"):
    text = POSITION_BIAS.read_text().replace("cases: position_bias/cases.jsonl",
                                             "cases: cases.jsonl")
    text = text.replace("case_check: answer_in_passage", f"case_check: {check}")
    (tmp_path / "cases.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def _drop_answer(row):
    pos, answer = row["input"]["position"], row["expected"]["answer"]
    passages = row["input"]["passages"]
    passages[pos - 1] = passages[pos - 1].replace(answer, "someone else")
    return answer


def test_real_experiments_pass_their_check():
    for name in ("position_bias.yaml", "position_bias_long.yaml"):
        exp = load_experiment(ROOT / "experiments" / name)
        assert exp.spec.case_check == "answer_in_passage"
        assert all(answer_in_passage(c) is None for c in exp.cases)


def test_case_without_its_answer_is_refused_with_file_line_and_key(tmp_path):
    rows = _rows()
    answer = _drop_answer(rows[4])
    path = _experiment(tmp_path, rows)
    cases = tmp_path / "cases.jsonl"
    lines = cases.read_text().splitlines(keepends=True)
    cases.write_text("".join(lines[:2] + ["\n"] + lines[2:]))  # blank lines count as lines
    with pytest.raises(ConfigError) as err:
        load_experiment(path)
    pos = rows[4]["input"]["position"]
    assert str(err.value) == (
        f"{cases}:6: case {rows[4]['id']!r}: input.passages[{pos - 1}] "
        f"(position {pos}) does not contain the answer {answer!r}")


def test_cli_refuses_before_any_model_loads(tmp_path):
    rows = _rows()
    _drop_answer(rows[3])
    path = _experiment(tmp_path, rows)
    db = tmp_path / "tmp.duckdb"
    r = subprocess.run([sys.executable, "-m", "pipeline", "run", str(path), "--limit", "1",
                        "--db", str(db)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode != 0
    assert r.stderr.strip().splitlines() == [
        f"error: {tmp_path / 'cases.jsonl'}:4: case {rows[3]['id']!r}: "
        f"input.passages[{rows[3]['input']['position'] - 1}] (position "
        f"{rows[3]['input']['position']}) does not contain the answer "
        f"{rows[3]['expected']['answer']!r}"]
    assert "Traceback" not in r.stderr and not db.exists()


def test_answer_in_a_distractor_is_refused(tmp_path):
    rows = _rows()
    row = rows[0]
    pos = row["input"]["position"]
    other = 1 if pos == 1 else 0
    row["input"]["passages"][other] += f" It was {row['expected']['answer']}."
    with pytest.raises(ConfigError, match=rf"cases.jsonl:1: case 'q001-p{pos}': "
                                          rf"input.passages\[{other}\] \(position {other + 1}\) "
                                          r"also contains the answer"):
        load_experiment(_experiment(tmp_path, rows))


@pytest.mark.parametrize("change,message", [
    (lambda i: i.update(position=12), "input.position 12 is not between 1 and 9"),
    (lambda i: i.update(position="3"), "input.position '3' is not between 1 and 9"),
    (lambda i: i.update(n_passages=10), "input.n_passages is 10 but input.passages has 9"),
    (lambda i: i.update(passages="one long text"), "input.passages must be a non-empty list"),
])
def test_malformed_inputs_are_named(tmp_path, change, message):
    rows = _rows()
    change(rows[1]["input"])
    with pytest.raises(ConfigError, match=r"cases.jsonl:2: case 'q001-p3': " + message):
        load_experiment(_experiment(tmp_path, rows))


def test_unknown_check_is_a_key_error_with_a_suggestion(tmp_path):
    path = _experiment(tmp_path, _rows(), check="answer_in_pasage")
    with pytest.raises(ConfigError, match=r"bad.yaml:\d+: case_check: unknown case check "
                                          r"'answer_in_pasage'\. Did you mean 'answer_in_passage'"):
        load_experiment(path)
    assert "answer_in_passage" in case_checks.names()
