"""Options of the `pipeline` MkDocs plugin, validated by MkDocs itself."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c
from pydantic import BaseModel, ConfigDict, Field


class PostFrontMatter(BaseModel):
    """The front matter keys this plugin reads (the archive card and series navigation).
    Other keys belong to MkDocs or the theme and are left to them."""

    model_config = ConfigDict(strict=False)

    number: int | None = Field(default=None, ge=0)
    series: str | None = None
    # Place in the series ("Part 1"), when it differs from the order of `number` (the seed's
    # Part 1 is post 04 and Part 2 post 03).
    part: int | None = Field(default=None, ge=1)
    lead: str | None = None
    headline: str | None = None
    # Restrict the page's queries to these experiments: exact cache invalidation, and the
    # page cannot show another experiment's rows by accident.
    experiments: list[str] | None = None


class ResultsPluginConfig(base.Config):
    enabled = c.Type(bool, default=True)
    # The results database, relative to mkdocs.yml. Opened read-only at build time.
    db = c.Type(str, default="results.duckdb")
    # Seconds to keep retrying while a runner holds the file's write lock.
    lock_wait = c.Type((int, float), default=60)
    # Query results are cached here (relative to mkdocs.yml) by SQL text and the content of the
    # tables they read; a prose edit re-runs no query. Set `cache: false` to always query.
    cache = c.Type(bool, default=True)
    cache_dir = c.Type(str, default=".cache/llmx/queries")
    # Generate models/, experiments/ and the per-experiment cases pages from the database.
    generated_pages = c.Type(bool, default=True)
