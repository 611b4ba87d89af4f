"""The site side: Markdown + results DB → Markdown/HTML (core), and the MkDocs adapter.

The core (`render_markdown`, components, queries) never imports MkDocs; only `plugin.py`
and `config.py` do, so the core can move to another static-site generator.
"""

from pipeline.site.errors import RenderError
from pipeline.site.render import Rendered, render_inline_text, render_markdown

__all__ = ["RenderError", "Rendered", "render_inline_text", "render_markdown"]
