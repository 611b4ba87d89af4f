"""Links from a post to the cases it names, on the generated cases pages.

A reader who sees a case id in a table (a column `case_id`) or in the prose (an inline code
span that is exactly a case id of the experiments the page reads) can open that case: its
input, expected answer and every model's output. The link goes to the case's anchor
(`#case-<id>`) on the cases page that holds it: the experiment's latest version, page
`position // per_page + 1`, with `per_page` computed as the generated cases pages lay the pages
out. An id that is not a case of exactly one of those experiments gets no link (a wrong link
is worse than none).

Ids are data: the fragment is percent-encoded (the browser decodes it to match the element
id), the path segments are slugs (`pipeline.site.core.urls`), so no id can break out of the URL or
the attribute it sits in; link text is escaped by the templates that print it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

import duckdb

from pipeline.site.core.query import QueryScope
from pipeline.site.core.store_queries import CASE_INDEX_SQL
from pipeline.site.core.urls import cases_per_page, experiment_dir


def case_fragment(case_id: str) -> str:
    """The anchor of a case on its cases page (templates/cases.html: `case-<id>`), as a URL
    fragment: every character but [A-Za-z0-9_.~-] percent-encoded."""
    return "#case-" + quote(case_id, safe="")


def _page_url(experiment: str, page: int) -> str:
    name = "cases/" if page == 1 else f"cases-{page}/"
    return f"{experiment_dir(experiment)}/{name}"


class CaseIndex:
    """{(experiment, case id): URL from the site root} for the ids asked about."""

    def __init__(self, urls: dict[tuple[str, str], str]) -> None:
        self.urls = urls

    def url(self, case_id: str, experiment: str | None = None) -> str | None:
        """The case's URL (from the site root): of *experiment* when given, else of the one
        experiment that has this id (None when none or several do)."""
        if experiment is not None:
            return self.urls.get((experiment, case_id))
        found = [u for (_, c), u in self.urls.items() if c == case_id]
        return found[0] if len(found) == 1 else None


def page_experiments(scope: QueryScope) -> list[str]:
    """The experiments a page reads: its front matter's `experiments:` when it has them, else
    those its queries name."""
    if scope.partition:
        return list(scope.partition)
    return scope.experiments_in("\n".join(scope.sql.values()))


def case_index(scope: QueryScope, experiments: Iterable[str], ids: Iterable[str]) -> CaseIndex:
    """Look *ids* up among the cases of *experiments* (latest versions). The lookup is part
    of the page's data (its cache key), so a page re-renders when the cases move."""
    experiments, ids = sorted(set(experiments)), sorted({i for i in ids if i})
    if not experiments or not ids:
        return CaseIndex({})
    scope.data_key(None, CASE_INDEX_SQL)  # the page cache re-checks it with the page's data
    try:
        rows = scope.con.execute(CASE_INDEX_SQL, [experiments, ids]).fetchall()
    except duckdb.Error:  # a database without these tables has no cases pages either
        return CaseIndex({})
    urls = {}
    for experiment, _version, case_id, position, outputs in rows:
        page = int(position) // cases_per_page(int(outputs)) + 1
        urls[(experiment, case_id)] = _page_url(experiment, page) + case_fragment(case_id)
    return CaseIndex(urls)
