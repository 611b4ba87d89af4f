"""The site side: Markdown + results DB → Markdown/HTML, in three layers (each imports only
those before it):

- `core/`: the render core (named queries, components, formatting, escaping, the query and
  component cache). Plain functions over text and a DuckDB connection; it never imports a
  site generator or the build.
- `builder/`: one site build (`builder.session.BuildSession`): the options, the snapshot, both
  caches, the pages' front matter and series, the generated pages, card headlines, assets and
  output files. Generator-independent: `builder.staging` writes a staged docs folder.
- `adapters/mkdocs/` (the `pipeline` MkDocs plugin) and `adapters/zensical/` (stage, then
  `zensical build`): thin, each hands the generator's pages to the session.

The names below are imported on first use: a build whose pages all come from the page cache
never loads DuckDB, pandas or plotly.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RenderError", "Rendered", "render_markdown"]


def __getattr__(name: str) -> Any:
    if name == "RenderError":
        from pipeline.site.core.errors import RenderError

        return RenderError
    if name in __all__:
        from pipeline.site.core import render

        return getattr(render, name)
    raise AttributeError(f"module 'pipeline.site' has no attribute {name!r}")
