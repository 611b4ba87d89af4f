"""The default-run rule on the site (issue 22): a slot (experiment version, model, variant)
with two runs shows one of them everywhere, its current run (`current_runs`: the most
recently started one with results), as `outcomes` reads it for posts: the cases pages show
one output per case, the scope boxes name that run, a post's numbers count each case once.
Dropping the current run makes the older one current again, on every page alike.

The database is written through the real Store (tests/helpers.py write_run): m1/plain run
twice (the second with another max_tokens, all cases failing), m2/plain once."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup

from helpers import RATES, ROOT, row, run_spec, write_run
from pipeline.site.core.render import render_markdown
from pipeline.site.core.store_queries import case_outputs, current_run_ids, samples_per_case
from pipeline.store import open_read
from pipeline.store.runs import drop_run

SITES = ROOT / "tests" / "sites"
CASES = ("p1", "p2", "p3")
OLD, NEW = run_spec("m1", "plain"), dataclasses.replace(run_spec("m1", "plain"), max_tokens=96)


def _write(db: Path, spec, passes: list[bool], label: str) -> str:
    write_run(db, [row(c, p, f"{label}-{c}") for c, p in zip(CASES, passes, strict=True)],
              spec=spec)
    return spec.run_id


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The database, written once for the module (each test copies it)."""
    path = tmp_path_factory.mktemp("default_run") / "results.duckdb"
    _write(path, OLD, [True, True, False], "old")
    _write(path, run_spec("m2", "plain"), [False, False, True], "m2")
    _write(path, NEW, [False, False, False], "new")
    con = duckdb.connect(str(path))  # the newer run started later, whatever the clock did
    con.execute("UPDATE runs SET started_at = TIMESTAMP '2026-01-01' WHERE run_id = ?",
                [OLD.run_id])
    con.execute("UPDATE runs SET started_at = TIMESTAMP '2026-01-02' WHERE run_id = ?",
                [NEW.run_id])
    con.close()
    return path


@pytest.fixture
def db(two_runs: Path, tmp_path: Path) -> Path:
    return Path(shutil.copyfile(two_runs, tmp_path / "results.duckdb"))


def _render(db: Path, md: str, experiments: list[str] | None = None) -> str:
    con = open_read(db)
    try:
        return render_markdown(md, con, experiments=experiments).markdown
    finally:
        con.close()


CASES_MD = "```cases\nexperiment: tiny_json\n```\n"
VALUES = (RATES + "\nm1: {{ value rates.n model_id=m1 variant=plain }} cases, "
          "{{ value rates.pass_rate model_id=m1 variant=plain format=percent }}.\n")
SCOPE = ("```sql r\nSELECT count(*) AS n FROM {rel} WHERE experiment_id = 'tiny_json' "
         "AND model_id = 'm1'\n```\n\n```scope\n```\n")


def test_cases_page_shows_the_current_run_once_per_case(db):
    page = _render(db, CASES_MD)
    for c in CASES:
        assert page.count(f"new-{c}") == 1 and f"old-{c}" not in page
        assert page.count(f"m2-{c}") == 1
    con = open_read(db)
    try:
        assert current_run_ids(con) == {NEW.run_id, run_spec("m2", "plain").run_id}
        assert samples_per_case(con, "tiny_json", 1) == 2  # two outputs a case, not three
        assert len(case_outputs(con, "tiny_json", 1, list(CASES))) == 6
    finally:
        con.close()


def test_posts_count_each_case_once_and_scope_boxes_name_the_current_run(db):
    assert re.search(r"m1: <span[^>]*>3</span> cases, <span[^>]*>0\.0%</span>",
                     _render(db, VALUES))
    # restricted to the experiment (shadow views), the rule gives the same run
    assert re.search(r"m1: <span[^>]*>3</span> cases, <span[^>]*>0\.0%</span>",
                     _render(db, VALUES, experiments=["tiny_json"]))
    box = _render(db, SCOPE.format(rel="outcomes"))
    assert "Scope: 1 run, 3 scored outputs (tiny_json)" in box
    assert "96" in box and "replaced" not in box  # the new run's max_tokens
    named = _render(db, "```scope\nexperiments: [tiny_json]\n```\n")
    assert "Scope: 2 runs, 6 scored outputs" in named and "replaced" not in named
    # a query over every run reads the replaced one too, and the box says which it is
    every = _render(db, SCOPE.format(rel="all_outcomes"))
    assert "Scope: 2 runs, 6 scored outputs" in every and every.count("replaced") == 1


def test_a_page_restricted_to_one_experiment_sees_its_current_runs(db, copy_experiment):
    """`experiments:` in the front matter shadows `runs` and `results`; the store's views
    over them (current_runs, outcomes, all_outcomes) read the shadows, so the rule picks the
    same run whether the page sees every experiment or only its own."""
    from pipeline.site.core.store_queries import drop_experiment_shadows, shadow_experiments

    copy_experiment(db)  # 'other': the same runs, ids prefixed "o-"
    con = open_read(db)
    try:
        everything = current_run_ids(con)
        shadow_experiments(con, ["other"])
        assert current_run_ids(con) == {"o-" + r for r in everything if "o-" not in r}
        assert con.execute("SELECT list(DISTINCT experiment_id), count(*) FROM outcomes"
                           ).fetchall() == [(["other"], 6)]
        assert con.execute("SELECT count(*) FILTER (WHERE is_current), count(*) "
                           "FROM all_outcomes").fetchall() == [(6, 9)]
        drop_experiment_shadows(con)
    finally:
        con.close()


def test_after_dropping_the_current_run_the_older_one_is_current(db):
    report = drop_run(db, NEW.run_id)
    assert report.now_current == OLD.run_id
    assert re.search(r"m1: <span[^>]*>3</span> cases, <span[^>]*>66\.7%</span>",
                     _render(db, VALUES))
    page = _render(db, CASES_MD)
    assert all(page.count(f"old-{c}") == 1 and f"new-{c}" not in page for c in CASES)
    box = _render(db, SCOPE.format(rel="outcomes"))
    assert "Scope: 1 run, 3 scored outputs" in box and "replaced" not in box


def test_a_built_site_follows_the_rule(db, copy_test_site, tmp_path):
    """Through a real build: the generated cases page and the post's inline value."""
    site_project = copy_test_site(SITES / "basic", tmp_path / "site_project")
    shutil.copyfile(db, site_project / "results.duckdb")
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q"], cwd=site_project,
                       capture_output=True, text=True, timeout=300,
                       env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    site = site_project / "site"
    cases = (site / "experiments" / "tiny_json" / "cases" / "index.html").read_text()
    assert cases.count("new-p1") == 1 and "old-p1" not in cases
    post = BeautifulSoup((site / "tiny" / "index.html").read_text(), "html.parser")
    assert post.select_one(".llmx-value").get_text().startswith("0.0%")
