"""The eight enterprise suites end to end with the real models on llama.cpp: each suite's
first cases run through the CLI (one model load for all eight), every step leaves its trace
(tools offered and calls parsed, every conversation turn, the sandbox run), and the site
built from that database shows the suites' cases pages with the transcripts.

Small on purpose (2 cases per suite): CI checks the machinery, the published numbers come
from experiments/run_suites.sh.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import duckdb
import pytest
from bs4 import BeautifulSoup

from helpers import ROOT, require_models

SUITES = ["function_calling", "rag_grounding", "classification", "code_generation",
          "summarization", "information_extraction", "multilingual", "multi_turn"]
LIMIT = 2


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    require_models()
    out = tmp_path_factory.mktemp("suites") / "r.duckdb"
    r = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", *[f"experiments/{s}.yaml" for s in SUITES],
         "--models", "smollm2-135m,gemma3-270m", "--limit", str(LIMIT), "--db", str(out),
         "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=1800)
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def _q(db, sql, *args):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(args)).fetchall()
    finally:
        con.close()


def test_every_suite_wrote_every_case_for_both_models(db):
    rows = _q(db, "SELECT experiment_id, model_id, variant, count(*) FROM outcomes "
                  "GROUP BY ALL ORDER BY ALL")
    got = {(e, m, v): n for e, m, v, n in rows}
    for suite in SUITES:
        for model in ("smollm2-135m", "gemma3-270m"):
            runs = {k: n for k, n in got.items() if k[0] == suite and k[1] == model}
            assert runs and all(n == LIMIT for n in runs.values()), (suite, model, runs)
    # every suite's scorer wrote its `correct` metric for every result without an error
    missing = _q(db, "SELECT ru.experiment_id, r.case_id FROM results r JOIN runs ru "
                     "USING (run_id) WHERE r.error IS NULL AND NOT EXISTS (SELECT 1 FROM "
                     "scores s WHERE s.run_id = r.run_id AND s.case_id = r.case_id AND "
                     "s.metric = 'correct')")
    assert missing == []


def _transcripts(db, suite, model):
    return [json.loads(t) for (t,) in _q(
        db, "SELECT r.transcript FROM results r JOIN runs ru USING (run_id) "
            "WHERE ru.experiment_id = ? AND ru.model_id = ? ORDER BY r.case_id", suite, model)]


def test_one_prompt_suites_store_no_transcript(db):
    assert _q(db, "SELECT count(*) FROM results r JOIN runs ru USING (run_id) WHERE "
                  "ru.experiment_id = 'rag_grounding' AND r.transcript IS NOT NULL") == [(0,)]


def test_function_calling_offers_the_tools_and_records_the_call(db):
    for model in ("smollm2-135m", "gemma3-270m"):
        for t in _transcripts(db, "function_calling", model):
            roles = [x["role"] for x in t]
            assert roles[-2:] == ["tools", "assistant"] and t[-1]["generated"] is True
            assert t[-2]["content"].startswith("Tools offered: ")
    # the tools turn carries the definitions offered, each with its parameters
    cases = {c: json.loads(i) for c, i in _q(
        db, "SELECT case_id, input FROM cases WHERE experiment_id = 'function_calling'")}
    rows = _q(db, "SELECT r.case_id, r.transcript FROM results r JOIN runs ru USING (run_id) "
                  "WHERE ru.experiment_id = 'function_calling'")
    for case_id, t in rows:
        offered = json.loads(t)[-2]["content"]
        body = json.loads(offered.split("\n\n", 1)[1])
        assert [d["function"]["name"] for d in body] == cases[case_id]["tools"]
        assert all("parameters" in d["function"] for d in body)


def test_conversations_store_every_turn_in_order(db):
    cases = {c: json.loads(i) for c, i in _q(
        db, "SELECT case_id, input FROM cases WHERE experiment_id = 'multi_turn'")}
    rows = _q(db, "SELECT r.case_id, r.transcript FROM results r JOIN runs ru USING (run_id) "
                  "WHERE ru.experiment_id = 'multi_turn'")
    assert len(rows) == 2 * LIMIT
    for case_id, t in rows:
        t = json.loads(t)
        given = [m for m in t if not m["generated"]]
        assert [(m["role"], m["content"]) for m in given if m["role"] != "system"] == [
            (m["role"], m["content"]) for m in cases[case_id]["messages"]
            if m["role"] != "system"]
        generated = [m for m in t if m["generated"]]
        users = [i for i, m in enumerate(cases[case_id]["messages"]) if m["role"] == "user"]
        assert len(generated) >= 3 and len(generated) <= len(users)
        assert t[-1]["generated"] and t[-1]["role"] == "assistant"


def test_code_runs_in_the_sandbox_and_the_verdict_is_stored(db):
    for model in ("smollm2-135m", "gemma3-270m"):
        for t in _transcripts(db, "code_generation", model):
            assert t[-1]["role"] == "sandbox" and t[-1]["content"].startswith("status: ")
            assert "tests passed: " in t[-1]["content"]
    modes = _q(db, "SELECT DISTINCT coalesce(failure_mode, 'pass') FROM outcomes "
                   "WHERE experiment_id = 'code_generation'")
    assert {m for (m,) in modes} <= {"pass", "no_code", "syntax_error", "wrong_signature",
                                     "test_failure", "timeout", "runtime_error", "memory",
                                     "forbidden"}


def test_site_shows_the_suites_and_their_transcripts(db, tmp_path):
    project = tmp_path / "site_project"
    shutil.copytree(ROOT / "tests" / "sites" / "basic", project)
    for post in (project / "posts" / "posts").glob("*.md"):
        post.unlink()  # their queries are about the tiny fixture; the generated pages stay
    cfg = project / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("SITE_OVERRIDES", str(ROOT / "site_overrides")))
    shutil.copy(db, project / "results.duckdb")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                       cwd=project, capture_output=True, text=True, timeout=600,
                       env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-3000:]
    for suite in SUITES:
        assert (project / "site" / "experiments" / suite / "cases" / "index.html").exists()
    page = BeautifulSoup((project / "site" / "experiments" / "multi_turn" / "cases" /
                          "index.html").read_text(), "html.parser")
    transcripts = page.select("details.llmx-transcript")
    assert len(transcripts) == 2 * LIMIT
    first_user = json.loads(_q(db, "SELECT input FROM cases WHERE experiment_id = 'multi_turn' "
                                   "ORDER BY position LIMIT 1")[0][0])["messages"]
    first_user = next(m["content"] for m in first_user if m["role"] == "user")
    assert first_user in transcripts[0].get_text()
    assert page.select(".llmx-turn--model")
    code = (project / "site" / "experiments" / "code_generation" / "cases" /
            "index.html").read_text()
    assert "tests passed: " in code
