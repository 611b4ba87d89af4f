"""A cache of rendered pages, so a rebuild renders only the pages whose source or data changed.

A page is stored as the text of each of its blocks (named queries, components) and of each
inline value, in order, under its *plan*: the code version, the blocks and inline values
themselves (not the prose around them), the SQL files they read, the page's URL depth and
its `experiments:`. With the same plan, the page is rebuilt by splicing the stored texts into
its current prose: a prose edit renders nothing and opens no database.

The data a page read is checked in two steps. The database's state token (size, DuckDB's
header blocks and WAL: what a commit or checkpoint changes) is kept with the page; while it
is unchanged, the page is reused without opening the file. When it changed (a runner added
results; `mkdocs serve` rebuilds), the cache keys of the page's queries (`QueryCache.key`:
SQL + fingerprints of the tables, or of the page's experiments' rows, they read) are
recomputed on the new snapshot; the page is reused when they are equal, else rendered. A page
with an output that no key describes (the scope box, the cases list) is rendered again after
any change to the database.

Light on purpose: nothing here imports DuckDB or pandas.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.hashing import bytes_sha256, chunks_sha256, file_sha256, sha256_hex
from pipeline.site.core.case_mentions import link_code_spans, prose_skip
from pipeline.site.core.document import find_blocks, inline_bodies, splice
from pipeline.site.core.version import code_version

if TYPE_CHECKING:
    from pipeline.site.core.render import Rendered

_HEADER = 3 * 4096  # DuckDB's file header and its two database headers
def db_token(path: Path) -> str:
    """The state of a DuckDB file as its bytes show it: every commit changes the WAL, every
    checkpoint the headers. The same for the file and a snapshot copy of it."""
    return chunks_sha256(_db_chunks(path))[:32]


def _db_chunks(path: Path) -> Iterator[bytes]:
    """What `db_token` hashes: per file (the database, its WAL) its size and its headers (the
    WAL whole), or `-` when it is missing."""
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            with open(p, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                yield f"{p.suffix}:{size}:".encode()
                yield f.read() if p.suffix == ".wal" else f.read(_HEADER)
        except FileNotFoundError:
            yield b"-"


def _sha(obj: Any) -> str:
    return sha256_hex(json.dumps(obj, sort_keys=True, default=str))[:32]


@dataclass
class Replayed:
    markdown: str
    charts: int
    files: dict[str, bytes] = field(default_factory=dict)
    headline_html: str | None = None


class PageCache:
    """Rendered pages under *directory*/pages (None: no cache), for a database in state
    *token*. `stats`: pages reused and pages rendered in this build."""

    def __init__(self, directory: Path | None, token: str) -> None:
        self.directory = None if directory is None else directory / "pages"
        self.token = token
        self.stats: Counter[str] = Counter()

    def _path(self, kind: str, name: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{kind}-{sha256_hex(name)[:24]}.json"

    def _read(self, path: Path | None) -> dict[str, Any] | None:
        if path is None or not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write(self, path: Path | None, entry: dict[str, Any]) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry), encoding="utf-8")
        os.replace(tmp, path)

    # -- pages ----------------------------------------------------------------------------
    @staticmethod
    def plan(markdown: str, kinds: list[str], root_url: str, experiments: Any,
             base_dir: Path | None, headline: str | None = None, variant: str = "",
             ) -> tuple[str, list[str], dict[int, int], set[int]]:
        """(plan hash, lines, {block start: block end}, fenced lines) of *markdown*;
        *variant*: anything else the render depends on (the page's browser-SQL key)."""
        lines = markdown.split("\n")
        blocks, fenced = find_blocks(lines, kinds)
        files = {}
        for b in blocks:
            if b.file is not None:
                p = (base_dir or Path.cwd()) / b.file
                files[b.file] = file_sha256(p) if p.is_file() else None
        inline = [body for i, line in enumerate(lines) if i not in fenced and "{{" in line
                  for body in inline_bodies(line)]
        key = _sha([code_version(), kinds, root_url, experiments, files, inline, headline,
                    [(b.kind, b.name, b.body, b.file) for b in blocks], variant])
        return key, lines, {b.start: b.end for b in blocks}, fenced

    def lookup(self, src_uri: str, markdown: str, root_url: str, experiments: Any,
               base_dir: Path | None,
               data_key_now: Callable[[dict[str, Any]], str | None],
               headline: str | None = None, variant: str = "") -> Replayed | None:
        """The page rebuilt from the cache, or None when it must be rendered.
        *data_key_now(entry)* recomputes the key of the data the entry read, on the current
        database (None: it cannot)."""
        path = self._path("page", src_uri)
        entry = self._read(path)
        if entry is None:
            return None
        plan, lines, ends, fenced = self.plan(markdown, entry["kinds"], root_url, experiments,
                                              base_dir, headline, variant)
        if plan != entry["plan"] or len(ends) != len(entry["blocks"]):
            return None
        if entry["token"] != self.token:
            if entry["unkeyed"] or data_key_now(entry) != entry["data"]:
                return None
            entry["token"] = self.token
            self._write(path, entry)
        texts = iter(entry["inline"])

        def inline(line: str, _n: int) -> str:
            from pipeline.site.core.document import INLINE, mask_code_spans

            pieces, last = [], 0
            for m in INLINE.finditer(mask_code_spans(line)):
                pieces += [line[last:m.start()], next(texts)]
                last = m.end()
            return "".join(pieces) + line[last:]

        replace = {start: (end, text) for (start, end), text in
                   zip(sorted(ends.items()), entry["blocks"], strict=True)}
        # the prose's case ids link to their cases, as render_markdown linked them
        lines = link_code_spans(lines, prose_skip(fenced, ends), entry.get("case_links") or {},
                                root_url)
        out = splice(lines, replace, fenced, inline)
        files = {}
        for rel, blob in entry["files"].items():
            p = self.directory / "files" / f"{blob}.bin" if self.directory else None
            if p is None or not p.is_file():
                return None
            files[rel] = p.read_bytes()
        self.stats["pages_cached"] += 1
        return Replayed(out, entry["charts"], files, entry.get("headline"))

    def store(self, src_uri: str, markdown: str, root_url: str, experiments: Any,
              base_dir: Path | None, rendered: Rendered, headline: str | None = None,
              variant: str = "") -> None:
        self.stats["pages_rendered"] += 1
        if self.directory is None:
            return
        plan, *_ = self.plan(markdown, rendered.kinds, root_url, experiments, base_dir,
                             headline, variant)
        blobs = {}
        for rel, data in rendered.files.items():
            blob = bytes_sha256(data)[:32]
            target = self.directory / "files" / f"{blob}.bin"
            if not target.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(data)
                os.replace(tmp, target)
            blobs[rel] = blob
        self._write(self._path("page", src_uri), {
            "plan": plan, "kinds": rendered.kinds, "token": self.token,
            "experiments": experiments, "keys": rendered.keys,
            "data": keys_digest([k for _, _, k in rendered.keys]),
            "unkeyed": rendered.unkeyed, "blocks": rendered.block_texts,
            "inline": rendered.inline_texts, "charts": rendered.charts, "files": blobs,
            "case_links": rendered.case_links, "headline": rendered.headline_html})

    # -- anything else keyed on the database's state (generated pages, run dates) ----------
    def get(self, name: str, key: Any, with_db: bool = True) -> Any | None:
        """The value stored as *name* under *key* (and this database state, by default)."""
        entry = self._read(self._path("value", name))
        full = [code_version(), self.token if with_db else None, key]
        if entry is None or entry["key"] != _sha(full):
            return None
        return entry["value"]

    def put(self, name: str, key: Any, value: Any, with_db: bool = True) -> None:
        full = [code_version(), self.token if with_db else None, key]
        self._write(self._path("value", name), {"key": _sha(full), "value": value})


def keys_digest(keys: list[str]) -> str:
    return _sha(keys)
