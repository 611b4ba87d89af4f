"""Series navigation ("Part 2 · Gemma 4 Benchmarks"): previous and next post by number."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass


@dataclass(frozen=True)
class SeriesEntry:
    series: str
    number: int
    title: str
    src_uri: str
    part: int | None = None

    @property
    def order(self) -> int:
        """Place in the series: `part` when given, else the post's number."""
        return self.part if self.part is not None else self.number


def series_nav(current: SeriesEntry, entries: list[SeriesEntry]) -> str:
    """Markdown for the series box of *current*: its place in the series and prev/next links
    (relative .md links, so any static-site generator can resolve them)."""
    same = sorted(
        (e for e in entries if e.series == current.series), key=lambda e: (e.order, e.number)
    )
    if len(same) < 2:
        return ""
    i = next(k for k, e in enumerate(same) if e.src_uri == current.src_uri)
    here = posixpath.dirname(current.src_uri)

    def link(e: SeriesEntry) -> str:
        title = e.title.replace("[", "\\[").replace("]", "\\]")
        return f"[{title}]({posixpath.relpath(e.src_uri, here or '.')})"

    parts = []
    if i > 0:
        parts.append(f"← previous: {link(same[i - 1])}")
    if i + 1 < len(same):
        parts.append(f"next: {link(same[i + 1])} →")
    # Plain Markdown (no extension needed): a rule, then one line with the links.
    return (f"\n\n---\n\n**{current.series}**, post {i + 1} of {len(same)} · "
            + " · ".join(parts) + "\n")
