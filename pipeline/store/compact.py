"""Rewrite a results database without its free blocks: `python -m pipeline compact`.

Why: DuckDB reuses freed blocks but never gives them back, and every committed batch of a
long run frees some (rewritten row groups, dropped temporary tables). The committed
results.duckdb grew to 3-4x its live data that way, and git stores the whole file at every
commit. Compacting copies every table, view and row into a fresh file (DuckDB's
`COPY FROM DATABASE`), checks that each table holds the same rows, and only then replaces the
original: the results are the runner's, byte for byte in content; only the layout changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipeline.errors import StoreError
from pipeline.store.db import LOCK_RETRY_SECONDS, open_read
from pipeline.store.schema import STORAGE_COMPATIBILITY


@dataclass(frozen=True)
class CompactReport:
    before_bytes: int
    after_bytes: int
    rows: dict[str, int]  # table -> rows, equal in both files


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
        "AND table_type = 'BASE TABLE' ORDER BY 1", [catalog]).fetchall()]
    return {n: con.execute(f'SELECT count(*) FROM "{catalog}"."{n}"').fetchone()[0]
            for n in names}


def compact(path: Path | str, wait_s: float = LOCK_RETRY_SECONDS) -> CompactReport:
    """Replace *path* by a compact copy with the same tables, views and rows.

    Waits up to *wait_s* for a writer's lock, like every reader, then refuses; refuses a file
    with a write-ahead log; leaves the original untouched on any failure (the copy is written
    next to it and renamed over it only once checked)."""
    path = Path(path)
    open_read(path, wait_s).close()  # exists, is a results database of this schema version
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        raise StoreError(f"{path}: a write-ahead log ({wal.name}) is present: a runner is "
                         "writing, or one was killed; let it finish (or open the database "
                         "for writing once) before compacting")
    before = path.stat()
    tmp = path.with_name(f".{path.stem}-compact-{os.getpid()}.duckdb")
    tmp.unlink(missing_ok=True)
    try:
        con = duckdb.connect(str(tmp),
                             config={"storage_compatibility_version": STORAGE_COMPATIBILITY})
        try:
            [(catalog,)] = con.execute("SELECT current_database()").fetchall()
            con.execute(f"ATTACH {_quote(path)} AS src (READ_ONLY)")
            con.execute(f'COPY FROM DATABASE src TO "{catalog}"')
            old, new = _tables(con, "src"), _tables(con, catalog)
            views = [con.execute("SELECT count(*) FROM information_schema.tables WHERE "
                                 "table_catalog = ? AND table_type = 'VIEW'", [c]).fetchone()[0]
                     for c in ("src", catalog)]
            con.execute("DETACH src")
        finally:
            con.close()
        if old != new or views[0] != views[1]:
            raise StoreError(f"{path}: the compact copy differs (tables {old} vs {new}, views "
                             f"{views[0]} vs {views[1]}); the original is untouched")
        now = path.stat()
        if (now.st_size, now.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            raise StoreError(f"{path}: changed while it was being copied (a runner wrote to "
                             "it); the original is untouched, compact again later")
        os.replace(tmp, path)
    except duckdb.Error as exc:
        raise StoreError(f"{path}: cannot compact: {str(exc).splitlines()[0]}") from None
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
    return CompactReport(before.st_size, path.stat().st_size, new)
