"""The version of the site code, for every cache of rendered output (component cache, page
cache): output rendered by other code is never reused. Light (no DuckDB, no pandas) so the
page cache can check it without loading the render core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pipeline.hashing import chunks_sha256

_CODE_VERSION: str | None = None


def code_version() -> str:
    """Hash of the site package's code and templates, and of the statistics it calls
    (pipeline/stats.py: an interval computed by another version of it must not be replayed
    from a cached page or card headline): output rendered by another version of them is
    never reused."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        _CODE_VERSION = chunks_sha256(_code_chunks())[:16]
    return _CODE_VERSION


def _code_chunks() -> Iterator[bytes]:
    """What `code_version` hashes: pipeline/stats.py and pipeline/hashing.py (chart ids and
    data file names are its digests), then each file of pipeline/site, its path and bytes."""
    root = Path(__file__).resolve().parents[1]  # pipeline/site
    yield (root.parent / "stats.py").read_bytes()
    yield (root.parent / "hashing.py").read_bytes()
    for f in sorted(root.rglob("*")):
        if f.suffix in (".py", ".html", ".js", ".md") and f.is_file() \
                and not f.name.startswith("plotly"):  # the vendored bundle draws, no more
            yield f.relative_to(root).as_posix().encode()
            yield f.read_bytes()
