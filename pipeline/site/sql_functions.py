"""Statistical tests as SQL functions, so a post's p-values are queried like its rates.

An author writes the test where the data is::

    SELECT model_id, (cochran_q(list({'block': qid, 'treatment': position::VARCHAR,
                                      'outcome': passed}))).p AS p
    FROM ... GROUP BY model_id

and an inline value prints it: the number is computed by statsmodels at build time, never
typed. Registered on every connection a page's queries run on (idempotent).
"""

from __future__ import annotations

from typing import Any

import duckdb

from pipeline import stats

_OBS = duckdb.struct_type({"block": "VARCHAR", "treatment": "VARCHAR", "outcome": "BOOLEAN"})
_COCHRAN = duckdb.struct_type({"q": "DOUBLE", "df": "INTEGER", "p": "DOUBLE",
                               "blocks": "INTEGER"})


def _cochran(observations: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    rows = [o for o in observations or [] if o is not None and o["outcome"] is not None]
    if not rows:
        return None
    q, df, p, n = stats.cochrans_q([str(o["block"]) for o in rows],
                                   [str(o["treatment"]) for o in rows],
                                   [bool(o["outcome"]) for o in rows])
    nan = q != q
    return {"q": None if nan else q, "df": df, "p": None if nan else p, "blocks": n}


def _mcnemar(a_only: int | None, b_only: int | None) -> float | None:
    if a_only is None or b_only is None:
        return None
    return stats.mcnemar_exact(int(a_only), int(b_only))


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Add `cochran_q(LIST(STRUCT(block, treatment, outcome)))` → STRUCT(q, df, p, blocks)
    and `mcnemar_p(a_only, b_only)` → exact p, unless this connection has them already."""
    have = {r[0] for r in con.execute(
        "SELECT function_name FROM duckdb_functions() WHERE function_name IN "
        "('cochran_q', 'mcnemar_p')").fetchall()}
    if "cochran_q" not in have:
        con.create_function("cochran_q", _cochran, [duckdb.list_type(_OBS)], _COCHRAN,
                            null_handling="special", side_effects=False)
    if "mcnemar_p" not in have:
        con.create_function("mcnemar_p", _mcnemar, ["BIGINT", "BIGINT"], "DOUBLE",
                            null_handling="special", side_effects=False)
