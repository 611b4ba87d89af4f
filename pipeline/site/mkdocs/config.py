"""Options of the `pipeline` MkDocs plugin, validated by MkDocs itself. Their names and
defaults are the core's (`pipeline.site.staging.PLUGIN_DEFAULTS`, which the Zensical adapter
reads from mkdocs.yml): one list of options for both generators."""

from __future__ import annotations

from mkdocs.config import base
from mkdocs.config import config_options as c

from pipeline.site.source import PLUGIN_DEFAULTS as D

__all__ = ["ResultsPluginConfig"]  # a post's front matter: pipeline.site.front_matter


class ResultsPluginConfig(base.Config):
    enabled = c.Type(bool, default=D["enabled"])
    # The results database, relative to mkdocs.yml. Opened read-only at build time.
    db = c.Type(str, default=D["db"])
    # Seconds to keep retrying while a runner holds the file's write lock.
    lock_wait = c.Type((int, float), default=D["lock_wait"])
    # Query results are cached here (relative to mkdocs.yml) by SQL text and the content of the
    # tables they read; a prose edit re-runs no query. Set `cache: false` to always query.
    cache = c.Type(bool, default=D["cache"])
    cache_dir = c.Type(str, default=D["cache_dir"])
    # Generate models/, experiments/ and the per-experiment cases pages from the database.
    generated_pages = c.Type(bool, default=D["generated_pages"])
