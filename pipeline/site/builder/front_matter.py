"""Every front-matter key a page may carry, in one model: this project's keys, typed and
validated here, and the keys MkDocs, Material, the blog and rss plugins read, which their
owners validate. A key in none of them is a typo (`nubmer: 6`) and fails the strict build with
a did-you-mean instead of silently dropping the card number.

Each field says who reads it (`json_schema_extra={"owner": ...}`) and what it does
(`description`), so documentation can be generated from `PostFrontMatter.model_fields`.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field

from pipeline.config.base import StrictModel
from pipeline.errors import located

if TYPE_CHECKING:
    from pydantic import ValidationError

PIPELINE = "pipeline"
MKDOCS = "MkDocs"
MATERIAL = "Material for MkDocs"
BLOG = "Material blog plugin"
RSS = "rss plugin"


def _key(owner: str, description: str, default: Any = None, **kw: Any) -> Any:
    return Field(default=default, description=description,
                 json_schema_extra={"owner": owner}, **kw)


class PostFrontMatter(StrictModel):
    """The front matter of a page. Keys of this project are typed; the others are `Any`
    (their owners check them) and listed so that an unknown key can be reported."""

    # --- this project (pipeline/site) ----------------------------------------------------
    number: int | None = _key(PIPELINE, "Post number on the archive card (03); orders a "
                              "series when `part` is not given.", ge=0)
    series: str | None = _key(PIPELINE, "Series name: posts of one series get previous/next "
                              "links and the card reads 'Part N · series'.")
    part: int | None = _key(PIPELINE, "Place in the series (Part 1), when it differs from the "
                            "order of `number`.", ge=1)
    lead: str | None = _key(PIPELINE, "One-sentence lead on the archive card.")
    headline: str | None = _key(PIPELINE, "Headline result on the archive card; may hold "
                                "inline values (`{{ value q.col }}`) from the post's queries.")
    experiments: list[str] | None = _key(
        PIPELINE, "Restrict the page's queries to these experiments' rows (exact cache "
        "invalidation; no other experiment's rows by accident).")

    # --- MkDocs --------------------------------------------------------------------------
    title: Any = _key(MKDOCS, "Page title (else the first heading).")
    template: Any = _key(MKDOCS, "Theme template to render the page with.")

    # --- Material for MkDocs -------------------------------------------------------------
    description: Any = _key(MATERIAL, "Meta description (also the rss item's description).")
    icon: Any = _key(MATERIAL, "Icon shown in the navigation.")
    status: Any = _key(MATERIAL, "Status badge in the navigation (new, deprecated).")
    subtitle: Any = _key(MATERIAL, "Subtitle shown in the navigation.")
    hide: Any = _key(MATERIAL, "Hide navigation, toc, footer, path, feedback or tags.")
    search: Any = _key(MATERIAL, "Search options (exclude, boost).")
    tags: Any = _key(MATERIAL, "Tags (tags plugin).")
    social: Any = _key(MATERIAL, "Social card options (social plugin).")

    # --- Material blog plugin ------------------------------------------------------------
    date: Any = _key(BLOG, "Publication date (created, updated); the rss plugin reads it too.")
    slug: Any = _key(BLOG, "URL slug of the post.")
    categories: Any = _key(BLOG, "Categories of the post (also rss categories).")
    authors: Any = _key(BLOG, "Author ids (also rss authors).")
    draft: Any = _key(BLOG, "Draft: not published (rss skips it too).")
    pin: Any = _key(BLOG, "Pin the post to the top of the index.")
    links: Any = _key(BLOG, "Related links shown with the post.")
    readtime: Any = _key(BLOG, "Reading time in minutes, instead of the computed one.")

    # --- rss plugin ----------------------------------------------------------------------
    author: Any = _key(RSS, "Author of the feed item.")
    image: Any = _key(RSS, "Image of the feed item.")
    illustration: Any = _key(RSS, "Image of the feed item (older name).")
    rss: Any = _key(RSS, "Per-page feed options (feed_description).")

    @classmethod
    def keys_of(cls, owner: str) -> list[str]:
        """The keys one owner reads, in declaration order."""
        return [k for k, f in cls.model_fields.items()
                if (f.json_schema_extra or {}).get("owner") == owner]  # type: ignore[union-attr]


def unknown_keys(meta: dict[str, Any], path: str,
                 lines: Mapping[tuple[Any, ...], int] | None = None) -> list[str]:
    """A message per key no one reads, in the one error format on the key's line (when
    *lines*, the page's {key path: line}, has it), with the closest known key when there is
    one: "posts/posts/x.md:5: nubmer: unknown front-matter key. Did you mean 'number'?"."""
    known = list(PostFrontMatter.model_fields)
    out = []
    for key in meta:
        if str(key) in PostFrontMatter.model_fields:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = (f". Did you mean {close[0]!r}?" if close else
                " (read by neither this site nor MkDocs, Material, the blog or rss plugin)")
        out.append(located(path, (lines or {}).get((key,)), str(key),
                           f"unknown front-matter key{hint}"))
    return out


def invalid_values(exc: ValidationError, path: str,
                   lines: Mapping[tuple[Any, ...], int] | None = None) -> str:
    """One line per bad value of one of our keys, in the one error format on the key's line:
    "posts/posts/x.md:5: number: bad front-matter value: Input should be a valid integer"."""
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        line = next(((lines or {})[loc[:n]] for n in range(len(loc), 0, -1)
                     if loc[:n] in (lines or {})), None)
        key = ".".join(map(str, loc)) or None
        out.append(located(path, line, key, f"bad front-matter value: {err['msg']}"))
    return "\n".join(out)


def validate_front_matter(meta: dict[str, Any]) -> PostFrontMatter:
    """Validate the known keys of *meta* (unknown ones are reported by :func:`unknown_keys`).
    Raises pydantic's ValidationError for a bad value of one of our keys."""
    return PostFrontMatter.model_validate(
        {k: v for k, v in meta.items() if k in PostFrontMatter.model_fields})

