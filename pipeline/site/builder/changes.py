"""What changed since the last build: the record of every published number, and its page.

Each build reads every number the posts publish (`pipeline.site.core.published`: each
numeric table cell, chart point and inline value, with its n and interval) and compares them
with the record the previous build left in the repository (the `record` option,
`published/numbers.jsonl` by default): a number whose value changed has *moved*, and the move
is *beyond its interval* when the new value lies outside the old 95% interval. The generated
page `changes/index.md` lists them per post, with the numbers added and removed.

The record is JSON lines, small and diffable: a header line (this build: when, the database's
state token, how many numbers; the build before it; the two builds the kept changes lie
between), the last non-empty set of changes (one per line), then one number per line,
sorted by its key (post, block, row, column). It is written only when a number differs, so a
rebuild with nothing changed leaves the file alone and the page still shows the last changes
with both builds named. A preview (`mkdocs serve`) and a build with a failing post compare
but never write.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import display_path
from pipeline.site.builder.source import Page, StageError, page_title

if TYPE_CHECKING:
    import duckdb

    from pipeline.site.core.cache import QueryCache

CHANGES_PATH = "changes/index.md"
RECORD_VERSION = 1
FIELDS = ["post", "block", "row", "column", "value", "n", "low", "high", "text"]
REL_TOL = 1e-12
LABEL_CHARS = 80  # a row label longer than this is cut on the page (the record has it all)


@dataclass(frozen=True)
class Recorded:
    """One published number as the record holds it; `row` is {label column: value}."""

    post: str
    block: str
    row: tuple[tuple[str, str], ...]
    column: str
    value: float | int | None
    n: int | None = None
    low: float | None = None
    high: float | None = None
    text: str | None = None

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.post, self.block, json.dumps(self.row, ensure_ascii=False), self.column)

    def line(self) -> list[Any]:
        return [self.post, self.block, dict(self.row), self.column, self.value, self.n,
                self.low, self.high, self.text]

    @classmethod
    def from_line(cls, items: Any) -> Recorded:
        if not isinstance(items, list) or len(items) != len(FIELDS):
            raise ValueError(f"expected a list of {len(FIELDS)} fields ({', '.join(FIELDS)})")
        post, block, row, column, value, n, low, high, text = items
        if not (isinstance(post, str) and isinstance(block, str) and isinstance(column, str)
                and isinstance(row, dict) and all(isinstance(v, str) for v in row.values())):
            raise ValueError("post, block and column must be text, row a mapping of text")
        for name, v in (("value", value), ("low", low), ("high", high)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise ValueError(f"{name} must be a number or null")
        if n is not None and (isinstance(n, bool) or not isinstance(n, int)):
            raise ValueError("n must be an integer or null")
        if text is not None and not isinstance(text, str):
            raise ValueError("text must be text or null")
        return cls(post, block, tuple(sorted(row.items())), column, value, n, low, high, text)


@dataclass(frozen=True)
class Change:
    kind: str  # moved, added, removed
    old: Recorded | None
    new: Recorded | None
    beyond: bool | None = None  # moved outside the old interval (None: it had none)

    @property
    def number(self) -> Recorded:
        out = self.new or self.old
        assert out is not None
        return out

    def line(self) -> dict[str, Any]:
        n = self.number
        return {"change": self.kind, "post": n.post, "block": n.block, "row": dict(n.row),
                "column": n.column, "old": self.old.line()[4:] if self.old else None,
                "new": self.new.line()[4:] if self.new else None, "beyond": self.beyond}

    @classmethod
    def from_line(cls, obj: dict[str, Any]) -> Change:
        kind = obj.get("change")
        if kind not in ("moved", "added", "removed"):
            raise ValueError(f"unknown change {kind!r} (moved, added or removed)")
        head = [obj.get("post"), obj.get("block"), obj.get("row"), obj.get("column")]
        old = Recorded.from_line(head + obj["old"]) if obj.get("old") is not None else None
        new = Recorded.from_line(head + obj["new"]) if obj.get("new") is not None else None
        beyond = obj.get("beyond")
        if (old is None and new is None) or beyond not in (True, False, None):
            raise ValueError("a change needs old or new, and beyond true, false or null")
        return cls(kind, old, new, beyond)


@dataclass
class Record:
    """The record file: this build, the one before, the last changes and every number."""

    build: dict[str, Any]
    previous: dict[str, Any] | None = None
    between: dict[str, Any] | None = None  # {"from": build, "to": build} of `changes`
    changes: list[Change] = field(default_factory=list)
    numbers: dict[tuple[str, str, str, str], Recorded] = field(default_factory=dict)

    def text(self) -> str:
        header = {"llmx_record": RECORD_VERSION, "fields": FIELDS, "build": self.build,
                  "previous": self.previous, "changes_between": self.between}
        lines = [_dump(header)]
        lines += [_dump(c.line()) for c in sorted(self.changes, key=_change_order)]
        lines += [_dump(self.numbers[k].line()) for k in sorted(self.numbers)]
        return "\n".join(lines) + "\n"


class RecordError(StageError):
    """The record file cannot be read; the message names the file and line."""


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _change_order(c: Change) -> tuple[Any, ...]:
    return (c.number.key, c.kind)


def read_record(path: Path) -> Record | None:
    """The record at *path* (None when there is none). RecordError names the file and
    line of anything it cannot read."""
    if not path.is_file():
        return None
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordError(f"{where}: cannot read the record of published numbers ({exc}); "
                          "delete it to start a new record") from None
    record: Record | None = None
    for i, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
            if record is None:
                if not isinstance(obj, dict) or obj.get("llmx_record") != RECORD_VERSION:
                    raise ValueError("expected the header line "
                                     f'{{"llmx_record": {RECORD_VERSION}, ...}}')
                if not isinstance(obj.get("build"), dict):
                    raise ValueError("the header names no build")
                record = Record(obj["build"], obj.get("previous"), obj.get("changes_between"))
            elif isinstance(obj, dict):
                record.changes.append(Change.from_line(obj))
            else:
                number = Recorded.from_line(obj)
                if number.key in record.numbers:
                    raise ValueError("this number is recorded twice")
                record.numbers[number.key] = number
        except (ValueError, TypeError, KeyError) as exc:
            hint = (" (a merge conflict? keep either side and build again)"
                    if raw.startswith(("<<<<<<<", "=======", ">>>>>>>")) else "")
            raise RecordError(f"{where}:{i}: not a line of the record of published numbers: "
                              f"{exc}{hint}; fix the line or delete the file to start a new "
                              "record") from None
    if record is None:
        raise RecordError(f"{where}:1: the record of published numbers is empty; delete it "
                          "to start a new record")
    return record


def write_record(path: Path, record: Record) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(record.text(), encoding="utf-8")
    os.replace(tmp, path)


# -- comparing -------------------------------------------------------------------------------
def has_moved(old: float | int | None, new: float | int | None) -> bool:
    """Whether a value changed beyond REL_TOL relative (a number that became NULL, or the
    other way round, has moved)."""
    if old is None or new is None:
        return (old is None) != (new is None)
    return not math.isclose(float(old), float(new), rel_tol=REL_TOL, abs_tol=1e-15)


def beyond_interval(old: Recorded, new: Recorded) -> bool | None:
    """Whether *new*'s value lies outside *old*'s interval (None: *old* had none)."""
    if old.low is None or old.high is None:
        return None
    if new.value is None:
        return True
    return not (old.low <= new.value <= old.high)


def diff(old: dict[Any, Recorded], new: dict[Any, Recorded]) -> list[Change]:
    """The numbers that moved, were added or removed from *old* to *new* (keyed alike)."""
    out = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a is None:
            out.append(Change("added", None, b))
        elif b is None:
            out.append(Change("removed", a, None))
        elif has_moved(a.value, b.value):
            out.append(Change("moved", a, b, beyond_interval(a, b)))
    return out


# -- one build ---------------------------------------------------------------------------------
def post_numbers(pages: dict[str, Page], con: Callable[[], duckdb.DuckDBPyConnection],
                 cache: QueryCache | None) -> tuple[list[list[Any]], dict[str, str]]:
    """([record line of every published number], {src_uri: error} of the posts whose
    queries failed: the page's own render reports them) for the authors' *pages*."""
    from pipeline.site.core.errors import RenderError
    from pipeline.site.core.published import page_numbers

    lines: list[list[Any]] = []
    failed: dict[str, str] = {}
    for src_uri, page in sorted(pages.items()):
        if page.generated or ("```" not in page.body and "{{" not in page.body):
            continue
        try:
            numbers = page_numbers(page.body, con(), cache, page.base_dir,
                                   page.meta.get("experiments"))
        except RenderError as exc:
            if exc.line is not None:
                exc.line += page.offset
            failed[src_uri] = exc.describe(page.label)
            continue
        for n in numbers:
            row = tuple(sorted(n.row))
            lines.append(Recorded(src_uri, n.block, row, n.column, _short(n.value), n.n,
                                  _short(n.low), _short(n.high), n.text).line())
    return lines, failed


def numbers_key(pages: dict[str, Page]) -> list[Any]:
    """What the numbers of *pages* depend on besides the data: each page's blocks, inline
    values, `experiments:` and SQL files, never its prose (a prose edit re-reads nothing)."""
    from pipeline.site.core.document import find_blocks, inline_bodies

    key = []
    for src_uri, page in sorted(pages.items()):
        lines = page.body.split("\n")
        blocks, fenced = find_blocks(lines, ())
        base = page.base_dir or Path.cwd()
        files = [(base / b.file).read_text(encoding="utf-8", errors="replace")
                 if b.file and (base / b.file).is_file() else None for b in blocks]
        inline = [body for i, line in enumerate(lines) if i not in fenced
                  for body in inline_bodies(line)]
        key.append([src_uri, page.label, [[b.kind, b.name, b.body, b.file] for b in blocks],
                    files, inline, page.meta.get("experiments")])
    return key


def _short(v: float | int | None) -> float | int | None:
    """A value or bound to 12 significant digits (the record stays small; values are
    compared to 1e-12 relative); an integer stays whole."""
    return v if v is None or isinstance(v, int) else float(f"{v:.12g}")


@dataclass
class Outcome:
    """What the changes page says about this build."""

    status: str  # first, changed, unchanged, unreadable
    changes: list[Change]
    build: dict[str, Any]
    between: dict[str, Any] | None
    numbers: int
    posts: int
    record: str
    written: bool
    current: bool  # the changes are this build's (else the last recorded ones)
    failed: dict[str, str] = field(default_factory=dict)
    live: bool = False
    error: str = ""


def update_record(path: Path, lines: list[list[Any]], failed: dict[str, str], *,
                  database: str, token: str, live: bool = False,
                  warn: Callable[[str], None] | None = None,
                  now: datetime | None = None) -> Outcome:
    """Compare this build's numbers (*lines*, from `post_numbers`) with the record at *path*
    and write the new record when a number differs (never for a preview (*live*) or when a
    post failed: *failed*). A record that cannot be read fails the build (RecordError), or,
    in a preview, is reported on the page and to *warn*."""
    numbers = {r.key: r for r in (Recorded.from_line(x) for x in lines)}
    build = {"at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
             "database": database, "token": token, "numbers": len(numbers)}
    common = {"build": build, "numbers": len(numbers), "record": display_path(path),
              "posts": len({r.post for r in numbers.values()}), "failed": failed,
              "live": live}
    try:
        old = read_record(path)
    except RecordError as exc:
        if not live:
            raise
        if warn:
            warn(str(exc))
        return Outcome("unreadable", [], between=None, written=False, current=False,
                       error=str(exc), **common)
    if old is None:
        written = _write(path, Record(build, numbers=numbers), live, failed)
        return Outcome("first", [], between=None, written=written, current=False, **common)
    previous = {k: v for k, v in old.numbers.items() if k[0] not in failed}
    now_numbers = {k: v for k, v in numbers.items() if k[0] not in failed}
    changes = diff(previous, now_numbers)
    if changes:
        between = {"from": old.build, "to": build}
        written = _write(path, Record(build, old.build, between, changes, numbers), live,
                         failed)
        return Outcome("changed", changes, between=between, written=written, current=True,
                       **common)
    written = False
    if [n.line() for _, n in sorted(numbers.items())] != \
            [n.line() for _, n in sorted(old.numbers.items())]:
        # an n, interval or text changed, no value: the kept changes stay the last ones
        written = _write(path, Record(build, old.build, old.between, old.changes, numbers),
                         live, failed)
    return Outcome("unchanged", old.changes, between=old.between, written=written,
                   current=False, **{**common, "build": old.build if not written else build})


def _write(path: Path, record: Record, live: bool, failed: dict[str, str]) -> bool:
    if live or failed:
        return False
    write_record(path, record)
    return True


# -- the page ----------------------------------------------------------------------------------
def _label(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LABEL_CHARS else flat[:LABEL_CHARS - 1] + "…"


def _shown(n: Recorded | None) -> str:
    from pipeline.site.core.formatting import format_value

    if n is None:
        return "—"
    return _label(n.text if n.text is not None else format_value(n.value))


def _interval(n: Recorded | None) -> str:
    from pipeline.site.core.formatting import format_ci, format_value

    if n is None or n.low is None or n.high is None:
        return "—"
    if n.n is not None:  # a Wilson interval: a rate
        return format_ci(n.low, n.high)
    return f"{format_value(n.low)}–{format_value(n.high)}"


def _row(n: Recorded) -> str:
    return _label(", ".join(f"{k}={v}" for k, v in n.row)) or "—"


def _build_name(b: dict[str, Any] | None) -> str:
    if not b:
        return "an unnamed build"
    token = str(b.get("token", ""))[:12]
    return f"the build of {b.get('at', '?')} (database state {token or '?'})"


def changes_markdown(outcome: Outcome, pages: dict[str, Page], up: str = "../") -> str:
    """The changes page (Markdown with escaped HTML from templates/pages/changes.md)."""
    from pipeline.site.builder.pages import render_page

    titles = {u: page_title(p) for u, p in pages.items()}

    def item(c: Change) -> dict[str, Any]:
        n = c.number
        return {"post": n.post, "title": titles.get(n.post, n.post),
                "link": up + n.post if n.post in titles else "", "block": _label(n.block),
                "row": _row(n), "column": _label(n.column), "old": _shown(c.old),
                "new": _shown(c.new), "n_old": c.old.n if c.old and c.old.n is not None
                else None, "n_new": c.new.n if c.new and c.new.n is not None else None,
                "old_ci": _interval(c.old), "new_ci": _interval(c.new),
                "beyond": {True: "yes", False: "no", None: "no interval"}[c.beyond]}

    moved = [item(c) for c in outcome.changes if c.kind == "moved"]
    posts: dict[str, dict[str, Any]] = {}
    for m in moved:
        posts.setdefault(m["post"], {"title": m["title"], "link": m["link"], "moved": []})
        posts[m["post"]]["moved"].append(m)
    between = outcome.between or {}
    return render_page(
        "changes.md", o=outcome, posts=list(posts.values()), n_moved=len(moved),
        n_beyond=sum(m["beyond"] == "yes" for m in moved),
        added=[item(c) for c in outcome.changes if c.kind == "added"],
        removed=[item(c) for c in outcome.changes if c.kind == "removed"],
        since=_build_name(between.get("from")), until=_build_name(between.get("to")),
        build=_build_name(outcome.build),
        failed=[(u, " ".join(m.split())) for u, m in sorted(outcome.failed.items())])
