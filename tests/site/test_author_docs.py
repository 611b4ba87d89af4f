"""The authors' guide (posts/writing-posts.md) cannot fall behind the code: every front
matter key, every component option and every SQL function is documented there, every column
of the store's schema has a meaning on the generated database reference, and every
documented join names real columns. (Like datasette's test_docs.py.)"""

import re

import duckdb
import pytest

from helpers import ROOT
from pipeline.site.builder import reference
from pipeline.site.builder.front_matter import PostFrontMatter
from pipeline.site.core.components import components
from pipeline.site.core.sql_functions import register
from pipeline.store.schema import DDL_V1, MIGRATIONS, SCHEMA_VERSION

PAGE = (ROOT / "posts" / "writing-posts.md").read_text(encoding="utf-8")


def section(heading: str) -> str:
    """The text under *heading* (a whole line) up to the next heading of its level or above."""
    level = len(heading) - len(heading.lstrip("#"))
    m = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^#{{1,{level}}} |\Z)", PAGE, re.M | re.S)
    assert m, f"writing-posts.md has no section {heading!r}"
    return m.group(1)


def rows(text: str) -> set[str]:
    """The first cell of every table row, without its backticks."""
    return {m.group(1) for m in re.finditer(r"^\| `([^`]+)` \|", text, re.M)}


def schema() -> duckdb.DuckDBPyConnection:
    """A database with exactly the store's current schema, as open_write creates it."""
    con = duckdb.connect()
    con.execute(DDL_V1)
    for version in range(2, SCHEMA_VERSION + 1):
        con.execute(MIGRATIONS[version])
    return con


def test_every_front_matter_key_is_documented():
    documented = rows(section("## Front matter"))
    missing = [k for k in PostFrontMatter.model_fields if k not in documented]
    assert not missing, f"front matter keys missing from writing-posts.md: {missing}"


@pytest.mark.parametrize("name", components.names())
def test_every_component_option_is_documented(name):
    documented = rows(section(f"### `{name}`"))
    options = components.get(name).options.model_fields
    missing = [o for o in options if o not in documented]
    assert not missing, f"{name}: options missing from writing-posts.md: {missing}"
    unknown = sorted(documented - set(options))
    assert not unknown, f"{name}: writing-posts.md documents options it lacks: {unknown}"


def test_every_sql_function_is_documented():
    con = duckdb.connect()
    before = {r[0] for r in con.execute("SELECT function_name FROM duckdb_functions()").fetchall()}
    register(con)
    ours = {r[0] for r in con.execute(
        "SELECT function_name FROM duckdb_functions()").fetchall()} - before
    assert ours
    missing = [f for f in sorted(ours) if f"`{f}(" not in PAGE]
    assert not missing, f"SQL functions missing from writing-posts.md: {missing}"


def test_every_comparison_says_which_way_it_points():
    documented = section("## Comparisons: which way they point")
    for name in ("compare", "paired_suite_diff", "mcnemar_p", "highlight", "claim"):
        assert f"`{name}" in documented, name


def test_every_schema_column_has_a_meaning():
    con = schema()
    tables = reference.schema_columns(con)
    assert {"outcomes", "results", "runs", "cases"} <= set(tables)
    for table, columns in tables.items():
        assert reference.TABLES.get(table), f"table {table}: no description in reference.py"
        for column, _, _ in columns:
            assert reference.COLUMNS.get(table, {}).get(column), (
                f"column {table}.{column}: no meaning in pipeline/site/builder/reference.py")
    stale = [(t, c) for t, cols in reference.COLUMNS.items() for c in cols
             if c not in {name for name, _, _ in tables.get(t, [])}]
    assert not stale, f"reference.py describes columns the schema lacks: {stale}"


def test_generated_reference_lists_every_table_column_and_key():
    con = schema()
    page = reference.database_reference(con)
    for table, columns in reference.schema_columns(con).items():
        assert f"## `{table}`" in page
        for column, dtype, _ in columns:
            assert f"| `{column}` | `{dtype}` |" in page, (table, column)
    assert "Key: `experiment_id`, `experiment_version`, `case_id`" in page  # cases
    assert "Key: `run_id`, `case_id`, `sample_idx`" in page  # results (kept by the writers)
    assert "(reference/database.md)" in PAGE  # the guide links it


def test_documented_joins_name_real_columns():
    tables = {t: {c for c, _, _ in cols}
              for t, cols in reference.schema_columns(schema()).items()}
    for left, right, on, _ in reference.JOINS:
        for a, b in on:
            assert a in tables[left] and b in tables[right], (left, a, right, b)
