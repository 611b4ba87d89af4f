"""Opening results.duckdb: schema creation/migration on write, lock-aware reads.

DuckDB lets one process hold a file read-write, and then no other process can open it at all
(not even read-only). So writers keep the file open only for one batch at a time, and readers
retry with backoff while a writer holds it. Both sides are tested with two real processes.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import duckdb

from pipeline.errors import StoreError
from pipeline.store.schema import DDL_V1, MIGRATIONS, SCHEMA_VERSION, STORAGE_COMPATIBILITY

LOCK_RETRY_SECONDS = 60.0


def _is_lock_error(exc: Exception) -> bool:
    return isinstance(exc, duckdb.IOException) and "lock" in str(exc).lower()


def _connect(path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """Connect, retrying with jittered exponential backoff while another process holds a lock."""
    deadline = time.monotonic() + wait_s
    delay = 0.05
    while True:
        try:
            config = {} if read_only else {"storage_compatibility_version": STORAGE_COMPATIBILITY}
            return duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            if not _is_lock_error(exc):
                raise StoreError(f"{path}: cannot open results database: {_describe(exc)}"
                                 ) from None
            if time.monotonic() >= deadline:
                raise StoreError(
                    f"{path}: still locked by another process after {wait_s:.0f}s "
                    f"(a runner writing to it?): {exc}"
                ) from None
            time.sleep(delay * (1 + random.random() * 0.5))
            delay = min(delay * 2, 2.0)


def _describe(exc: duckdb.Error) -> str:
    """DuckDB's message, shortened where it has a plain meaning."""
    text = str(exc)
    if "not a valid DuckDB database file" in text:
        return "not a DuckDB database file"
    return text.splitlines()[0] if text else type(exc).__name__


def _check_path(path: Path) -> None:
    """Refuse a directory or a device before DuckDB sees it (its errors there are cryptic)."""
    if path.is_dir():
        raise StoreError(f"{path}: is a directory; expected a results database file (.duckdb)")
    if path.exists() and not path.is_file():
        raise StoreError(f"{path}: not a regular file; expected a results database (.duckdb)")


def schema_version(con: duckdb.DuckDBPyConnection, path: Path | str = "database") -> int | None:
    """The file's schema version, or None for an empty database.

    Anything that is not one of our results databases is a StoreError naming *path*.
    """
    try:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()}
        if "meta" not in tables:
            if tables:
                raise StoreError(f"{path}: has tables but no 'meta' table: not a results "
                                 "database")
            return None
        rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    except duckdb.Error as exc:
        raise StoreError(f"{path}: not a readable results database: {_describe(exc)}") from None
    row = rows[0] if rows else None
    if row is None:
        raise StoreError(f"{path}: no schema_version in its 'meta' table: not a results "
                         "database")
    try:
        return int(row[0])
    except (TypeError, ValueError):
        raise StoreError(f"{path}: schema_version {row[0]!r} in 'meta' is not a number") from None


def _check_not_newer(path: Path, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: schema version {version} is newer than this pipeline supports "
            f"({SCHEMA_VERSION}). Upgrade the pipeline package; the file was left untouched."
        )


def open_write(path: Path | str, wait_s: float = LOCK_RETRY_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open read-write, creating or migrating the schema inside one transaction."""
    path = Path(path)
    _check_path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=False, wait_s=wait_s)
    try:
        version = schema_version(con, path)
        if version is not None:
            _check_not_newer(path, version)
        if version == SCHEMA_VERSION:
            return con
        con.execute("BEGIN TRANSACTION")
        if version is None:
            con.execute(DDL_V1)
            version = 1
            con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(version)])
        while version < SCHEMA_VERSION:
            version += 1
            con.execute(MIGRATIONS[version])
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(version)])
        con.execute("COMMIT")
        return con
    except BaseException:
        con.close()
        raise


def check_writable(path: Path | str, wait_s: float = LOCK_RETRY_SECONDS) -> int | None:
    """Check, read-only, that open_write may open *path*: absent (None is returned) or a
    results database no newer than this pipeline (its schema version is returned).

    Callers that must not touch a file they refuse (merge, the runner) call this first.
    """
    path = Path(path)
    _check_path(path)
    if not path.exists():
        return None
    con = _connect(path, read_only=True, wait_s=wait_s)
    try:
        version = schema_version(con, path)
        if version is not None:
            _check_not_newer(path, version)
        return version
    finally:
        con.close()


def open_read(path: Path | str, wait_s: float = LOCK_RETRY_SECONDS) -> duckdb.DuckDBPyConnection:
    """Open read-only for queries; fails clearly on a missing, foreign or newer database."""
    path = Path(path)
    _check_path(path)
    if not path.is_file():
        raise StoreError(f"{path}: results database not found")
    con = _connect(path, read_only=True, wait_s=wait_s)
    try:
        version = schema_version(con, path)
        if version is None:
            raise StoreError(f"{path}: empty database (no results written yet)")
        _check_not_newer(path, version)
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"{path}: schema version {version} is older than {SCHEMA_VERSION}; "
                "open it once for writing (python -m pipeline migrate) to upgrade it"
            )
        return con
    except BaseException:
        con.close()
        raise


def open_snapshot(path: Path | str,
                  wait_s: float = LOCK_RETRY_SECONDS) -> tuple[str, duckdb.DuckDBPyConnection]:
    """Copy the database under a read lock and open the copy: one consistent snapshot for a
    whole site build that never holds the real file against a runner for longer than the copy.

    Returns (temporary folder, read-only connection); the caller closes both.
    A file of an older schema version is read through its copy, migrated: the file itself
    is never written (a committed database builds the site the day the schema moves on).
    """
    import shutil
    import tempfile

    path = Path(path)
    _check_path(path)
    if not path.is_file():
        raise StoreError(f"{path}: results database not found")
    folder = tempfile.mkdtemp(prefix="llmx-snapshot-")
    copy = Path(folder) / path.name
    # the read lock keeps writers out while we copy
    con = _connect(path, read_only=True, wait_s=wait_s)
    try:
        version = schema_version(con, path)
        if version is None:
            raise StoreError(f"{path}: empty database (no results written yet)")
        _check_not_newer(path, version)
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    finally:
        con.close()
    if version < SCHEMA_VERSION:
        open_write(copy).close()
    return folder, duckdb.connect(str(copy), read_only=True)
