"""Where generated pages live: ids from the database become safe path segments.

A model or experiment id is data, maybe from another machine's database: it must never
choose a file path (``../../etc``), break out of a URL or a Markdown link. Ids made of
``[A-Za-z0-9._-]`` (every id our own registry allows) are used as they are, so URLs stay
readable and stable; any other id becomes a readable slug plus a short hash of the id, so
two different ids never share a page.
"""

from __future__ import annotations

import re

from pipeline.hashing import bytes_sha256

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def slug(identifier: str) -> str:
    """A path segment for *identifier*: itself when plain, else `readable-part-HASH`."""
    if _PLAIN.fullmatch(identifier):
        return identifier
    digest = bytes_sha256(identifier.encode("utf-8", "surrogatepass"))[:10]
    readable = re.sub(r"[^a-z0-9]+", "-", identifier.lower()).strip("-")[:40].strip("-")
    return f"{readable}-{digest}" if readable else f"id-{digest}"


def model_path(model_id: str) -> str:
    """Docs-relative source path of a model's page."""
    return f"models/{slug(model_id)}.md"


def experiment_dir(experiment_id: str) -> str:
    """Docs-relative folder of an experiment's pages (its index and its cases pages)."""
    return f"experiments/{slug(experiment_id)}"


def cases_url(experiment_id: str) -> str:
    """URL of an experiment's first cases page, relative to the site root."""
    return f"{experiment_dir(experiment_id)}/cases/"


CASES_PER_PAGE = 25
MIN_CASES_PER_PAGE = 5
OUTPUTS_PER_PAGE = 100


def cases_per_page(outputs_per_case: int) -> int:
    """Cases on one cases page of an experiment version whose cases each get
    *outputs_per_case* outputs (also where `pipeline.site.core.case_links` finds a case)."""
    return max(MIN_CASES_PER_PAGE,
               min(CASES_PER_PAGE, OUTPUTS_PER_PAGE // max(outputs_per_case, 1)))
