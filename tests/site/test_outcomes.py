"""One definition per outcome (issue 19, item 5): a post and a cases page that show an outcome
read the same field and call it by the same name, the one its scorer declares.

The multi-turn scorer reaches two verdicts: `correct`, "final answer correct" (its primary
outcome, what the suite posts count) and `all_turns_correct`, "every turn correct" (what the
stored `passed` holds). Nine real results of the committed database are right on the first
and wrong on the second; their cases pages used to say "fail" while the posts counted them
right. The fixture here is a small real database: real multi-turn results (the conversation,
every reply) copied out of results.duckdb, scored again by the real scorer and written by
the real store; the post's own query file and the generated cases pages read it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup

from helpers import CTX, EXPERIMENTS, ROOT, model, run_spec
from pipeline.config.experiment import Case
from pipeline.loading import load_experiment
from pipeline.scoring import PASSED, Metric, Outcome, ScoringContext, scorers
from pipeline.scoring.base import declare_outcomes, passed_disagrees
from pipeline.site.builder.pages import generated_pages
from pipeline.site.core.outcomes import UNKNOWN, experiment_outcomes, outcomes_of
from pipeline.site.core.render import render_markdown
from pipeline.store import ResultRow, Store

DB = ROOT / "results.duckdb"
SUITES_SQL = ROOT / "posts" / "queries" / "suites.sql"
# real multi-turn cases: four of the nine with the final answer right after a wrong earlier
# reply (Qwen on options-01, options-07 and order-06, SmolLM2 on budget-04), and both wrong
CASES = ["options-07", "order-06", "budget-04", "order-01", "options-01"]
MODELS = ["qwen2.5-coder-1.5b", "smollm2-135m"]


# -- the declaration ---------------------------------------------------------------------


def test_every_scorer_declares_its_outcomes_primary_first():
    for name in scorers.names():
        s = scorers.get(name)
        assert s.outcomes, name
        declared = {m.name for m in s.metrics if not m.family}
        for o in s.outcomes:
            assert o.field == PASSED or o.field in declared, (name, o)
            assert o.label.strip(), (name, o)
        assert s.passed_outcome in s.outcomes, name


def test_multi_turn_names_both_outcomes():
    s = scorers.get("multi_turn")
    assert s.outcomes == (Outcome("correct", "final answer correct"),
                          Outcome("all_turns_correct", "every turn correct"))
    assert s.passed_outcome.field == "all_turns_correct"
    # the suites every post compares on: `correct` is each one's primary outcome
    for suite in ("function_calling", "rag_grounding", "classification", "code_generation",
                  "summarization", "information_extraction", "multilingual", "multi_turn"):
        scorer = load_experiment(EXPERIMENTS / f"{suite}.yaml").spec.scorer
        assert scorers.get(scorer).outcomes[0].field == "correct", suite


@pytest.mark.parametrize("outcomes, passed, message", [
    ([Outcome("nope", "x")], None, "not a declared metric"),
    ([Outcome("ok", "x"), Outcome("ok", "y")], None, "distinct"),
    ([Outcome("ok", "x")], "other", "is not one of its outcomes"),
    ([Outcome("ok", " ")], None, "needs a label"),
    ([Outcome("a'b", "x")], None, "not a plain name"),
    ([], None, "at least one"),
])
def test_a_bad_declaration_fails_at_registration(outcomes, passed, message):
    with pytest.raises(ValueError, match=message):
        declare_outcomes("t", [Metric("ok", "d"), Metric("fam:", "d", family=True)],
                         outcomes, passed)


def test_defaults_correct_else_passed():
    assert declare_outcomes("t", [Metric("correct", "d")], None, None) == (
        (Outcome("correct", "correct"),), Outcome("correct", "correct"))
    assert declare_outcomes("t", [Metric("x", "d")], None, None)[0] == (
        Outcome(PASSED, "passed"),)
    assert outcomes_of("no such scorer") == UNKNOWN


# -- the committed database keeps the declaration ----------------------------------------


def test_every_stored_result_has_its_outcomes_and_passed_holds_the_declared_one():
    """Every scored output of results.duckdb has a value for each outcome its scorer
    declares, and its `passed` is the verdict of the outcome the scorer says `passed` holds.
    The runner's outputs only: a run imported from another harness was judged by that tool's
    scorer, not the experiment's (tests/site/test_imported_outcomes.py)."""
    con = duckdb.connect(str(DB), read_only=True)
    try:
        scorer_of = {(e, v): s for e, v, s in con.execute(
            "SELECT experiment_id, version, scorer FROM experiments").fetchall()}
        checked = 0
        for (exp, version), name in scorer_of.items():
            outs = outcomes_of(name)
            for o in outs.shown:
                if o.field == PASSED:
                    continue
                [(missing,)] = con.execute(
                    "SELECT count(*) FROM results r JOIN runs ru USING (run_id) "
                    "WHERE ru.experiment_id = ? AND ru.experiment_version = ? "
                    "AND ru.source_tool = 'runner' AND r.error IS NULL "
                    "AND NOT EXISTS (SELECT 1 FROM scores s WHERE "
                    "s.run_id = r.run_id AND s.case_id = r.case_id AND "
                    "s.sample_idx = r.sample_idx AND s.metric = ?)", [exp, version, o.field]
                ).fetchall()
                assert missing == 0, (exp, version, o.field)
            if outs.passed == PASSED:
                continue
            [(n, wrong)] = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE r.passed <> (s.value = 1)) "
                "FROM results r JOIN runs ru USING (run_id) JOIN scores s ON "
                "s.run_id = r.run_id AND s.case_id = r.case_id AND s.sample_idx = r.sample_idx "
                "AND s.metric = ? WHERE ru.experiment_id = ? AND ru.experiment_version = ? "
                "AND ru.source_tool = 'runner'",
                [outs.passed, exp, version]).fetchall()
            assert wrong == 0, (exp, version, outs.passed, wrong)
            checked += n
        assert checked > 1000
    finally:
        con.close()


# -- a small real database: real multi-turn results, the real scorer, the real store --------


def _real_rows() -> dict[str, list[dict]]:
    con = duckdb.connect(str(DB), read_only=True)
    try:
        df = con.execute(
            "SELECT ru.model_id, r.case_id, r.sample_idx, r.prompt, r.raw_output, r.passed, "
            "r.failure_mode, r.error, r.prompt_tokens, r.completion_tokens, r.latency_ms, "
            "r.finish_reason, r.transcript::VARCHAR AS transcript, "
            "(SELECT map(list(metric), list(value)) FROM scores s WHERE s.run_id = r.run_id "
            " AND s.case_id = r.case_id AND s.sample_idx = r.sample_idx) AS metrics "
            "FROM results r JOIN runs ru USING (run_id) WHERE ru.experiment_id = 'multi_turn' "
            "AND ru.experiment_version = 1 AND ru.repeat = 0 AND ru.model_id IN (?, ?) "
            "AND list_contains(?, r.case_id) ORDER BY 1, 2", [*MODELS, CASES]).df()
    finally:
        con.close()
    by_model: dict[str, list[dict]] = {}
    for rec in df.to_dict("records"):
        by_model.setdefault(rec["model_id"], []).append(rec)
    return by_model


@pytest.fixture(scope="module")
def real_db(tmp_path_factory) -> Path:
    if not DB.exists():
        pytest.skip("no results.duckdb")
    exp = load_experiment(EXPERIMENTS / "multi_turn.yaml")
    cases = {c.id: c for c in exp.cases}
    score = scorers.get(exp.spec.scorer)
    path = tmp_path_factory.mktemp("outcomes") / "r.duckdb"
    store = Store(path)
    store.sync_experiment(exp)
    rows = _real_rows()
    assert sorted(rows) == MODELS and all(len(v) == len(CASES) for v in rows.values())
    for model_id, recs in rows.items():
        store.sync_model(model(model_id))
        run_id = store.start_run(run_spec(model_id, "as_given", "multi_turn"), CTX)
        out = []
        for r in recs:
            transcript = json.loads(r["transcript"])
            case: Case = cases[r["case_id"]]
            s = score(case, r["raw_output"], ScoringContext(transcript=tuple(transcript)))
            # the scorer of this code reaches the stored verdicts on the stored replies
            assert (s.passed, s.failure_mode) == (r["passed"], r["failure_mode"])
            assert s.metrics == dict(r["metrics"]), r["case_id"]
            assert not passed_disagrees(score, s)
            out.append(ResultRow(
                case_id=r["case_id"], sample_idx=int(r["sample_idx"]), prompt=r["prompt"],
                raw_output=r["raw_output"], parsed_output=s.parsed, passed=s.passed,
                failure_mode=s.failure_mode, error=None, prompt_tokens=r["prompt_tokens"],
                completion_tokens=r["completion_tokens"], latency_ms=r["latency_ms"],
                finish_reason=r["finish_reason"], metrics=s.metrics, transcript=transcript))
        store.write_results(run_id, out)
        store.refresh_status(run_id)
    return path


def _post_outcomes(con) -> dict[tuple[str, str], int]:
    """{(model, case): correct} as the suite posts count it, from their own query file."""
    df = con.execute(SUITES_SQL.read_text()).df()
    assert "passed" not in df.columns  # the other outcome is not there to be mistaken
    return {(r.model_id, r.case_id): int(r.correct) for r in df.itertuples()}


def _cases_pages(con) -> BeautifulSoup:
    pages = generated_pages(con, {})
    html = "".join(render_markdown(md.split("---\n", 2)[2], con).markdown
                   for path, md in sorted(pages.items())
                   if path.startswith("experiments/multi_turn/cases"))
    return BeautifulSoup(html, "html.parser")


def _verdicts(soup: BeautifulSoup) -> dict[tuple[str, str], dict[str, str]]:
    """{(model, case): {outcome field: yes|no}} from the cases pages."""
    out = {}
    for section in soup.select("section.llmx-case"):
        case_id = section["id"].removeprefix("case-")
        for tr in section.select("tbody > tr"):
            model_id = tr.find("td").get_text()
            out[(model_id, case_id)] = {td["data-outcome"]: td["data-value"]
                                        for td in tr.select("td.llmx-verdict")}
    return out


def test_the_posts_outcome_and_the_cases_pages_outcome_agree(real_db):
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        post = _post_outcomes(con)
        soup = _cases_pages(con)
        shown = _verdicts(soup)
        passed = {(m, c): p for m, c, p in con.execute(
            "SELECT model_id, case_id, passed FROM outcomes").fetchall()}
    finally:
        con.close()
    assert set(post) == set(shown) == set(passed) and len(post) == len(MODELS) * len(CASES)
    for key, correct in post.items():
        # the primary verdict on the cases page is the post's `correct`, same field
        assert shown[key]["correct"] == ("yes" if correct else "no"), key
        # and the other outcome beside it is the stored `passed`
        assert shown[key]["all_turns_correct"] == ("yes" if passed[key] else "no"), key
    disagreeing = sorted(k for k in post if post[k] == 1 and not passed[k])
    assert disagreeing == [("qwen2.5-coder-1.5b", "options-01"),
                           ("qwen2.5-coder-1.5b", "options-07"),
                           ("qwen2.5-coder-1.5b", "order-06"), ("smollm2-135m", "budget-04")]
    # such a row reads "final answer correct: yes", "every turn correct: earlier_turn_wrong"
    row = next(tr for tr in soup.select("#case-budget-04 tbody > tr")
               if tr.find("td").get_text() == "smollm2-135m")
    assert [td.get_text() for td in row.select("td.llmx-verdict")] == [
        "\u2713 yes", "\u2717 earlier_turn_wrong"]


def test_the_cases_page_names_the_outcome_it_shows(real_db):
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        soup = _cases_pages(con)
    finally:
        con.close()
    section = soup.select_one("section.llmx-case")
    headers = [(th.get("data-outcome"), th.get_text()) for th in section.select("thead th")]
    assert headers == [(None, "Model"), (None, "Variant"), ("correct", "Final answer correct"),
                       ("all_turns_correct", "Every turn correct"), (None, "Output")]
    legend = soup.select_one(".llmx-cases__outcomes")
    text = legend.get_text(" ", strip=True)
    assert text.startswith("Verdict shown: final answer correct ( correct ), the primary "
                           "outcome, which the posts count; beside it every turn correct "
                           "( all_turns_correct ; the stored passed holds the same verdict)")
    assert legend.select_one('strong[data-outcome="correct"]').get_text() == \
        "final answer correct"


def test_the_experiment_and_model_pages_count_the_posts_outcome(real_db):
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        post = _post_outcomes(con)
        pages = generated_pages(con, {})
        exp_page = pages["experiments/multi_turn/index.md"]
        assert "Counted as right: **final answer correct** (<code>correct</code>)" in exp_page
        assert "The stored `passed` holds every turn correct." in exp_page
        sql = re.search(r"```sql experiment_results\n(.*?)```", exp_page, re.S).group(1)
        by_model = {r.model_id: r for r in con.execute(sql).df().itertuples()}
        model_page = pages["models/qwen2.5-coder-1.5b.md"]
        sql = re.search(r"```sql model_results\n(.*?)```", model_page, re.S).group(1)
        [mrow] = con.execute(sql).df().itertuples()
    finally:
        con.close()
    for m in MODELS:
        rate = sum(v for (mm, _), v in post.items() if mm == m) / len(CASES)
        assert by_model[m].outcome_1 == pytest.approx(rate)  # "Final answer correct"
        assert by_model[m].successes == round(rate * len(CASES))
    assert mrow.outcome == "final answer correct"
    assert mrow.rate == pytest.approx(by_model["qwen2.5-coder-1.5b"].outcome_1)


def test_a_single_outcome_experiment_names_it_too(results_db):
    db = results_db({("m1", "plain"): [True, False, True]})
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert experiment_outcomes(con, "tiny_json", 1).shown == (
            Outcome(PASSED, "fully correct"),)
        html = render_markdown("```cases\nexperiment: tiny_json\n```\n", con).markdown
        soup = BeautifulSoup(html, "html.parser")
        assert [th.get_text() for th in soup.select_one("section").select("thead th")] == [
            "Model", "Variant", "Fully correct", "Output"]
        assert [td.get_text() for td in soup.select("td.llmx-verdict")] == [
            "\u2713 yes", "\u2717 wrong_content", "\u2713 yes"]
        # a block may name the outcomes itself; `passed` must be one of them
        html = render_markdown('```cases\nexperiment: tiny_json\noutcomes: [{field: parses, '
                               'label: "JSON parses"}, {field: passed, label: right}]\n'
                               'passed: passed\n```\n', con).markdown
        soup = BeautifulSoup(html, "html.parser")
        assert [th.get_text() for th in soup.select_one("section").select("thead th")][2:4] == [
            "JSON parses", "Right"]
        with pytest.raises(Exception, match="is not one of the outcomes shown"):
            render_markdown('```cases\nexperiment: tiny_json\noutcomes: [{field: parses, '
                            'label: parses}]\npassed: passed\n```\n', con)
    finally:
        con.close()
