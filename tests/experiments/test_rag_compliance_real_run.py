"""The RAG-compliance experiment with a real model (SmolLM2 on llama.cpp): one command runs all
five guards, NeMo Guardrails included (served by the run itself), on the first 5 cases, and the
series' posts render from that database with those 5 cases.

Small on purpose: CI checks the machinery; the published numbers come from
experiments/run_compliance.sh.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from helpers import ROOT, require_models
from pipeline.site.core.errors import RenderError
from pipeline.site.core.render import render_markdown

GUARDS = {"baseline", "enforcement_v1", "enforcement_v2", "llama_guard", "nemo_guardrails"}
POSTS = sorted((ROOT / "posts" / "posts").glob("rag-compliance-*.md"))


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    require_models()
    pytest.importorskip("nemoguardrails")
    out = tmp_path_factory.mktemp("rc") / "r.duckdb"
    r = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", "experiments/rag_compliance.yaml",
         "--models", "smollm2-135m", "--limit", "5", "--db", str(out), "--no-progress"],
        cwd=ROOT, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0, r.stderr[-3000:]
    return out


def test_all_five_guards_judged_the_same_five_cases(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT variant, list(case_id ORDER BY case_id), count(*) FILTER "
                           "(WHERE error IS NOT NULL) FROM outcomes o JOIN results r USING "
                           "(run_id, case_id, sample_idx) GROUP BY variant").fetchall()
        nemo = con.execute("SELECT count(*) FROM results r JOIN runs ru USING (run_id) WHERE "
                           "ru.variant = 'nemo_guardrails' AND r.parsed_output->>'block' IS "
                           "NOT NULL").fetchone()[0]
    finally:
        con.close()
    assert {v for v, _, _ in rows} == GUARDS
    cases = {tuple(c) for _, c, _ in rows}
    assert len(cases) == 1 and len(next(iter(cases))) == 5  # the same 5 cases for every guard
    assert all(errors == 0 for _, _, errors in rows), rows
    assert nemo == 5  # NeMo's verdict (allow or block) is stored for every case


@pytest.mark.parametrize("post", POSTS, ids=lambda p: p.stem)
def test_the_series_renders_from_the_limited_run(db: Path, post: Path) -> None:
    text = post.read_text(encoding="utf-8")
    head, body = text.split("---", 2)[1:]
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = render_markdown(body, con, line_offset=head.count("\n") + 1,
                              base_dir=post.parent, experiments=["rag_compliance"]).markdown
    except RenderError as exc:
        # 5 cases may not bear out a claim made on 174, or leave a chart with no rows (no
        # case of that kind yet); any other failure (SQL, a missing query) is a real one
        assert "claim" in str(exc) or "returned no rows" in str(exc), exc
        return
    finally:
        con.close()
    assert "SmolLM2" in out
