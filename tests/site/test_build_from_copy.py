"""The real site builds from a copy of the project that is not a git checkout (a release
archive, `git archive HEAD | tar -x`, a CI cache): nothing in the build may need `.git`."""

import shutil
import subprocess
import sys

import pytest

from helpers import ROOT
from pipeline.store import open_snapshot


def _copy_without_git(dst):
    """The files `git archive` would ship if the working tree were committed now: tracked and
    untracked-but-not-ignored files as they are on disk, never `.git`. The database is copied
    under its read lock (a runner may be writing it)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, listed):
        src = ROOT / rel
        if rel == "results.duckdb" or not src.is_file():  # deleted in the working tree
            continue
        (dst / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst / rel)
    folder, con = open_snapshot(ROOT / "results.duckdb")
    con.close()
    shutil.copyfile(f"{folder}/results.duckdb", dst / "results.duckdb")
    shutil.rmtree(folder)


def test_site_builds_strictly_from_a_copy_without_git(tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: every other site build here is already one without git")
    copy = tmp_path / "copy"
    copy.mkdir()
    _copy_without_git(copy)
    assert not (copy / ".git").exists()
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                        "-d", str(tmp_path / "site")], cwd=copy, capture_output=True,
                       text=True, timeout=300, env={"NO_MKDOCS_2_WARNING": "1",
                                                    "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert "git" not in r.stderr.lower(), r.stderr
    feed = (tmp_path / "site" / "feed_rss_created.xml").read_text()
    assert feed.count("<item>") == len(list((copy / "posts" / "posts").glob("*.md")))
