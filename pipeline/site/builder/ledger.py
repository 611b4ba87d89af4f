"""The claims ledger: one generated page listing every claim of every post.

A reader who doubts a sentence finds it here with the test behind it: its statement, the
test and n, the raw and adjusted p (or the numbers a check rests on), its status, and a link
to the claim on its post. The claims are evaluated exactly as the posts evaluate them
(`pipeline.site.core.render.page_claims`: same queries, same family and adjustment), so the
ledger cannot disagree with a page; a claim that fails fails the build here as there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipeline.site.builder.source import Page, StageError, page_title
from pipeline.site.core.cache import QueryCache
from pipeline.site.core.errors import RenderError

LEDGER_PATH = "claims/index.md"


def post_claims(pages: dict[str, Page], con: duckdb.DuckDBPyConnection,
                cache: QueryCache | None = None) -> list[dict[str, Any]]:
    """[{post title, src_uri, claims: [ClaimRecord]}] for every page that has a claim, in
    path order. Raises StageError naming the post and line of a claim that fails."""
    from pipeline.site.core.render import page_claims

    out = []
    for src_uri, page in sorted(pages.items()):
        if page.generated or "```claim" not in page.body:
            continue
        try:
            records = page_claims(page.body, con, cache, page.base_dir,
                                  page.meta.get("experiments"))
        except RenderError as exc:
            if exc.front_matter_key:
                exc.line = page.lines.get((exc.front_matter_key,))
            elif exc.line is not None:
                exc.line += page.offset
            raise StageError(exc.describe(page.label)) from None
        if records:
            out.append({"title": page_title(page), "src_uri": src_uri, "claims": records})
    return out


def ledger_markdown(posts: list[dict[str, Any]]) -> str:
    """The ledger page (Markdown with escaped HTML from templates/pages/claims.md)."""
    from pipeline.site.builder.pages import render_page

    n_claims = sum(len(p["claims"]) for p in posts)
    n_tests = sum(len(c.rows) for p in posts for c in p["claims"] if c.kind == "comparison")
    return render_page("claims.md", posts=posts, n_claims=n_claims, n_tests=n_tests,
                       up="../")


def relative_link(src_uri: str, up: str = "../") -> str:
    """A Markdown link target from the ledger (one folder down from the docs root) to a
    post's source file, which the site generator resolves to the post's URL."""
    return up + Path(src_uri).as_posix()
