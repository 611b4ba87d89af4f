"""The options of the `pipeline` entry under `plugins:` in mkdocs.yml: one typed schema for
both generators, validated once where the options come in (the MkDocs plugin's
`load_config`, the Zensical adapter's reading of mkdocs.yml).

Strict on purpose: `lock_wait: abc` or `cahce: false` would otherwise publish a site built
with a setting the author did not ask for; each problem names the option.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ConfigDict, Field, ValidationError

from pipeline.config.base import StrictModel
from pipeline.errors import display_path
from pipeline.site.builder.source import StageError


class SiteOptions(StrictModel):
    """What the site build reads from the `pipeline` plugin entry."""

    # strict types too: `cache: "no"` or `lock_wait: "60"` is refused, never coerced
    model_config = ConfigDict(strict=True)

    enabled: bool = Field(True, description="Render pages with the results (false: plain "
                          "Markdown passes through).")
    db: str = Field("results.duckdb", description="The results database, relative to "
                    "mkdocs.yml; opened read-only, from a snapshot copy.")
    lock_wait: float = Field(60, ge=0, description="Seconds to keep retrying while a runner "
                             "holds the database's write lock.")
    cache: bool = Field(True, description="Cache query results, rendered components and "
                        "pages (a prose edit re-runs no query).")
    cache_dir: str = Field(".cache/llmx/queries", description="Where the caches live, "
                           "relative to mkdocs.yml.")
    generated_pages: bool = Field(True, description="Generate models/, experiments/, the "
                                  "cases pages, the claims ledger and the database reference.")
    record: str = Field("published/numbers.jsonl", description="The record of every "
                        "published number, relative to mkdocs.yml: each build compares the "
                        "numbers with it (the generated changes/ page) and rewrites it when "
                        "one differs; \"\" turns the record and the page off.")
    browser_sql: bool = Field(True, description="Give every chart and table of a post a "
                              "'Run this query' button (DuckDB-Wasm over Parquet extracts "
                              "of the rows the post reads; loaded only on click).")
    browser_sql_budget_mb: float = Field(2.0, gt=0, description="The most a post's Parquet "
                                         "extracts may weigh (MB); over it the build fails "
                                         "naming each extract's size.")


class OptionsError(StageError):
    """The plugin's options are invalid; `problems` holds (option name, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]], where: str = "") -> None:
        self.problems = problems
        lines = [f"plugins.pipeline: option '{name}': {message}" for name, message in problems]
        where = display_path(where) if where else ""
        super().__init__("\n".join(f"{where}: {line}" if where else line for line in lines))


def parse_options(raw: Any, where: str = "") -> SiteOptions:
    """*raw* (the plugin entry's mapping, None for no options) as SiteOptions, or
    OptionsError naming each bad option (*where*: the config file, for the message)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise OptionsError([("(all)", f"expected a mapping of options, found "
                                      f"{type(raw).__name__}")], where)
    try:
        return SiteOptions.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for e in exc.errors():
            name = ".".join(map(str, e["loc"])) or "(all)"
            close = difflib.get_close_matches(name, list(SiteOptions.model_fields), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            message = (f"unknown option ({hint}valid: " + ", ".join(SiteOptions.model_fields)
                       + ")" if e["type"] == "extra_forbidden" else e["msg"])
            if e["type"] != "extra_forbidden" and "input" in e:
                message += f" (got {e['input']!r})"
            problems.append((name, message))
        raise OptionsError(problems, where) from None
