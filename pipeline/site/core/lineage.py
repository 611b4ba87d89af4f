"""Which runs a page's queries can read: the scope box lists these, not every run of the
experiments the page names.

Static and conservative. Each query is parsed by DuckDB (`json_serialize_sql`); every
reference to a relation holding run rows (any table or view with a `run_id` column: `runs`,
`results`, `scores`, `outcomes`) reads the runs that satisfy the constant filters on that
reference: `alias.col = 'x'` and `alias.col IN ('x', 'y')` in the WHERE clause or an inner
join's ON, for the run's identifying columns (experiment_id, experiment_version, model_id,
variant, run_id). Inner-join equalities on those columns (`USING (variant)`, `a.run_id =
b.run_id`) carry a filter from one side to the other. A reference to a named query reads what
that query read; CTEs, subqueries in FROM and in expressions, and UNIONs are followed.
`outcomes` and `current_runs` hold only the current run of each slot (the store's
default-run rule, schema v6): a reference to either reads current runs only, so a page
over `outcomes` lists the run its numbers come from, not a run that one replaced.

Anything else (OR, <>, LIKE, a filter on an expression, a table function, SQL DuckDB cannot
serialise) narrows nothing: the reference reads every candidate run. So the result can list a
run the query filtered out in a way this does not understand, never omit one it read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import duckdb

KEYS = ("experiment_id", "experiment_version", "model_id", "variant", "run_id")
# the store's views that read only the current run of each slot (pipeline.store.schema v6)
CURRENT_ONLY = frozenset({"outcomes", "current_runs"})
Run = dict[str, str]  # KEYS -> the run's value, as text


class Lineage:
    """Run reads of queries over one connection; *candidates* are the runs in scope,
    *current* the current runs among them (None: no default-run views to tell them)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, candidates: list[Run],
                 columns: dict[str, set[str]],
                 current: frozenset[str] | None = None) -> None:
        self.con = con
        self.candidates = candidates
        self.all = frozenset(r["run_id"] for r in candidates)
        self.current = current
        self.columns = columns  # every database relation -> its columns
        # the relations holding run rows -> their columns among KEYS
        self.relations = {t: c & set(KEYS) for t, c in columns.items() if "run_id" in c}
        self.named: dict[str, frozenset[str]] = {}

    def runs_of(self, sql: str) -> frozenset[str]:
        try:
            tree = json.loads(self.con.execute("SELECT json_serialize_sql(?::VARCHAR)",
                                               [sql]).fetchall()[0][0])
        except duckdb.Error:
            return self.all
        if tree.get("error") or len(tree.get("statements", [])) != 1:
            return self.all
        try:
            return self._node(tree["statements"][0]["node"], {})
        except (KeyError, TypeError, RecursionError):
            return self.all

    # -- query nodes ----------------------------------------------------------------------
    def _node(self, node: dict[str, Any], ctes: dict[str, Any]) -> frozenset[str]:
        ctes = dict(ctes)
        for entry in (node.get("cte_map") or {}).get("map", []):
            ctes[entry["key"]] = entry["value"]["query_node"]
        kind = node.get("type")
        if kind == "SET_OPERATION_NODE":
            out: frozenset[str] = frozenset()
            for child in [*(node.get("children") or []), node.get("left"), node.get("right")]:
                if child:
                    out |= self._node(child, ctes)
            return out
        if kind != "SELECT_NODE":
            return self.all
        refs: list[tuple[str, str | None, Any]] = []  # (alias, relation or None, subtree)
        joins: list[tuple[str, list[str], Any]] = []  # (join type, USING columns, condition)
        if not self._from(node.get("from_table"), refs, joins):
            return self.all
        conjuncts = _conjuncts(node.get("where_clause"))
        equal: list[tuple[str, str, str]] = []  # (alias, alias, column) inner-join equalities
        inner = all(t == "INNER" for t, _, _ in joins)
        for join_type, using, cond in joins:
            if join_type != "INNER":
                continue
            conjuncts += _conjuncts(cond)
            run_aliases = [a for a, rel, _ in refs if rel in self.relations]
            for col in using:
                for a in run_aliases:
                    for b in run_aliases:
                        if a != b and col in self.relations[_rel(refs, a)] \
                                and col in self.relations[_rel(refs, b)]:
                            equal.append((a, b, col))
        allowed: dict[str, dict[str, set[str]]] = {a: {} for a, rel, _ in refs
                                                   if rel in self.relations}
        for c in conjuncts:
            self._constrain(c, refs, allowed, equal, inner)
        _propagate(allowed, equal)
        out = frozenset()
        for alias, rel, sub in refs:
            if sub is not None:
                out |= self._node(sub, ctes)
            elif rel in ctes:  # inside it, the name means the database's relation again
                out |= self._node(ctes[rel], {k: v for k, v in ctes.items() if k != rel})
            elif rel in self.named:
                out |= self.named[rel]
            elif rel in self.relations:
                runs = self._filter(allowed[alias])
                out |= (runs & self.current if rel in CURRENT_ONLY and self.current is not None
                        else runs)
        for sub in _subqueries(node):
            out |= self._node(sub, ctes)
        return out

    def _from(self, t: Any, refs: list, joins: list) -> bool:
        """Flatten a FROM tree; False when it holds something not understood."""
        if t is None or t.get("type") == "EMPTY":
            return True
        kind = t.get("type")
        if kind == "BASE_TABLE":
            name = t["table_name"]
            refs.append((t.get("alias") or name, name, None))
            return True
        if kind == "SUBQUERY":
            refs.append((t.get("alias") or "", None, t["subquery"]["node"]))
            return True
        if kind == "JOIN":
            joins.append((t.get("join_type"), list(t.get("using_columns") or []),
                          t.get("condition")))
            return self._from(t["left"], refs, joins) and self._from(t["right"], refs, joins)
        if kind == "TABLE_FUNCTION":  # reads no run rows itself; its arguments may
            refs.extend(("", None, s) for s in _subqueries(t))
            return True
        return False

    def _constrain(self, c: dict[str, Any], refs: list, allowed: dict,
                   equal: list, inner: bool) -> None:
        kind = c.get("type")
        if kind == "COMPARE_EQUAL" and _is_col(c["left"]) and _is_col(c["right"]):
            a, b = self._targets(c["left"], refs, inner), self._targets(c["right"], refs, inner)
            col_a, col_b = c["left"]["column_names"][-1], c["right"]["column_names"][-1]
            if col_a == col_b and len(a) == 1 and len(b) == 1 and col_a in KEYS:
                equal.append((a[0], b[0], col_a))
                equal.append((b[0], a[0], col_a))
            return
        if kind == "COMPARE_EQUAL":
            col, values = ((c["left"], [c["right"]]) if _is_col(c["left"])
                           else (c["right"], [c["left"]]))
        elif kind == "COMPARE_IN" and c.get("children"):
            col, values = c["children"][0], c["children"][1:]
        else:
            return
        texts = [_constant(v) for v in values]
        if not _is_col(col) or any(t is None for t in texts):
            return
        name = col["column_names"][-1]
        if name not in KEYS:
            return
        for alias in self._targets(col, refs, inner):
            if name in self.relations[_rel(refs, alias)]:
                prev = allowed[alias].get(name)
                allowed[alias][name] = set(texts) if prev is None else prev & set(texts)

    def _targets(self, col: dict[str, Any], refs: list, inner: bool) -> list[str]:
        """The run-relation aliases a column reference can mean."""
        names = col["column_names"]
        run_refs = [(a, rel) for a, rel, _ in refs if rel in self.relations]
        if len(names) >= 2:
            return [a for a, _ in run_refs if a == names[-2]]
        having = [a for a, rel in run_refs if names[0] in self.relations[rel]]
        # unqualified: the one relation that has it; several only when all joins are inner
        # (a USING column, equal on every side); none when another relation, a subquery or
        # a named query might be the one meant
        unsure = [a for a, rel, sub in refs if rel not in self.relations
                  and (rel not in self.columns or names[0] in self.columns[rel])]
        if unsure or (len(having) > 1 and not inner):
            return []
        return having

    def _filter(self, allowed: dict[str, set[str]]) -> frozenset[str]:
        return frozenset(r["run_id"] for r in self.candidates
                         if all(r[k] in v for k, v in allowed.items()))


def _rel(refs: list, alias: str) -> str:
    return next(rel for a, rel, _ in refs if a == alias)


def _propagate(allowed: dict[str, dict[str, set[str]]],
               equal: list[tuple[str, str, str]]) -> None:
    """Carry filters across inner-join equalities until nothing changes (run_id: all keys)."""
    changed = True
    while changed:
        changed = False
        for a, b, col in equal:
            if a not in allowed or b not in allowed:
                continue
            for k in (KEYS if col == "run_id" else (col,)):
                src = allowed[a].get(k)
                if src is None:
                    continue
                dst = allowed[b].get(k)
                new = set(src) if dst is None else dst & src
                if new != dst:
                    allowed[b][k] = new
                    changed = True


def _conjuncts(e: Any) -> list[dict[str, Any]]:
    if not e:
        return []
    if e.get("type") == "CONJUNCTION_AND":
        return [c for child in e["children"] for c in _conjuncts(child)]
    return [e]


def _is_col(e: Any) -> bool:
    return isinstance(e, dict) and e.get("class") == "COLUMN_REF"


def _constant(e: Any) -> str | None:
    if isinstance(e, dict) and e.get("class") == "CONSTANT":
        lit = e.get("literal") or {}
        if lit.get("kind") in ("STRING", "INTEGER", "BIGINT", "HUGEINT") and "text" in lit:
            return str(lit["text"])
    return None


def _subqueries(node: Any) -> Iterable[dict[str, Any]]:
    """Query nodes of subquery expressions anywhere under *node*, except its FROM and CTEs."""
    stack = [v for k, v in node.items() if k not in ("from_table", "cte_map")] \
        if isinstance(node, dict) and node.get("type") in ("SELECT_NODE",) else [node]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            if x.get("class") == "SUBQUERY":
                yield x["subquery"]["node"]
                continue
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
