"""Importers: other harnesses' logs (Inspect, lm-evaluation-harness, promptfoo) as records.

Each importer is registered by its CLI name and is a function `read(path) -> list[ImportedLog]`
(a file may hold several runs: lm-eval writes one results file for several tasks). Readers
import their tool's package lazily, so `python -m pipeline` works without any of them.
`pipeline.store.imports` writes the records; nothing here touches a database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.importers.records import ImportedCase, ImportedLog, ImportedSample
from pipeline.registry import Registry

Reader = Callable[[Path], list[ImportedLog]]

#: name (as on the command line) -> reader
importers: Registry[Reader] = Registry("importer")


def _lazy(module: str, name: str) -> Reader:
    def read(path: Path) -> list[ImportedLog]:
        import importlib

        return getattr(importlib.import_module(module), name)(path)

    read.__name__ = f"read_{name}"
    return read


importers.register("inspect")(_lazy("pipeline.importers.inspect_log", "read"))
importers.register("lm-eval")(_lazy("pipeline.importers.lm_eval", "read"))
importers.register("promptfoo")(_lazy("pipeline.importers.promptfoo", "read"))

__all__ = ["ImportedCase", "ImportedLog", "ImportedSample", "Reader", "importers"]
