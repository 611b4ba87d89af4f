"""The site side: Markdown + results DB → Markdown/HTML (core), and its adapters.

The core (`render_markdown`, components, queries) never imports MkDocs; only
`pipeline/site/mkdocs/` does, so the core can move to another static-site generator
(`pipeline/site/zensical/` builds the same site through `staging.py`).

The names below are imported on first use: a build whose pages all come from the page cache
never loads DuckDB, pandas or plotly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RenderError", "Rendered", "render_inline_text", "render_markdown"]


def __getattr__(name: str) -> Any:
    if name == "RenderError":
        from pipeline.site.errors import RenderError

        return RenderError
    if name in __all__:
        from pipeline.site import render

        return getattr(render, name)
    raise AttributeError(f"module 'pipeline.site' has no attribute {name!r}")
