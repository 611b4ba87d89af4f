"""The data-aware query cache: prose edits re-run nothing; a data change re-runs only the
queries that read what changed."""

import duckdb
import pytest

from pipeline.site.core.cache import QueryCache, referenced_names
from pipeline.site.core.errors import RenderError
from pipeline.site.core.render import render_markdown
from pipeline.store import open_read

DOC = """Intro.

```sql rates
SELECT model_id, avg(passed::INT) AS pass_rate FROM outcomes GROUP BY 1 ORDER BY 1
```

```sql sizes
SELECT model_id, params FROM models ORDER BY 1
```

```sql best
SELECT max(pass_rate) AS best FROM rates
```

Best {{ value best.best format=percent }}; m1 has {{ value sizes.params model_id=m1 }}.
"""


def _render(db, cache_dir, doc=DOC):
    cache = QueryCache(cache_dir)  # one per build, as the plugin does
    con = open_read(db)
    try:
        out = render_markdown(doc, con, cache=cache)
    finally:
        con.close()
    return out, cache.stats


def test_prose_edit_reruns_nothing_and_data_change_only_what_it_touches(tmp_path, results_db):
    db = results_db({("m1", "plain"): [True, False, False]}, write=True)
    cache_dir = tmp_path / "cache"
    first, stats = _render(db, cache_dir)
    assert stats["run"] == 3 and stats["cached"] == 0
    assert "33.3%" in first.markdown
    again, stats = _render(db, cache_dir, DOC.replace("Intro.", "A new intro."))
    assert stats["run"] == 0 and stats["cached"] == 3
    assert again.markdown.replace("A new intro.", "Intro.") == first.markdown

    con = duckdb.connect(str(db))  # one result row changes
    con.execute("UPDATE results SET passed = true WHERE case_id = 'p2'")
    con.close()
    changed, stats = _render(db, cache_dir)
    # rates (reads outcomes → results) and best (reads rates) re-run; sizes (models) does not
    assert stats["run"] == 2 and stats["cached"] == 1
    assert "66.7%" in changed.markdown

    con = duckdb.connect(str(db))
    con.execute("UPDATE models SET params = 7 WHERE model_id = 'm1'")
    con.close()
    _, stats = _render(db, cache_dir)
    assert stats["run"] == 1 and stats["cached"] == 2


def test_referenced_names_and_fallback():
    con = duckdb.connect()
    assert referenced_names(con, "WITH q AS (SELECT 1) SELECT * FROM q, runs r "
                                 "WHERE 1 IN (SELECT 1 FROM models)") >= {"runs", "models"}
    assert referenced_names(con, "SELECT * FROM (PIVOT scores ON metric USING first(value))"
                            ) is None


def test_rendered_components_are_reused_only_for_the_same_code(tmp_path, monkeypatch,
                                                               results_db):
    import pipeline.site.core.version as cache_mod

    db = results_db({("m1", "plain"): [True, False, False]})
    doc = DOC + "\n```table\nquery: rates\n```\n"
    _, stats = _render(db, tmp_path / "cache", doc)
    assert stats["components_cached"] == 0
    _, stats = _render(db, tmp_path / "cache", doc)
    assert stats["components_cached"] == 3  # the table and the two inline values
    monkeypatch.setattr(cache_mod, "_CODE_VERSION", "a-newer-release")
    _, stats = _render(db, tmp_path / "cache", doc)
    assert stats["components_cached"] == 0


def test_pages_restricted_to_experiments_rerun_only_when_theirs_change(tmp_path, results_db,
                                                                      copy_experiment):
    db = results_db({("m1", "plain"): [True, False, False]}, write=True)
    copy_experiment(db)  # a second experiment: a copy of the first under another id
    doc = ("```sql n\nSELECT count(*) AS n, avg(passed::INT) AS rate FROM outcomes\n```\n\n"
           "{{ value n.n }} outputs, {{ value n.rate format=percent }}\n")

    def render(experiments):
        cache = QueryCache(tmp_path / "cache")
        c = open_read(db)
        try:
            return render_markdown(doc, c, cache=cache, experiments=experiments), cache.stats
        finally:
            c.close()

    out, _ = render(["tiny_json"])
    assert ">3</span> outputs" in out.markdown  # only its own experiment's rows are visible
    render(["other"])
    con = duckdb.connect(str(db))
    con.execute("UPDATE results SET passed = true WHERE run_id LIKE 'o-%'")
    con.close()
    _, stats = render(["tiny_json"])
    assert stats["run"] == 0  # another experiment changed: nothing re-queried
    out, stats = render(["other"])
    assert stats["run"] == 1 and "100.0%" in out.markdown
    with pytest.raises(RenderError, match="unknown experiment id\\(s\\) 'nope' in the front "
                                          "matter. Known: other, tiny_json"):
        render(["nope"])
