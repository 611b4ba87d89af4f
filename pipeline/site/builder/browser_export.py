"""A post's "Run this query" files for one build, from a cache while nothing they depend on
changed: the page's blocks (and the SQL files they read), its experiments, the database's
state and the site code. The export itself (`pipeline.site.core.browser_sql`) re-runs every
block twice off the extracts; without the cache every build would pay for that again.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.hashing import sha256_hex
from pipeline.site.builder.page_cache import PageCache
from pipeline.site.builder.source import StageError

if TYPE_CHECKING:
    from pipeline.site.builder.session import BuildSession

Files = dict[str, bytes]


def export_page_files(session: BuildSession, src_uri: str, markdown: str, experiments: Any,
                      base_dir: Path | None) -> tuple[Files, dict[str, int], list[str]]:
    """(files by site path, extract bytes by file name, blocks that do not reproduce) of the
    page *src_uri*. Raises StageError with the page's path when one of its queries fails."""
    from pipeline.site.core.browser_sql import VERSION, export_page, page_key

    key = page_key(src_uri)
    plan, *_ = PageCache.plan(markdown, ["chart", "table"], "", experiments, base_dir)
    digest = sha256_hex(json.dumps([VERSION, session.pages.token, plan, key, src_uri]))[:40]
    folder = session.cache_dir / "browser-sql" / digest if session.cache_dir else None
    hit = _read(folder)
    if hit is not None:
        return hit
    from pipeline.site.core.errors import RenderError

    try:
        export = export_page(markdown, session.connect(), key, session.label(src_uri),
                             session.queries, base_dir, experiments)
    except RenderError as exc:
        raise StageError(exc.describe(session.label(src_uri))) from None
    if export is None:
        return {}, {}, []
    result = (export.files, export.extracts, export.problems)
    _write(folder, *result)
    return result


def _read(folder: Path | None) -> tuple[Files, dict[str, int], list[str]] | None:
    if folder is None or not (folder / "manifest.json").is_file():
        return None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        files = {rel: (folder / f"{i}.bin").read_bytes()
                 for i, rel in enumerate(manifest["files"])}
        return files, manifest["sizes"], manifest["problems"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged entry is rebuilt


def _write(folder: Path | None, files: Files, sizes: dict[str, int],
           problems: list[str]) -> None:
    if folder is None:
        return
    tmp = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    names = sorted(files)
    for i, rel in enumerate(names):
        (tmp / f"{i}.bin").write_bytes(files[rel])
    (tmp / "manifest.json").write_text(json.dumps(
        {"files": names, "sizes": sizes, "problems": problems}), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
