"""The version of the site code, for every cache of rendered output (component cache, page
cache): output rendered by other code is never reused. Light (no DuckDB, no pandas) so the
page cache can check it without loading the render core."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CODE_VERSION: str | None = None


def code_version() -> str:
    """Hash of the site package's code and templates, and of the statistics it calls
    (pipeline/stats.py: an interval computed by another version of it must not be replayed
    from a cached page or card headline): output rendered by another version of them is
    never reused."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        root = Path(__file__).resolve().parents[1]  # pipeline/site
        h = hashlib.sha256()
        h.update((root.parent / "stats.py").read_bytes())
        for f in sorted(root.rglob("*")):
            if f.suffix in (".py", ".html", ".js", ".md") and f.is_file() \
                    and not f.name.startswith("plotly"):  # the vendored bundle draws, no more
                h.update(f.relative_to(root).as_posix().encode())
                h.update(f.read_bytes())
        _CODE_VERSION = h.hexdigest()[:16]
    return _CODE_VERSION
