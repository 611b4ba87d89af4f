"""Writing train/test overlap measurements (the `overlap` table, schema version 5).

Why a writer of its own: a measurement of how close each test case is to a training set is
only worth citing if it is complete and current. So one measurement (an experiment version
against one training file's bytes) is written in one transaction that first deletes the rows
the same measurement wrote before: a re-run replaces them, never duplicates them, and a
failure halfway leaves the previous rows in place. The rows come in as plain data
(:class:`OverlapRow`); what they mean is pipeline/finetune/overlap.py's business.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import StoreError
from pipeline.store.db import open_write

__all__ = ["OverlapRow", "write_overlap"]


@dataclass(frozen=True)
class OverlapRow:
    """One test case under one measure: did it match the training set, and which examples."""

    case_id: str
    measure: str
    matched: bool
    example_ids: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)


def write_overlap(path: Path | str, *, experiment_id: str, experiment_version: int,
                  training_set: str, training_sha256: str,
                  rows: Iterable[OverlapRow]) -> int:
    """Replace the measurement of (experiment, version, training_sha256) by *rows*, in one
    transaction, and return how many rows were written.

    Raises StoreError before touching the file when two rows share a (case, measure): the
    table's key would refuse the second halfway through, and the caller's bug should say so.
    """
    rows = list(rows)
    seen: set[tuple[str, str]] = set()
    for row in rows:
        key = (row.case_id, row.measure)
        if key in seen:
            raise StoreError(f"overlap: case {row.case_id!r} has two rows for measure "
                             f"{row.measure!r}")
        seen.add(key)
    now = datetime.now(UTC).replace(tzinfo=None)
    values = [(experiment_id, experiment_version, r.case_id, training_set, training_sha256,
               r.measure, r.matched, list(r.example_ids), json.dumps(r.detail, sort_keys=True),
               now) for r in rows]
    con = open_write(path)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("DELETE FROM overlap WHERE experiment_id = ? AND experiment_version = ? "
                        "AND training_sha256 = ?",
                        [experiment_id, experiment_version, training_sha256])
            if values:
                con.executemany("INSERT INTO overlap (experiment_id, experiment_version, "
                                "case_id, training_set, training_sha256, measure, matched, "
                                "example_ids, detail, measured_at) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.close()
    return len(values)
