"""The results store: schema, lock-aware opening, and the runner's writer."""

from pipeline.store.db import open_read, open_snapshot, open_write, schema_version
from pipeline.store.schema import SCHEMA_VERSION
from pipeline.store.writer import ResultRow, RunContext, RunSpec, Store

__all__ = [
    "SCHEMA_VERSION",
    "ResultRow",
    "RunContext",
    "RunSpec",
    "Store",
    "open_read",
    "open_snapshot",
    "open_write",
    "schema_version",
]
