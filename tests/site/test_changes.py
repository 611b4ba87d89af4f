"""What changed since the last build (issue 24): every build records each published number
(value, n, interval, post and block) in the repository, and the generated changes page lists
the numbers that moved since the previous record, and whether each moved beyond its interval.

Built for real: a small site whose one post reads two experiments; one experiment's results
change in the test's own copy of the database, and the page must list exactly the numbers
that moved (computed here from the two records, and from the database), nothing of the other
experiment, and keep listing them after a rebuild with no change."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from bs4 import BeautifulSoup

from pipeline.site.builder.changes import (
    Change,
    Recorded,
    RecordError,
    beyond_interval,
    diff,
    read_record,
    update_record,
)
from pipeline.site.builder.source import StageError
from pipeline.site.core.published import page_numbers
from pipeline.stats import wilson_interval

RECORD = "published/numbers.jsonl"
ENV = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
POST = "posts/changes.md"

PAGE = """---
date: 2026-02-01
slug: changes-post
categories: [Test]
---

# Two experiments

```sql tiny
SELECT model_id, count(*) AS n, count(*) FILTER (WHERE passed) AS passed,
       avg(passed::INT) AS pass_rate
FROM outcomes WHERE experiment_id = 'tiny_json' GROUP BY model_id ORDER BY model_id
```

```sql other
SELECT model_id, count(*) AS n, count(*) FILTER (WHERE passed) AS passed,
       avg(passed::INT) AS pass_rate
FROM outcomes WHERE experiment_id = 'other' GROUP BY model_id ORDER BY model_id
```

m1 passed {{ value tiny.pass_rate model_id=m1 format=percent ci=passed/n }} of the tiny cases.

```table
query: tiny
columns: {model_id: Model, n: n, pass_rate: Pass rate}
format: {pass_rate: percent}
successes: passed
trials: n
```

```chart
query: other
x: model_id
successes: passed
trials: n
```
"""


def _project(tmp_path: Path, make_site_project, copy_experiment) -> Path:
    project = make_site_project(tmp_path / "p")
    copy_experiment(project / "results.duckdb")  # 'other': the same rows, changed alone
    (project / "posts" / "posts" / "changes.md").write_text(PAGE)
    return project


def mkdocs_build(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=project,
                          capture_output=True, text=True, timeout=300, env=ENV)


def _build(project: Path) -> None:
    r = mkdocs_build(project, "--strict", "-q")
    assert r.returncode == 0, r.stderr


def _numbers(project: Path) -> dict:
    record = read_record(project / RECORD)
    assert record is not None
    return record.numbers


def _page(project: Path) -> BeautifulSoup:
    return BeautifulSoup((project / "site" / "changes" / "index.html").read_text(),
                         "html.parser")


def _moved_rows(soup: BeautifulSoup) -> list[list[str]]:
    """The rows of the page's moved tables: [block, row, column, old → new, n, old CI → new
    CI, beyond]."""
    out = []
    heading = soup.find(id="moved") or soup.find("h2", string="Moved")
    if heading is None:
        return out
    for table in heading.find_all_next("table"):
        if table.find_previous("h2") is not heading:
            break
        out += [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
                for tr in table.find_all("tr") if tr.find_all("td")]
    return out


def test_changing_one_experiment_lists_exactly_the_numbers_that_moved(
        tmp_path, make_site_project, copy_experiment):
    project = _project(tmp_path, make_site_project, copy_experiment)
    _build(project)
    text = _page(project).get_text(" ", strip=True)
    assert "There is no previous record" in text
    first = _numbers(project)
    first_text = (project / RECORD).read_text()
    mine = {k: v for k, v in first.items() if v.post == POST}
    # the table's three numeric cells and the rate's interval, per model; the chart's points
    assert {(v.block, v.column) for v in mine.values()} == {
        ("table tiny", "n"), ("table tiny", "pass_rate"), ("chart other", "rate"),
        ("value tiny", "pass_rate")}
    rate = mine[(POST, "table tiny", json.dumps([["model_id", "m1"]]), "pass_rate")]
    assert (rate.n, (rate.low, rate.high)) == (3, pytest.approx(wilson_interval(2, 3)))

    # m1 now passes every tiny case (was p1, p2): its rate moves, n does not; 'other' stays
    db = project / "results.duckdb"
    con = duckdb.connect(str(db))
    con.execute("UPDATE results SET passed = true WHERE run_id IN (SELECT run_id FROM runs "
                "WHERE experiment_id = 'tiny_json' AND model_id = 'm1')")
    con.close()
    _build(project)
    second = _numbers(project)
    expected = {k for k in first.keys() & second.keys()
                if not math.isclose(first[k].value, second[k].value, rel_tol=1e-12)}
    assert first.keys() == second.keys()
    # m1's tiny_json rate, wherever a post shows it (this post and tiny.md), nothing else
    assert {(k[0], k[1], k[3]) for k in expected} == {
        (POST, "table tiny", "pass_rate"), (POST, "value tiny", "pass_rate"),
        ("posts/tiny.md", "table rates", "pass_rate"), ("posts/tiny.md", "chart rates", "rate"),
        ("posts/tiny.md", "value rates", "pass_rate")}
    assert all(second[k].value == 1.0 and first[k].value == pytest.approx(2 / 3)
               for k in expected)
    page = _page(project)
    rows = _moved_rows(page)
    shown = {(b, r, c) for b, r, c, *_ in rows}
    assert len(rows) == len(shown) == len(expected)
    assert shown == {(k[1], ", ".join(f"{a}={b}" for a, b in json.loads(k[2])), k[3])
                     for k in expected}
    lo, hi = wilson_interval(2, 3)
    assert not lo <= 1.0 <= hi  # 3 of 3 lies outside the old interval of 2 of 3
    for _block, _row, _column, move, n, cis, beyond in rows:
        assert move == "66.7% → 100.0%" and beyond == "yes"
        assert n in ("3 → 3", "—")  # the chart's rate and the table's have an n
        old_ci, new_ci = cis.split(" → ")
        assert old_ci.startswith("20.8") and new_ci.startswith("43.9")
    text = page.get_text(" ", strip=True)
    assert "5 numbers moved (5 beyond their interval), 0 added, 0 removed" in text
    assert "chart other" not in text  # the untouched experiment's numbers did not move
    link = page.find("a", string="Two experiments")
    assert link is not None and link["href"].rstrip("/").endswith("changes-post")
    second_text = (project / RECORD).read_text()
    assert second_text != first_text

    # a rebuild with no change: the record stays as it is, the page keeps the last changes
    _build(project)
    assert (project / RECORD).read_text() == second_text
    page = _page(project)
    assert len(_moved_rows(page)) == 5
    text = page.get_text(" ", strip=True)
    assert "Nothing moved since the last recorded build" in text
    header = json.loads(second_text.splitlines()[0])
    assert header["changes_between"]["from"]["at"] == json.loads(
        first_text.splitlines()[0])["build"]["at"]
    assert "The last changes, between the build of" in text


def test_a_corrupt_record_fails_the_build_naming_file_and_line(
        tmp_path, make_site_project, copy_experiment):
    project = _project(tmp_path, make_site_project, copy_experiment)
    _build(project)
    path = project / RECORD
    lines = path.read_text().splitlines()
    lines[2] = "<<<<<<< HEAD"
    path.write_text("\n".join(lines) + "\n")
    r = mkdocs_build(project, "--strict", "-q")
    assert r.returncode != 0
    assert "published/numbers.jsonl:3: not a line of the record" in r.stderr
    assert "merge conflict" in r.stderr and "Traceback" not in r.stderr


# -- units -----------------------------------------------------------------------------------
def _n(value, low=None, high=None, column="rate", row=(("model_id", "m1"),)):
    return Recorded("posts/x.md", "table q", row, column, value, 10 if low is not None
                    else None, low, high, None)


def test_diff_names_moved_added_and_removed_with_the_old_interval():
    old = {n.key: n for n in [_n(0.5, 0.2, 0.8), _n(0.5, 0.2, 0.8, column="a"),
                              _n(3, column="k"), _n(1.0, column="gone")]}
    new = {n.key: n for n in [_n(0.7, 0.4, 0.9), _n(0.9, 0.6, 1.0, column="a"),
                              _n(3 + 1e-14, column="k"), _n(2.0, column="new")]}
    changes = {(c.kind, c.number.column): c for c in diff(old, new)}
    assert set(changes) == {("moved", "rate"), ("moved", "a"), ("added", "new"),
                            ("removed", "gone")}
    assert changes[("moved", "rate")].beyond is False  # 0.7 inside the old 0.2–0.8
    assert changes[("moved", "a")].beyond is True  # 0.9 outside it
    assert beyond_interval(_n(1.0), _n(2.0)) is None  # no interval to move beyond
    assert diff(old, old) == []


def test_update_record_writes_only_when_a_number_differs(tmp_path):
    path = tmp_path / "rec" / "numbers.jsonl"
    one = [_n(0.5, 0.2, 0.8).line()]
    out = update_record(path, one, {}, database="r.duckdb", token="a")
    assert out.status == "first" and out.written and path.is_file()
    before = path.read_text()
    out = update_record(path, one, {}, database="r.duckdb", token="b")
    assert out.status == "unchanged" and not out.written and path.read_text() == before
    moved = [_n(0.9, 0.6, 1.0).line()]
    out = update_record(path, moved, {}, database="r.duckdb", token="c", live=True)
    assert out.status == "changed" and not out.written  # a preview never writes
    out = update_record(path, moved, {"posts/x.md": "boom"}, database="r.duckdb", token="c")
    assert out.changes == [] and not out.written  # a failing post: compared without it
    out = update_record(path, moved, {}, database="r.duckdb", token="c")
    assert out.status == "changed" and out.written
    [change] = out.changes
    assert isinstance(change, Change) and change.beyond is True
    kept = read_record(path)
    assert kept is not None and kept.changes == out.changes
    assert kept.between["to"]["token"] == "c" and kept.between["from"]["token"] == "a"
    out = update_record(path, moved, {}, database="r.duckdb", token="d")
    assert out.status == "unchanged" and out.changes == kept.changes


@pytest.mark.parametrize("text, where", [
    ("", ":1: the record of published numbers is empty"),
    ('{"llmx_record": 1, "build": {}}\n[1, 2]\n', ":2: not a line of the record"),
    ('{"llmx_record": 1, "build": {}}\n{nope\n', ":2: not a line of the record"),
    ('{"other": 1}\n', ":1: not a line of the record"),
])
def test_a_bad_record_is_a_clear_error(tmp_path, text, where):
    path = tmp_path / "numbers.jsonl"
    path.write_text(text)
    with pytest.raises(RecordError, match="numbers.jsonl" + where.replace("(", r"\(")):
        read_record(path)
    assert issubclass(RecordError, StageError)
    out = update_record(path, [], {}, database="r", token="t", live=True, warn=lambda m: None)
    assert out.status == "unreadable"


def test_page_numbers_keys_rows_by_labels_not_lines():
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('a', 1, 5, 2, 0.4), ('a', 3, 5, 4, "
                "0.8), ('b', 1, 5, 5, 1.0)) v(model_id, position, n, k, rate)")
    page = ("```sql q\nSELECT * FROM t ORDER BY ALL\n```\n\n```table\nquery: q\nsuccesses: k\n"
            "trials: n\n```\n\n```chart\nquery: q\ntype: line\nx: position\ncolor: model_id\n"
            "y: rate\n```\n")
    numbers = page_numbers(page, con)
    again = page_numbers("Some prose above.\n\n" + page, con)
    assert [n.key for n in numbers] == [n.key for n in again]
    rates = {n.row: n for n in numbers if n.block == "table q" and n.column == "rate"}
    # the position is a label (it tells a's rows apart), n and k are numbers
    assert set(rates) == {(("model_id", "a"), ("position", "1")),
                          (("model_id", "a"), ("position", "3")),
                          (("model_id", "b"), ("position", "1"))}
    assert rates[(("model_id", "a"), ("position", "1"))].low == pytest.approx(
        wilson_interval(2, 5)[0])
    assert {n.column for n in numbers if n.block == "table q"} == {"n", "k", "rate"}
    assert {n.row for n in numbers if n.block == "chart q"} == {
        (("position", "1"), ("model_id", "a")), (("position", "3"), ("model_id", "a")),
        (("position", "1"), ("model_id", "b"))}
