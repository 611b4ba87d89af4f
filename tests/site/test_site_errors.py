"""The site's errors in the one format (`pipeline.errors.located`), replayed through a real
`mkdocs build` of the small test site: `path:line: key: message`, the path repo-relative (the
post's file as the author opens it, not relative to the docs dir), the line the query's fence,
the component option's or the front-matter key's own line, and a did-you-mean for an unknown
front-matter key, component option or plugin option."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BUILD_ENV = {"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
POST = "posts/posts/tiny.md"  # tests/sites/basic: docs_dir posts/, the post under posts/


def _build(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300, env=BUILD_ENV)


def _edit(project: Path, old: str, new: str) -> None:
    post = project / POST
    text = post.read_text()
    assert old in text, old
    post.write_text(text.replace(old, new, 1))


ROWS = {
    # the fence of query 'rates' is line 13; DuckDB's own line is mapped to the file's
    "query": (("FROM outcomes WHERE", "FROM outcomez WHERE"),
              [f"{POST}:13: query 'rates' failed: Catalog Error: Table with name outcomez",
               "LINE 3 (file line 16):"]),
    "component-option": (("color: model_id", "colour: model_id"),
                         [f"{POST}:32: chart: unknown option 'colour' (did you mean 'color'? "
                          "valid options: "]),
    "unknown-key": (("number: 3", "nubmer: 3"),
                    [f"{POST}:5: nubmer: unknown front-matter key. Did you mean 'number'?"]),
    "unknown-key-far": (("lead: A tiny post.", "lead: A tiny post.\nzzz_qqq: 1"),
                        [f"{POST}:8: zzz_qqq: unknown front-matter key (read by neither"]),
    "unknown-experiment": (("slug: tiny\n", "slug: tiny\nexperiments: [tiny_jsn]\n"),
                           [f"{POST}:4: experiments: unknown experiment id(s) 'tiny_jsn' in the "
                            "front matter. Did you mean 'tiny_json'? Known: tiny_json"]),
    "bad-value": (("number: 3", "number: three"),
                  [f"{POST}:5: number: bad front-matter value: Input should be a valid "
                   "integer"]),
    "bad-value-later-key": (("lead: A tiny post.", "lead: A tiny post.\nexperiments: 3"),
                            [f"{POST}:8: experiments: bad front-matter value: Input should "
                             "be a valid list"]),
}


@pytest.mark.parametrize("row", list(ROWS))
def test_site_error_names_the_posts_file_line_and_key(row: str, site_project: Path) -> None:
    (old, new), expect = ROWS[row]
    _edit(site_project, old, new)
    r = _build(site_project)
    assert r.returncode != 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    for part in expect:
        assert part in r.stderr, (part, r.stderr[-3000:])


def test_a_plugin_option_typo_gets_a_did_you_mean(site_project: Path) -> None:
    cfg = site_project / "mkdocs.yml"
    cfg.write_text(cfg.read_text().replace("lock_wait: 2", "lock_wait: 2\n      cahce: false"))
    r = _build(site_project)
    assert r.returncode != 0, r.stderr
    assert "option 'cahce': unknown option (did you mean 'cache'? valid: " in r.stderr, r.stderr


def test_paths_are_relative_to_where_the_build_runs(site_project: Path) -> None:
    """A site in a subfolder of the repository, built from the repository's root with -f:
    the message names the post from the root, so it can be pasted into an editor there."""
    _edit(site_project, "FROM outcomes WHERE", "FROM outcomez WHERE")
    r = _build(site_project.parent, "-f", "site_project/mkdocs.yml")
    assert r.returncode != 0, r.stderr
    assert f"site_project/{POST}:13: query 'rates' failed" in r.stderr, r.stderr[-3000:]
