"""`python -m pipeline compact`: the same rows and views in a smaller file, and the original
left alone when the copy cannot be trusted (a writer active, a write-ahead log)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.errors import StoreError
from pipeline.store.compact import compact
from pipeline.store.db import open_read


def _dump(path: Path) -> dict[str, list[tuple]]:
    con = open_read(path)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables ORDER BY 1").fetchall()]
        return {t: sorted(map(repr, con.execute(f'SELECT * FROM "{t}"').fetchall()))
                for t in tables}
    finally:
        con.close()


@pytest.fixture
def bloated(results_db) -> Path:
    """This test's copy of the shared tiny DB (6 results), with freed blocks in the file."""
    db = results_db(write=True)
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE scratch AS SELECT range AS i, repeat('x', 200) AS s "
                "FROM range(200000)")
    con.execute("DROP TABLE scratch")  # freed blocks stay in the file
    con.execute("CHECKPOINT")
    con.close()
    return db


def test_compact_keeps_every_row_and_view_in_a_smaller_file(tmp_path: Path, bloated: Path) -> None:
    db = bloated
    before, size = _dump(db), db.stat().st_size
    report = compact(db)
    assert _dump(db) == before  # every table and view, every row
    assert report.after_bytes == db.stat().st_size < size == report.before_bytes
    assert report.rows["results"] == 6
    assert not list(tmp_path.glob(".*compact*"))  # no scratch file left


def test_compact_refuses_a_database_with_a_write_ahead_log(bloated: Path) -> None:
    db = bloated
    wal = db.with_name(db.name + ".wal")
    wal.write_bytes(b"")
    before = db.read_bytes()
    with pytest.raises(StoreError, match="write-ahead log"):
        compact(db)
    assert db.read_bytes() == before


def test_compact_refuses_while_a_writer_holds_the_file(bloated: Path) -> None:
    db = bloated
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('held', flush=True); time.sleep(300)", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreError, match="locked"):
            compact(db, wait_s=1)
    finally:
        holder.kill()
        holder.wait()
    assert _dump(db)["results"]  # untouched, still readable
