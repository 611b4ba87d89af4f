"""The build refuses a post's SQL that computes a statistic by hand (pipeline.site.core.stat_guard).

Every rule has SQL it must flag and look-alike SQL it must leave alone; the current posts'
statements pass; a planted hand-written Wilson interval fails a real `mkdocs build` with
the post's file and line and the SQL function to use instead.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from helpers import ROOT
from pipeline.site.core import stat_guard
from pipeline.site.core.components import components, parse_options
from pipeline.site.core.document import find_blocks
from pipeline.site.core.errors import RenderError
from pipeline.site.core.query import QueryScope
from pipeline.site.core.sql_functions import FUNCTIONS

SITE = Path(__file__).resolve().parents[1] / "sites" / "basic"

# The hand-written Wilson interval post 08 had (rag-compliance-enforcement-engine.md).
WILSON_BY_HAND = """
SELECT model_id, recall, n,
       greatest(0, (recall + 1.9208 / n
                    - 1.96 * sqrt(recall * (1 - recall) / n + 0.9604 / (n * n)))
                   / (1 + 3.8416 / n)) AS low
FROM per_model
"""

# The hand-written bootstrap post 07 had (rag-compliance-llama-guard.md), shortened.
BOOTSTRAP_BY_HAND = """
WITH draws AS (
  SELECT d.model_id, r.r, hash(r.r, j.j) % d.n AS i
  FROM (SELECT DISTINCT model_id, n FROM idx) d, range(2000) r(r), range(d.n) j(j)),
reps AS (SELECT model_id, r, avg(x.passed::INT) AS rate
         FROM draws JOIN idx x USING (model_id, i) GROUP BY model_id, r)
SELECT model_id, quantile_cont(rate, 0.025) AS low, quantile_cont(rate, 0.975) AS high
FROM reps GROUP BY model_id
"""

POSITIVE: list[tuple[str, str]] = [
    ("critical-value", "SELECT rate - 1.96 * se AS low FROM t"),
    ("critical-value", "SELECT rate + 1.959964 * se FROM t"),
    ("critical-value", "SELECT rate + 1.9600 * se FROM t"),  # written as any decimal
    ("critical-value", "SELECT x + 2.576 * se, x - 2.58 * se FROM t"),
    ("critical-value", "SELECT x + 1.645 * se FROM t"),
    ("critical-value", "SELECT (k + 0.9604 / n) FROM t"),
    ("critical-value", "SELECT k / (n + 3.8416) FROM t"),
    ("critical-value", "SELECT abs(z) > -1.96 AS holds FROM t"),
    ("critical-value", WILSON_BY_HAND),
    ("proportion-se", "SELECT sqrt(p * (1 - p) / n) FROM t"),
    ("proportion-se", "SELECT sqrt((1.0 - p) * p / n) FROM t"),
    ("proportion-se", "SELECT SQRT(avg(x::INT) * (1 - avg(x::INT)) / count(*)) FROM t"),
    ("proportion-se", "SELECT sqrt(t.p * (1 - t.p)) FROM t"),
    ("proportion-se", WILSON_BY_HAND),
    ("standard-error", "SELECT sqrt(v / n) FROM t"),
    ("standard-error", "SELECT sqrt(var_samp(score) / count(*)) FROM t"),
    ("standard-error", "SELECT stddev_samp(score) / sqrt(count(*)) AS se FROM t"),
    ("standard-error", "SELECT stddev(score)/SQRT(n) FROM t"),
    ("standard-error", "SELECT avg(x) + 2 * (stddev_pop(abs(x - 1)) / sqrt(count(*))) FROM t"),
    ("bootstrap", BOOTSTRAP_BY_HAND),
    ("bootstrap", "SELECT percentile_cont(0.975) WITHIN GROUP (ORDER BY m) FROM "
                  "(SELECT b, avg(v) AS m FROM generate_series(1, 1000) g(b), t "
                  "WHERE random() < 0.5 GROUP BY b)"),
]

NEGATIVE: list[tuple[str, str]] = [
    ("critical-value", "SELECT '1.96' AS label, 'z = 2.576' AS note FROM t"),
    ("critical-value", "SELECT x -- within 1.96 standard errors\nFROM t"),
    ("critical-value", "SELECT x /* 0.9604 = 1.96^2/4 */ FROM t"),
    ("critical-value", 'SELECT x AS "ci 1.96", ci_1_96 FROM t'),
    ("critical-value", "SELECT quantile_cont(ms, 0.975), 21.96, 1.965, 196, 19.6 FROM t"),
    ("critical-value", "SELECT rate FROM t WHERE p < 0.05 AND rate > 0.9"),
    ("proportion-se", "SELECT a * (1 - b) AS expected, sqrt(2) FROM t"),
    ("proportion-se", "SELECT sqrt(sum(d * d)) AS norm FROM t"),
    ("standard-error", "SELECT sqrt(x) / n, avg(x) / count(*) FROM t"),
    ("standard-error", "SELECT stddev_samp(ms) AS sd, stddev(ms) / avg(ms) AS cv FROM t"),
    ("bootstrap", "SELECT r FROM range(2000) r(r)"),  # numbers, no resampling
    ("bootstrap", "SELECT quantile_cont(ms, 0.9) FROM t QUALIFY "
                  "row_number() OVER (ORDER BY hash(case_id)) <= 5"),  # a seeded sample
    ("bootstrap", "SELECT quantile_cont(v, 0.5) FROM range(10) r(r), t "
                  "WHERE hash(r.r) % 2 = 0"),  # fewer than 100 draws
    ("bootstrap", "SELECT 'range(2000) hash( quantile(' AS s"),
]


def _rules(sql: str) -> set[str]:
    return {f.rule.name for f in stat_guard.findings(sql)}


def test_every_rule_has_a_positive_and_a_negative_example():
    names = {r.name for r in stat_guard.RULES}
    assert {n for n, _ in POSITIVE} == names
    assert {n for n, _ in NEGATIVE} == names


@pytest.mark.parametrize(("rule", "sql"), POSITIVE)
def test_rule_flags(rule: str, sql: str):
    assert rule in _rules(sql), sql


@pytest.mark.parametrize(("rule", "sql"), NEGATIVE)
def test_rule_leaves_alone(rule: str, sql: str):
    assert rule not in _rules(sql), sql


def test_every_function_the_advice_names_is_registered():
    for rule in stat_guard.RULES:
        named = set(re.findall(r"\b([a-z_0-9]+)\(", rule.advice))
        assert named, rule.name
        assert named <= set(FUNCTIONS), (rule.name, named - set(FUNCTIONS))


def test_message_names_rule_line_and_the_function_to_use():
    with pytest.raises(RenderError) as info:
        stat_guard.check(WILSON_BY_HAND, 40, "query 'low'")
    err = info.value
    assert err.line == 40
    text = err.describe("posts/x.md")
    assert text.startswith("posts/x.md:40: query 'low' computes a statistic by hand")
    assert "[critical-value]" in text and "[proportion-se]" in text
    assert "at SQL line 3:" in text  # the statement's first line is blank
    assert "wilson_ci(k, n)" in text


def test_unreadable_sql_is_left_to_duckdb():
    assert stat_guard.findings("SELECT 'unterminated 1.96") == []
    assert stat_guard.findings("") == []


def test_scope_checks_author_sql_and_not_the_sites_own():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 0.5 AS p, 10 AS n")
    scope = QueryScope(con)
    with pytest.raises(RenderError, match=r"query 'ci' computes a statistic by hand"):
        scope.define("ci", "SELECT p - 1.96 * sqrt(p * (1 - p) / n) FROM t", 7)
    with pytest.raises(RenderError, match=r"the sql: option computes a statistic by hand"):
        scope.run("SELECT p - 1.96 FROM t", 9)
    assert scope.run("SELECT p - 1.96 AS x FROM t", 9, author=False)["x"].iloc[0] == \
        pytest.approx(-1.46)
    scope.define("ok", "SELECT (wilson_ci(5, 10)).low AS low", 11)


# -- the current posts --------------------------------------------------------------------

PAGES = sorted((ROOT / "posts").rglob("*.md"))


def _statements(page: Path) -> list[tuple[str, int, str]]:
    """(name, line, SQL) of every named query and component `sql:` of *page*."""
    blocks, _ = find_blocks(page.read_text(encoding="utf-8").split("\n"), components.names())
    out = []
    for b in blocks:
        if b.kind == "sql" and b.name:
            sql = b.body if b.file is None else (page.parent / b.file).read_text()
            out.append((b.name, b.line, sql))
        elif b.kind in components.names():
            sql = getattr(parse_options(b.kind, b.body, b.line), "sql", None)
            if sql:
                out.append((f"{b.kind} sql:", b.line, sql))
    return out


def test_the_pages_have_sql_to_check():
    assert sum(len(_statements(p)) for p in PAGES) > 50


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_current_posts_compute_no_statistic_by_hand(page: Path):
    flagged = [f"{page.name}:{line} {name}: {sorted(_rules(sql))}"
               for name, line, sql in _statements(page)
               if _rules(sql)]
    assert not flagged


@pytest.mark.parametrize("path", sorted((ROOT / "posts" / "queries").glob("*.sql")),
                         ids=lambda p: p.name)
def test_shared_query_files_compute_no_statistic_by_hand(path: Path):
    assert not _rules(path.read_text(encoding="utf-8"))


# -- a real build -------------------------------------------------------------------------

PLANTED_BLOCK = """```sql wilson
SELECT model_id, pass_rate,
       pass_rate - 1.96 * sqrt(pass_rate * (1 - pass_rate) / n) AS low
FROM rates
```
"""
PLANTED_CLAIM = """```claim
statement: The rate is well above zero.
sql: >-
  SELECT bool_and(pass_rate - 1.96 * sqrt(pass_rate * (1 - pass_rate) / n) > 0) AS holds
  FROM rates
```
"""


def _build(project: Path, insert: str, files: dict[str, str] | None = None) -> tuple[str, int]:
    """Build the small test site *project* with *insert* after its "Intro." line; return
    stderr and the post line *insert* starts on."""
    post = project / "posts" / "posts" / "tiny.md"
    text = post.read_text()
    assert "Intro.\n" in text
    line = text[:text.index("Intro.\n")].count("\n") + 3
    post.write_text(text.replace("Intro.\n", "Intro.\n\n" + insert, 1))
    for name, content in (files or {}).items():
        (post.parent / name).parent.mkdir(parents=True, exist_ok=True)
        (post.parent / name).write_text(content)
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                       cwd=project, capture_output=True, text=True, timeout=300,
                       env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert r.returncode != 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    return r.stderr, line


@pytest.mark.parametrize("how", ["inline", "file", "claim"])
def test_planted_hand_written_wilson_fails_the_build_naming_post_and_line(tmp_path, how,
                                                                          make_site_project):
    project = make_site_project(tmp_path / "site_project", {("m1", "plain"): [True, True, False]})
    if how == "inline":
        stderr, line = _build(project, PLANTED_BLOCK)
        what = "query 'wilson'"
    elif how == "file":
        body = PLANTED_BLOCK.split("\n", 1)[1].rsplit("```", 1)[0]
        stderr, line = _build(project, "```sql wilson file=queries/wilson.sql\n```\n",
                              {"queries/wilson.sql": body})
        what = "query 'wilson'"
    else:
        stderr, line = _build(project, PLANTED_CLAIM)
        what = "the sql: option"
    assert f"posts/tiny.md:{line}: {what} computes a statistic by hand" in stderr, stderr
    assert "[critical-value]" in stderr and "[proportion-se]" in stderr
    assert "wilson_ci(k, n)" in stderr
