"""A post's queries, packed so a reader can re-run and edit them in the browser (DuckDB-Wasm).

For each chart and table of a page this writes what the "Run this query" button needs:

- one Parquet extract per database relation the page's SQL reads, holding only the columns
  its SQL names and the rows of the runs the page can read (`pipeline.site.core.lineage`),
  as the page's own connection sees them (restricted to its experiments). Parquet format
  version 1, not a DuckDB file: DuckDB's storage format changes between versions, and the
  browser (DuckDB-Wasm 1.32, DuckDB 1.4) reads each file through parquet-wasm into Arrow, so
  it needs none of DuckDB's extensions (DuckDB-Wasm 1.32 links none in: json and parquet
  load on demand from DuckDB's server, which an offline site never contacts);
- `llmx_memo_<function>.parquet`, the values the page's statistics functions returned.
  They run in Python at build time (statsmodels, scipy, scikit-learn:
  `pipeline.site.core.sql_functions`) and cannot run in the browser. There each statistics
  function is a macro that looks its value up by a hash of its exact inputs (core functions
  only); inputs the build never saw stop the query with an error naming the function and
  saying why;
- `blocks.json`: the setup SQL (the lookup maps and macros), the page's named queries, and
  per block its SQL, the named queries it needs, and the values the build rendered.

Nothing is taken on trust: the export re-runs every block twice off the extracts, once with
the real statistics functions (which records their values) and once exactly as the browser
will (views + lookup macros), and compares both with the frames the page was rendered from.
A block that does not reproduce is marked `reproducible: false` with the reason, and the
build warns.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipeline.site.core import sql_functions
from pipeline.site.core.components import components, parse_options
from pipeline.site.core.document import find_blocks
from pipeline.site.core.errors import RenderError
from pipeline.site.core.query import QueryScope

VERSION = 1
BLOCK_KINDS = ("chart", "table")
ASSET_DIR = "assets/llmx/sql"
# at most this many cells of a block's result go into blocks.json for the comparison
EXPECTED_CELLS = 50_000
# the library behind each statistics function (the button names it)
LIBRARIES = {
    "cochran_q": "statsmodels", "mcnemar_p": "statsmodels", "suite_score": "numpy bootstrap",
    "macro_f1": "scikit-learn", "power_two_prop": "statsmodels",
    "paired_suite_diff": "numpy bootstrap", "wilson_ci": "statsmodels",
    "cluster_rate_ci": "scipy bootstrap", "classifier_metrics": "scikit-learn + statsmodels",
    "mcnemar_test": "statsmodels", "paired_test": "numpy bootstrap",
    "f1_diff_test": "scikit-learn bootstrap", "p_adjust": "statsmodels",
    "mde": "statsmodels", "fisher_p": "scipy", "binom_p": "scipy",
}
_PY = "_llmx_py_"
EXTENSION_REASON = "it calls DuckDB's "
_TOLERANCE = 1e-9


@dataclass
class BlockSpec:
    id: int
    kind: str
    line: int
    query: str | None
    sql: str
    needs: list[str]
    columns: dict[str, str] | None
    format: dict[str, str]
    frame: pd.DataFrame = field(repr=False)
    stats: list[str] = field(default_factory=list)
    extensions: list[str] = field(default_factory=list)
    # named queries it reads that ship as their build-time result (they call json)
    fixed: list[str] = field(default_factory=list)
    reproducible: bool = True
    reason: str = ""


@dataclass
class PageExport:
    """The files of one page (relative to the site root) and what they hold."""

    key: str
    files: dict[str, bytes]
    blocks: list[BlockSpec]
    extracts: dict[str, int]  # file name -> bytes

    @property
    def total_bytes(self) -> int:
        return sum(self.extracts.values())

    @property
    def problems(self) -> list[str]:
        """Blocks that should re-run off the extracts and do not (a json call is no
        problem of the export: the button says why it cannot run)."""
        return [f"block at line {b.line} ({b.kind}): {b.reason}" for b in self.blocks
                if not b.reproducible and not b.reason.startswith(EXTENSION_REASON)]


def page_key(src_uri: str) -> str:
    """The folder name of a page's files: its source path as a slug (`posts/posts/x.md` →
    `posts-posts-x`)."""
    stem = re.sub(r"\.md$", "", src_uri)
    return re.sub(r"[^A-Za-z0-9_]+", "-", stem).strip("-").lower() or "index"


def blocks_url(root_url: str, key: str) -> str:
    return f"{root_url}{ASSET_DIR}/{key}/blocks.json"


def page_marker(root_url: str, key: str) -> str:
    """The element that tells the browser where the page's queries are (hidden)."""
    return (f'<div class="llmx-sql-page" data-blocks="{blocks_url(root_url, key)}" '
            f'data-duckdb="{root_url}assets/llmx/duckdb/" hidden></div>')


def run_button(block_id: int) -> str:
    return (f'<div class="llmx-run" data-llmx-block="{block_id}"><button type="button" '
            'class="llmx-run__button">Run this query</button></div>')


# -- the page's SQL: which relations and columns it reads --------------------------------


def _walk(node: Any) -> Iterable[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def _direct_tables(node: Any) -> Iterable[str]:
    """Base tables in a FROM clause, not inside its subqueries."""
    if not isinstance(node, dict):
        return
    if node.get("type") == "BASE_TABLE":
        yield node["table_name"]
    elif node.get("type") == "JOIN":
        yield from _direct_tables(node.get("left"))
        yield from _direct_tables(node.get("right"))


def sql_refs(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[set[str], set[str], set[str]]:
    """(tables, columns, tables read with *) of *sql*, as DuckDB's parser sees it. Column
    names are unqualified and may belong to any table: a superset of what is read."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchall()[0][0])
    if tree.get("error"):
        raise RenderError(f"cannot parse the query for the browser: {tree.get('error_message')}")
    tables: set[str] = set()
    columns: set[str] = set()
    star: set[str] = set()
    ctes: set[str] = set()
    for n in _walk(tree):
        if n.get("type") == "BASE_TABLE":
            tables.add(n["table_name"])
        elif n.get("class") == "COLUMN_REF":
            columns.add(n["column_names"][-1])
        if n.get("type") == "JOIN":
            columns.update(n.get("using_columns") or [])
        elif n.get("type") == "SELECT_NODE":
            if any(e.get("class") == "STAR" for e in n.get("select_list", [])
                   if isinstance(e, dict)):
                star.update(_direct_tables(n.get("from_table")))
        if isinstance(n.get("cte_map"), dict):
            ctes.update(e["key"] for e in n["cte_map"].get("map", []))
    return tables - ctes, columns, star - ctes


# -- values as JSON, the same way the browser converts its result ------------------------


def json_value(v: Any) -> Any:
    """A result value as the browser compares it (see the module docstring of runquery.js):
    numbers, text, booleans, null; structs as objects, lists as arrays; dates and times as
    epoch milliseconds; NaN and infinities as null."""
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating, Decimal)):
        f = float(v)
        return None if math.isnan(f) or math.isinf(f) else f
    if isinstance(v, pd.Timestamp):
        return v.value // 1_000_000 if v.tzinfo is None else v.tz_convert("UTC").value // 1_000_000
    if isinstance(v, datetime):
        return json_value(pd.Timestamp(v))
    if isinstance(v, date):
        return json_value(pd.Timestamp(v))
    if isinstance(v, pd.Timedelta):
        return v.value // 1_000_000
    if isinstance(v, dict):
        return {str(k): json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, np.ndarray)):
        return [json_value(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    return str(v)


def frame_rows(df: pd.DataFrame) -> list[list[Any]]:
    return [[json_value(v) for v in row] for row in df.itertuples(index=False, name=None)]


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) \
                and not isinstance(a, bool) and not isinstance(b, bool):
            return abs(a - b) <= _TOLERANCE * max(1.0, abs(a), abs(b))
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _sort_key(row: list[Any]) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def difference(built: pd.DataFrame, got: pd.DataFrame) -> str:
    """'' when *got* holds the values *built* holds (rows in any order), else the first
    difference in words."""
    if list(built.columns) != list(got.columns):
        return f"columns differ: built {list(built.columns)}, re-run {list(got.columns)}"
    if len(built) != len(got):
        return f"{len(built)} rows built, {len(got)} re-run"
    a, b = frame_rows(built), frame_rows(got)
    if not all(_same(x, y) for x, y in zip(a, b, strict=True)):
        a, b = sorted(a, key=_sort_key), sorted(b, key=_sort_key)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        for col, u, v in zip(built.columns, x, y, strict=True):
            if not _same(u, v):
                return f"row {i + 1}, column {col}: built {u!r}, re-run {v!r}"
    return ""


# -- statistics functions: recorded at build time, looked up in the browser ---------------
# DuckDB-Wasm 1.32 links no extension in: json and parquet load on demand from DuckDB's
# extension server, which a site that works offline never contacts. So nothing here uses
# them: keys are built with core functions only, values are kept in typed tables.


def _type(t: Any) -> Any:
    return duckdb.sqltype(str(t)) if isinstance(t, str) else t


def _is_struct_list(t: Any) -> bool:
    t = _type(t)
    return bool(t.id == "list" and t.child.id == "struct")


_NULL = "chr(1)"


def _text(expr: str, t: Any) -> str:
    """*expr* of type *t* as text, the same in DuckDB 1.4 and 2.0: doubles with 12
    significant digits (an aggregate's last bits differ between engines and runs), lists and
    structs element by element with control-character separators, NULL as chr(1)."""
    t = _type(t)
    if t.id == "double" or t.id == "float":
        return f"coalesce(format('{{:.12g}}', CAST({expr} AS DOUBLE)), {_NULL})"
    if t.id == "varchar":
        return f"coalesce({expr}, {_NULL})"
    if t.id == "list":
        inner = _text("x", t.child)
        return (f"coalesce(array_to_string(list_transform({expr}, lambda x: {inner}), "
                f"chr(30)), {_NULL})")
    if t.id == "struct":
        fields = [_text(f"({expr}).{name}", child) for name, child in t.children]
        return f"concat_ws(chr(31), {', '.join(fields)})"
    return f"coalesce(CAST({expr} AS VARCHAR), {_NULL})"


def _macro(name: str, record: bool) -> str:
    """The SQL macro standing in for statistics function *name*: in the export it calls the
    Python function and records its value by the hash of its inputs (*record*); in the
    browser it looks the value up, or stops with an error naming the function."""
    _, args, _ret = sql_functions.FUNCTIONS[name]
    params = [f"a{i}" for i in range(len(args))]
    # an order-free list (the functions sort it themselves: pipeline.stats.canonical) is
    # sorted so the same rows give the same key whatever order list() gathered them in
    passed = [f"list_sort({p})" if _is_struct_list(t) else p for p, t in zip(params, args,
                                                                                strict=True)]
    parts = [_text(p, t) for p, t in zip(passed, args, strict=True)]
    key = f"'{name}:' || md5(concat_ws(chr(29), {', '.join(parts)}))"
    if record:
        value = f"_llmx_rec_{name}({key}, {_PY}{name}({', '.join(passed)}))"
    else:
        why = (f"{name}() runs in Python ({LIBRARIES.get(name, 'Python')}) when the site is "
               "built; the browser has its values only for the inputs this page's own "
               "queries gave it, not for these: ").replace("'", "''")
        shown = f"left(CAST(row({', '.join(params)}) AS VARCHAR), 300)"
        value = (f"(coalesce(map_extract(getvariable('llmx_{name}'), {key})[1], "
                 f"error('{why}' || '{name}' || {shown}))).v")
    return f"CREATE OR REPLACE MACRO {name}({', '.join(params)}) AS {value}"


def memo_relation(name: str) -> str:
    return f"llmx_memo_{name}"


def browser_setup(recorded: Iterable[str]) -> list[str]:
    """The statements the browser runs once per page, after loading every file of the page
    as a table of its name: each statistics function's values as a map variable (empty for
    a function the page never called), then the lookup macros."""
    out = []
    have = set(recorded)
    for name, (_, _, ret) in sql_functions.FUNCTIONS.items():
        if name in have:
            out.append(f"SET VARIABLE llmx_{name} = (SELECT map(list(key), list({{'v': v}})) "
                       f"FROM {memo_relation(name)})")
        else:
            out.append(f"SET VARIABLE llmx_{name} = MAP {{}}::MAP(VARCHAR, STRUCT(v {_type(ret)}))")
    out += [_macro(name, record=False) for name in sql_functions.FUNCTIONS]
    return out


class _Recorder:
    """Every value the statistics functions returned, by function and key."""

    def __init__(self) -> None:
        self.memo: dict[str, dict[str, Any]] = {}

    def for_function(self, name: str) -> Any:
        def record(key: str | None, value: Any) -> Any:
            if key is not None:
                self.memo.setdefault(name, {})[key] = value
            return value
        return record


def _record_setup(con: duckdb.DuckDBPyConnection, recorder: _Recorder) -> None:
    for name, (fn, args, ret) in sql_functions.FUNCTIONS.items():
        con.create_function(_PY + name, fn, args, ret, null_handling="special",
                            side_effects=False)
        con.create_function(f"_llmx_rec_{name}", recorder.for_function(name),
                            ["VARCHAR", ret], ret, null_handling="special", side_effects=True)
        con.execute(_macro(name, record=True))


def _write_memo(recorder: _Recorder, tmp: Path) -> dict[str, int]:
    """One Parquet file per statistics function the page called: (key, v) with v typed as
    the function returns it."""
    sizes = {}
    mc = duckdb.connect()
    try:
        for name, values in sorted(recorder.memo.items()):
            ret = sql_functions.FUNCTIONS[name][2]
            rel = memo_relation(name)
            mc.execute(f"CREATE TABLE {rel} (key VARCHAR, v {_type(ret)})")
            mc.executemany(f"INSERT INTO {rel} VALUES (?, ?)", sorted(values.items()))
            path = tmp / f"{rel}.parquet"
            _copy(mc, f"SELECT * FROM {rel} ORDER BY key", path)
            sizes[path.name] = path.stat().st_size
    finally:
        mc.close()
    return sizes


# json functions need DuckDB's json extension, which DuckDB-Wasm loads from DuckDB's server
JSON_FUNCTIONS = re.compile(r"^(->>|->|json_.*|from_json.*|to_json|read_json.*|"
                            r"read_ndjson.*)$")


def extensions_needed(con: duckdb.DuckDBPyConnection, sql: str) -> set[str]:
    """The DuckDB extensions *sql* calls functions of (only json is looked for)."""
    tree = json.loads(con.execute("SELECT json_serialize_sql(?::VARCHAR)", [sql]).fetchall()[0][0])
    return {"json" for n in _walk(tree) if n.get("class") in ("FUNCTION", "OPERATOR")
            and JSON_FUNCTIONS.match(str(n.get("function_name", "")))}


# -- one page --------------------------------------------------------------------------------


def _needs(con: duckdb.DuckDBPyConnection, sql: str, named: dict[str, str],
           own: str | None, stop: frozenset[str] = frozenset()) -> list[str]:
    """The named queries *sql* reads, directly or through each other, in page order; a
    query in *stop* (shipped as its result) is listed but not followed."""
    seen: set[str] = set()
    todo = [sql]
    while todo:
        tables, _, _ = sql_refs(con, todo.pop())
        for t in tables:
            if t in named and t not in seen and t != own:
                seen.add(t)
                if t not in stop:
                    todo.append(named[t])
    return [n for n in named if n in seen]


def _run_chain(con: duckdb.DuckDBPyConnection, block: BlockSpec,
               named: dict[str, str], made: set[str]) -> pd.DataFrame:
    for name in block.needs:
        if name not in made:
            con.execute(f'CREATE OR REPLACE TEMP TABLE "{name}" AS {named[name]}')
            made.add(name)
    return con.execute(block.sql).df()


def export_page(markdown: str, con: duckdb.DuckDBPyConnection, key: str,
                src_label: str, cache: Any = None, base_dir: Path | None = None,
                experiments: list[str] | None = None) -> PageExport | None:
    """The browser files of one page (None when it has no chart or table). Runs the page's
    queries on *con* (from the build's query cache when given), restricted to *experiments*
    like the page. Raises RenderError (with the line) when a query fails as it would in the
    page."""
    from pipeline.site.core.render import _sql_of

    blocks, _ = find_blocks(markdown.split("\n"), components.names())
    if not any(b.kind in BLOCK_KINDS for b in blocks):
        return None
    scope = QueryScope(con, cache, experiments)
    try:
        named: dict[str, str] = {}
        specs: list[BlockSpec] = []
        for b in blocks:
            if b.kind == "sql" and b.name:
                sql = _sql_of(b, base_dir)
                scope.define(b.name, sql, b.line)
                named[b.name] = scope.sql[b.name]
            elif b.kind in BLOCK_KINDS:
                opts: Any = parse_options(b.kind, b.body, b.line)
                frame, sql = opts.load(scope, b.line)
                sql = sql.strip().rstrip(";")
                cols = getattr(opts, "columns", None)
                if isinstance(cols, list):
                    cols = {c: c for c in cols}
                specs.append(BlockSpec(
                    id=len(specs), kind=b.kind, line=b.line, query=opts.query, sql=sql,
                    needs=_needs(con, sql, named, opts.query), frame=frame,
                    columns=dict(cols) if isinstance(cols, dict) else None,
                    format={k: str(v) for k, v in (getattr(opts, "format", None) or {}).items()}))
        runs = sorted(scope.runs_read())
        # A named query that calls json functions cannot run in DuckDB-Wasm (see the module
        # docstring): its result, as the page computed it, ships instead, and what reads it
        # runs in the browser. The block's own SQL still runs there; only such a query is
        # a table computed at build time.
        fixed = frozenset(n for n, q in named.items() if extensions_needed(con, q))
        for spec in specs:
            if spec.query in fixed:  # the block shows such a query: the reader queries its rows
                spec.sql = f'SELECT * FROM "{spec.query}"'
                spec.query = None
            spec.needs = _needs(con, spec.sql, named, spec.query, fixed)
            spec.fixed = [n for n in spec.needs if n in fixed]
            spec.needs = [n for n in spec.needs if n not in fixed]
        with tempfile.TemporaryDirectory(prefix="llmx-sql-") as tmp:
            return _export(con, key, src_label, named, specs, runs, Path(tmp), fixed)
    finally:
        scope.close()


def _export(con: duckdb.DuckDBPyConnection, key: str, src_label: str,
            named: dict[str, str], specs: list[BlockSpec], runs: list[str],
            tmp: Path, fixed: frozenset[str] = frozenset()) -> PageExport:
    # what the blocks' chains read: every relation and column named in their SQL
    chain_sql = {s for b in specs for s in [b.sql, *(named[n] for n in b.needs)]}
    tables: set[str] = set()
    columns: set[str] = set()
    star: set[str] = set()
    for sql in chain_sql:
        t, c, s = sql_refs(con, sql)
        tables |= t
        columns |= c
        star |= s
    relations = sorted(tables - set(named))
    have = {r: [row[0] for row in con.execute(f'DESCRIBE SELECT * FROM "{r}"').fetchall()]
            for r in relations}
    shipped = sorted({n for b in specs for n in b.fixed})
    for name in shipped:  # the page's temporary table of that query, as it rendered
        _copy(con, f'SELECT * FROM "{name}"', tmp / f"{name}.parquet")
    for all_columns in (False, True):
        chosen = {r: [c for c in cols if all_columns or r in star or c in columns]
                  for r, cols in have.items()}
        extracts = _write_extracts(con, chosen, runs, tmp)
        extracts.update({f"{n}.parquet": (tmp / f"{n}.parquet").stat().st_size
                         for n in shipped})
        recorder = _Recorder()
        problems = _verify(specs, named, tmp, recorder)
        # a column the parse did not see (a star through a view, say) fails to bind: then,
        # and only then, every column of every relation
        if all_columns or not any("Binder Error" in p for p in problems.values()):
            break
    memo_sizes = _write_memo(recorder, tmp)
    for b in specs:
        chain = [b.sql, *(named[n] for n in b.needs)]
        b.extensions = sorted(set().union(*(extensions_needed(con, q) for q in chain)))
        b.reason = problems.get(b.id, "")
        if b.extensions and not b.reason:
            b.reason = (f"{EXTENSION_REASON}{' and '.join(b.extensions)} functions; DuckDB-Wasm "
                        "loads that extension from DuckDB's server, which this site never "
                        "contacts, and the extension is not on the package registries to ship "
                        "with the site")
        b.reproducible = not b.reason
        b.stats = [n for n in sql_functions.FUNCTIONS
                   if any(re.search(rf"\b{n}\s*\(", q) for q in chain)]
    sizes = {**extracts, **memo_sizes}
    columns_of = {**chosen, **{n: [r[0] for r in con.execute(f'DESCRIBE "{n}"').fetchall()]
                               for n in shipped}}
    files = {f"{ASSET_DIR}/{key}/{name}": (tmp / name).read_bytes() for name in sizes}
    spec = {
        "version": VERSION, "page": src_label,
        "files": [{"name": name, "table": name.removesuffix(".parquet"), "bytes": size,
                   "columns": columns_of.get(name.removesuffix(".parquet"), ["key", "v"])}
                  for name, size in sizes.items()],
        "setup": browser_setup(recorder.memo),
        "functions": {n: LIBRARIES.get(n, "Python") for n in sql_functions.FUNCTIONS},
        "queries": [{"name": n, "sql": s, "precomputed": n in fixed} for n, s in named.items()],
        "blocks": [_block_json(b) for b in specs],
    }
    files[f"{ASSET_DIR}/{key}/blocks.json"] = json.dumps(
        spec, ensure_ascii=False, separators=(",", ":")).encode()
    return PageExport(key, files, specs, sizes)


def _block_json(b: BlockSpec) -> dict[str, Any]:
    rows = frame_rows(b.frame)
    width = max(1, len(b.frame.columns))
    keep = max(1, EXPECTED_CELLS // width)
    return {"id": b.id, "kind": b.kind, "line": b.line, "query": b.query, "sql": b.sql,
            "needs": b.needs, "columns": b.columns, "format": b.format, "stats": b.stats,
            "extensions": b.extensions, "precomputed": b.fixed,
            "reproducible": b.reproducible, "reason": b.reason,
            "expected": {"columns": [str(c) for c in b.frame.columns],
                         "types": [str(t) for t in b.frame.dtypes],
                         "rows": rows[:keep], "truncated": len(rows) > keep}}


def _copy(con: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    # Parquet format version 1 and zstd: what DuckDB 1.4 (the browser's) reads
    con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, "
                "PARQUET_VERSION V1)")


def _write_extracts(con: duckdb.DuckDBPyConnection, chosen: dict[str, list[str]],
                    runs: list[str], tmp: Path) -> dict[str, int]:
    sizes = {}
    run_list = "[" + ", ".join("'" + r.replace("'", "''") + "'" for r in runs) + "]"
    for rel, cols in chosen.items():
        have = [c[0] for c in con.execute(f'DESCRIBE SELECT * FROM "{rel}"').fetchall()]
        select = ", ".join(f'"{c}"' for c in cols) or "1 AS _llmx_row"
        where = f" WHERE run_id IN (SELECT unnest({run_list}::VARCHAR[]))" \
            if "run_id" in have else ""
        path = tmp / f"{rel}.parquet"
        _copy(con, f'SELECT {select} FROM "{rel}"{where}', path)
        sizes[path.name] = path.stat().st_size
    return sizes


def _verify(specs: list[BlockSpec], named: dict[str, str], tmp: Path,
            recorder: _Recorder) -> dict[int, str]:
    """Re-run every block off the extracts twice (the real statistics functions, recording
    their values; then the browser's lookups) and compare with the built frames:
    {block id: the first difference}."""
    problems: dict[int, str] = {}
    for browser in (False, True):
        vc = duckdb.connect()
        try:
            if browser:
                _write_memo(recorder, tmp)
            for path in sorted(tmp.glob("*.parquet")):
                if browser or not path.name.startswith("llmx_memo_"):
                    # the browser loads each file as a table of its name (parquet-wasm →
                    # Arrow → DuckDB): a table here too, not a view over the file
                    vc.execute(f'CREATE TABLE "{path.stem}" AS SELECT * FROM '
                               f"read_parquet('{path}')")
            if browser:
                for stmt in browser_setup(recorder.memo):
                    vc.execute(stmt)
            else:
                _record_setup(vc, recorder)
            made: set[str] = set()
            for b in specs:
                if b.id in problems:
                    continue
                try:
                    got = _run_chain(vc, b, named, made)
                except duckdb.Error as exc:
                    problems[b.id] = ("the browser's lookups fail: " if browser else "") \
                        + str(exc).strip().split("\n")[0]
                    continue
                diff = difference(b.frame, got)
                if diff:
                    problems[b.id] = diff
        finally:
            vc.close()
    return problems
