"""Bad author files fail `mkdocs build` cleanly: one row per broken post or .sql file.

Each row copies the small test site, breaks one file and builds it for real: a non-zero
exit, no traceback, and a message naming the post (repo-relative, `path:line: key: message`,
the one error format) and the line or key.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[1] / "sites" / "basic"
SQL_BLOCK = "```sql extra file=queries/extra.sql\n```\n"


@pytest.fixture
def project(tmp_path: Path, make_site_project) -> Path:
    return make_site_project(tmp_path / "site_project", {("m1", "plain"): [True, True, False]})


def _post(old: str, new: str | bytes, name: str = "tiny.md") -> Callable[[Path], None]:
    """Replace *old* in the post with *new* (bytes: written raw)."""
    def edit(project: Path) -> None:
        p = project / "posts" / "posts" / name
        raw = p.read_bytes()
        assert old.encode() in raw, old
        p.write_bytes(raw.replace(old.encode(), new if isinstance(new, bytes) else new.encode()))
    return edit


def _sql(content: bytes | None) -> Callable[[Path], None]:
    """Add a `sql extra file=queries/extra.sql` block; the file is *content*, a directory
    (None) or missing (b'missing')."""
    def edit(project: Path) -> None:
        _post("Intro.\n", "Intro.\n\n" + SQL_BLOCK)(project)
        q = project / "posts" / "posts" / "queries" / "extra.sql"
        q.parent.mkdir()
        if content is None:
            q.mkdir()
        elif content != b"missing":
            q.write_bytes(content)
    return edit


ROWS: dict[str, tuple[Callable[[Path], None], list[str]]] = {
    "front-matter-invalid-yaml": (
        _post('series: "Part 1 · Tests"', 'series: "Part 1 · Tests\nlead: [x'),
        ["posts/posts/tiny.md:", "front matter: invalid YAML"]),
    "front-matter-duplicate-key": (
        _post("number: 3\n", "number: 3\nnumber: 4\n"),
        ["posts/posts/tiny.md:6: front matter: duplicate key 'number' (first on line 5)"]),
    "front-matter-alias-bomb": (
        _post("lead: A tiny post.", "lead: &a [x, x, x]\nheadline2: [*a, *a, *a]"),
        ["posts/posts/tiny.md:7: front matter: YAML anchors and aliases are not supported"]),
    "front-matter-python-tag": (
        _post("lead: A tiny post.", "lead: !!python/object/apply:os.system ['echo pwned']"),
        ["posts/posts/tiny.md:7: front matter: YAML tag '!!python/object/apply:os.system'"]),
    "front-matter-not-a-mapping": (
        lambda project: (project / "posts" / "posts" / "tiny2.md").write_text(
            "---\n- date\n- slug\n---\n\n# Tiny two\n"),
        ["posts/posts/tiny2.md:2: front matter: expected a mapping of keys, found a list"]),
    "front-matter-bad-value": (
        _post("number: 3", "number: three"),
        ["posts/posts/tiny.md:5: number: bad front-matter value: Input should be a valid "
         "integer"]),
    "front-matter-unknown-key": (
        _post("number: 3", "nubmer: 3"),
        ["posts/posts/tiny.md:5: nubmer: unknown front-matter key. Did you mean 'number'?"]),
    "post-binary": (
        lambda project: (project / "posts" / "posts" / "tiny2.md").write_bytes(
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
        ["posts/posts/tiny2.md:3: binary data (a NUL byte)"]),
    "post-invalid-utf8": (
        _post("Intro.", b"Intro \xe9t\xe9."),
        ["posts/posts/tiny.md:", "not valid UTF-8 (byte 0xe9"]),
    "sql-missing": (_sql(b"missing"), ["posts/posts/tiny.md:", "query 'extra': cannot read",
                                       "extra.sql (no such file)"]),
    "sql-binary": (_sql(b"SELECT\x00\x01\x02"), ["posts/posts/tiny.md:", "query 'extra'",
                                                "extra.sql:1: binary data"]),
    "sql-invalid-utf8": (_sql(b"SELECT 1\n-- caf\xe9\n"),
                         ["posts/posts/tiny.md:", "query 'extra'", "extra.sql:2: not valid UTF-8"]),
    "sql-directory": (_sql(None), ["posts/posts/tiny.md:", "query 'extra'",
                                   "extra.sql: is a directory"]),
}


@pytest.mark.parametrize("row", list(ROWS))
def test_bad_post_file_fails_the_build_cleanly(row: str, project: Path) -> None:
    edit, expect = ROWS[row]
    edit(project)
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"],
                       cwd=project, capture_output=True, text=True, timeout=300,
                       env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert r.returncode != 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    for part in expect:
        assert part in r.stderr, (part, r.stderr[-3000:])
