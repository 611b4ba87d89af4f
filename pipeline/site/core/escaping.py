"""Text from the database is hostile: this is how it reaches a page as text, and only text.

Every string that did not come from this package's own templates (model outputs, case
inputs, experiment titles, model names, run metadata, another machine's merged database)
is escaped before it touches HTML. Escaping `<>&"'` for HTML is not enough here, because
component HTML is spliced into Markdown *before* Python-Markdown runs:

- pymdownx.superfences turns ```` ``` ```` / ``~~~`` lines into code blocks even inside raw
  HTML blocks, so backticks and tildes are entities everywhere (:func:`escape_block`);
- our own renderer reads ``{{ value ... }}`` in page text and attr_list reads ``{: ...}``,
  so braces are entities everywhere;
- text that sits in a Markdown paragraph or list (inline values, link text on generated
  pages) is also read for Markdown's inline syntax (``[x](javascript:...)``, ``*``, ``_``,
  ``|``), so there every such character is an entity too (:func:`escape_text`). Inside a
  raw HTML block (every component's output) Markdown reads no inline syntax, so those
  characters stay as they are and pages stay small.

Entities render as the original characters, so a reader sees exactly what the model wrote.
Lone UTF-16 surrogates (valid inside JSON text, invalid in UTF-8) become U+FFFD, so a page
can always be written; long values are clipped by :func:`clip` with the full length stated.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

# One pass, so no entity is escaped twice: HTML specials, then Markdown and template syntax.
_ENTITIES = {ord(ch): f"&#{ord(ch)};" for ch in "<>&\"'\\`*_[]{}()#+!|~:"}
_BLOCK_ENTITIES = {ord("<"): "&lt;", ord(">"): "&gt;", ord("&"): "&amp;", ord('"'): "&#34;",
                   ord("'"): "&#39;", **{ord(ch): f"&#{ord(ch)};" for ch in "`~{}"}}

#: Characters of a value shown on a page before it is clipped (cases pages link the rest).
DISPLAY_CHARS = 4000


def scrub(text: str) -> str:
    """*text* as valid Unicode: lone surrogates (from JSON escapes) become U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def escape_text(text: str) -> str:
    """Escape *text* for HTML and neutralise Markdown, fence and template syntax in it:
    for text that Markdown reads (paragraphs, lists, link text, headings)."""
    return scrub(text).translate(_ENTITIES)


def escape_block(text: str) -> str:
    """Escape *text* for HTML inside a raw HTML block, and neutralise what is still read
    there: fences (backticks, tildes) and template braces."""
    return scrub(text).translate(_BLOCK_ENTITIES)


def finalize_block(value: Any) -> Any:
    """Jinja `finalize` hook for templates that emit raw HTML blocks (the components):
    every string a template prints goes through :func:`escape_block`. Markup (HTML this
    package built on purpose, e.g. a macro's output) passes unchanged."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(escape_block(value))
    return value


def finalize_text(value: Any) -> Any:
    """Jinja `finalize` hook for templates that emit Markdown (generated pages): every
    string goes through :func:`escape_text`."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(escape_text(value))
    return value


def clip(text: str, limit: int = DISPLAY_CHARS) -> tuple[str, bool]:
    """(the first *limit* characters of *text*, whether anything was cut)."""
    if len(text) <= limit:
        return text, False
    return text[:limit], True


def plotly_text(value: Any) -> Any:
    """A string for plotly.js to draw as text: plotly reads `<b>`, `<a href>`, `<br>` and
    similar tags in labels, titles and hover text, and decodes entities once, so escaping
    `&<>` makes it draw exactly the characters of the value. Other values pass unchanged."""
    if not isinstance(value, str):
        return value
    return scrub(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
