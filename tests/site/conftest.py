"""Site projects for the site tests, made one way: a copy of a folder of tests/sites/ with
the theme overrides pointed at the repository's, and a results database from the session's
shared ones (tests/conftest.py: built once, copied per project, since builds write to it).
The repository's own site, which several slow tests read, is built once per session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from helpers import ROOT, chromium
from pipeline.store import open_read

SITES = ROOT / "tests" / "sites"
BUILD_ENV = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
# the basic project's default database: model output p1 is markup, which must stay text
HOSTILE_OUTPUT = "<img src=x onerror=alert(1)>"
BASIC_OUTCOMES = {("m1", "plain"): [True, True, False], ("m2", "plain"): [False, False, True]}

MakeProject = Callable[..., Path]


def copy_site(src: Path, dst: Path, ignore: Callable[..., object] | None = None) -> Path:
    """Copy the test site *src* to *dst*, its mkdocs.yml pointed at our theme overrides."""
    shutil.copytree(src, dst, ignore=ignore)
    cfg = dst / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("SITE_OVERRIDES", str(ROOT / "site_overrides")))
    return dst


@pytest.fixture(scope="session")
def copy_test_site() -> Callable[..., Path]:
    """`copy_test_site(src, dst, ignore=None)`: a test site copied, with no database (for a
    test that makes its own, e.g. from the real one)."""
    return copy_site


@pytest.fixture(scope="session")
def make_site_project(shared_dbs) -> MakeProject:
    """`make_site_project(dst, outcomes=..., outputs=..., site="basic", ignore=None)`: a copy
    of tests/sites/<site> at *dst* with its own results.duckdb (by default the basic
    project's: m1 passes p1, p2; m2 passes p3; p1's output is markup)."""
    def make(dst: Path, outcomes: dict | None = None, outputs: dict | None = None,
             site: str = "basic", ignore: Callable[..., object] | None = None) -> Path:
        copy_site(SITES / site, dst, ignore)
        if outcomes is None:
            outcomes, outputs = BASIC_OUTCOMES, {"p1": HOSTILE_OUTPUT}
        shutil.copyfile(shared_dbs.get(outcomes, outputs), dst / "results.duckdb")
        return dst
    return make


@pytest.fixture
def site_project(tmp_path: Path, make_site_project: MakeProject) -> Path:
    """This test's own copy of the basic project (posts, config and database may change)."""
    return make_site_project(tmp_path / "site_project")


@pytest.fixture
def open_results(results_db) -> Iterator[Callable[..., duckdb.DuckDBPyConnection]]:
    """`open_results(outcomes=None, outputs=None)`: a read-only connection (`open_read`, as a
    build opens the database) to one of the session's tiny results DBs, closed after the test."""
    opened: list[duckdb.DuckDBPyConnection] = []

    def get(outcomes=None, outputs=None) -> duckdb.DuckDBPyConnection:
        opened.append(open_read(results_db(outcomes, outputs)))
        return opened[-1]
    yield get
    for con in opened:
        con.close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of the session (each opens its pages)."""
    with chromium() as b:
        yield b


def mkdocs_build(project: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", *args], cwd=project,
                          capture_output=True, text=True, timeout=timeout, env=BUILD_ENV)


@pytest.fixture(scope="session")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's own site, built once per session (read it, never change it)."""
    out = tmp_path_factory.mktemp("repo_site") / "main"
    r = mkdocs_build(ROOT, "-q", "-d", str(out), timeout=900)
    assert r.returncode == 0, r.stderr
    return out


def _copy_experiment(db: Path, new_id: str = "other") -> None:
    """Copy the tiny experiment's rows in *db* under *new_id* (experiment, cases, runs with
    ids prefixed "o-", results): a second experiment whose rows a test can change alone."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"INSERT INTO experiments SELECT '{new_id}', version, title, description, "
                    "category, scorer, definition, first_seen FROM experiments")
        con.execute(f"INSERT INTO cases SELECT '{new_id}', experiment_version, case_id, "
                    "position, input, expected, tags, case_hash FROM cases")
        con.execute("INSERT INTO runs SELECT * REPLACE ('o-' || run_id AS run_id, "
                    f"'{new_id}' AS experiment_id) FROM runs")
        con.execute("INSERT INTO results SELECT * REPLACE ('o-' || run_id AS run_id) "
                    "FROM results")
    finally:
        con.close()


@pytest.fixture(scope="session")
def copy_experiment() -> Callable[..., None]:
    """`copy_experiment(db, new_id="other")`: see _copy_experiment."""
    return _copy_experiment


@pytest.fixture
def two_experiment_project(site_project: Path) -> Path:
    """The basic project without generated pages, with a second experiment ('other', its
    runs "o-...") read by its own post (posts/other.md: its rate) while the tiny post reads
    only tiny_json: for tests of what a change to one experiment's rows re-renders."""
    cfg = site_project / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("lock_wait: 2", "lock_wait: 2\n      "
                                           "generated_pages: false"))
    _copy_experiment(site_project / "results.duckdb")
    posts = site_project / "posts" / "posts"
    (posts / "other.md").write_text(
        "---\ndate: 2026-01-20\nslug: other\nexperiments: [other]\n---\n\n# Other\n\n"
        "```sql n\nSELECT avg(passed::INT) AS rate FROM outcomes\n```\n\n"
        "Rate {{ value n.rate format=percent }}.\n")
    tiny = posts / "tiny.md"
    if "experiments:" not in tiny.read_text():
        tiny.write_text(tiny.read_text().replace("slug: tiny\n",
                                                 "slug: tiny\nexperiments: [tiny_json]\n"))
    return site_project
