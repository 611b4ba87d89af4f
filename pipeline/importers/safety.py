"""Guards every importer reads its file through: size caps, zip checks, strict UTF-8, JSON.

Why one module: a harness log is another tool's file and hostile. Each guard turns a bad file
into one `ImportFileError` naming the file (and the line or member where it can) before any
parser sees it, so a zip bomb or a 5 GB JSON never reaches memory, and a reader never has to
think about it. The caps are generous for real logs (the largest Inspect log of a 1,000-sample
eval with transcripts is tens of MB) and can be raised per call.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.errors import ImportFileError, located

#: The largest file an importer reads (bytes on disk; a zip's unpacked size has its own cap).
MAX_FILE_BYTES = 512 * 1024 * 1024
#: The most a zip may unpack to, in all, and the largest ratio of unpacked to packed bytes.
MAX_UNZIPPED_BYTES = 2 * 1024 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ZIP_MEMBERS = 200_000


def fail(path: str | Path, message: str, *, line: int | None = None,
         key: str | None = None) -> ImportFileError:
    """The one error shape for a bad file: `path:line: key: message`."""
    return ImportFileError(located(path, line, key, message))


def check_size(path: Path, limit: int = MAX_FILE_BYTES) -> int:
    """The file's size; refuses a missing path, a directory, or a file over *limit* bytes."""
    if not path.exists():
        raise fail(path, "no such file")
    if not path.is_file():
        raise fail(path, "not a regular file; expected a log file")
    size = path.stat().st_size
    if size > limit:
        raise fail(path, f"{size:,} bytes is over the import limit of {limit:,} bytes")
    if size == 0:
        raise fail(path, "empty file")
    return size


def sha256_of(path: Path) -> str:
    """The sha256 of the file's bytes, streamed (what identifies an imported file's content)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The whole file as strict UTF-8 (a BOM is dropped); invalid bytes name their line."""
    check_size(path, limit)
    data = path.read_bytes()
    return decode_utf8(data, path)


def decode_utf8(data: bytes, path: str | Path, member: str | None = None) -> str:
    """*data* as UTF-8, or an error with the line of the first invalid byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        where = f"{member}: " if member else ""
        raise fail(path, f"{where}invalid UTF-8 at byte {exc.start} (line {line}); expected "
                   "a UTF-8 text log", line=None if member else line) from None


def parse_json(text: str, path: str | Path, *, member: str | None = None,
               line: int | None = None) -> Any:
    """JSON as the harnesses write it: bare NaN and Infinity are accepted (lm-eval and old
    Inspect logs hold them); anything else invalid is an error with its line and column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"{member}: " if member else ""
        at = exc.lineno if line is None else line
        raise fail(path, f"{where}not valid JSON: {exc.msg} (line {exc.lineno}, column "
                   f"{exc.colno})", line=None if member else at) from None
    except RecursionError:
        raise fail(path, "JSON nested too deeply", line=line) from None


def read_json(path: Path, limit: int = MAX_FILE_BYTES) -> Any:
    """A whole JSON file, through the size cap and strict UTF-8."""
    return parse_json(read_text(path, limit), path)


def iter_jsonl(path: Path, limit: int = MAX_FILE_BYTES) -> Iterator[tuple[int, Any]]:
    """(line number, value) for each non-blank line of a JSON Lines file."""
    for number, line in enumerate(read_text(path, limit).splitlines(), start=1):
        if line.strip():
            yield number, parse_json(line, path, line=number)


def check_zip(path: Path, *, max_unzipped: int = MAX_UNZIPPED_BYTES,
              max_ratio: int = MAX_ZIP_RATIO, max_members: int = MAX_ZIP_MEMBERS) -> None:
    """Refuse a file that is not a zip, or a zip bomb, before any reader unpacks it.

    The sizes come from the zip's central directory, which a crafted file can understate;
    the cap on the ratio and the total is what the reader then unpacks at most, and Inspect's
    reader streams members, so a lie costs the stated bytes, not the machine.
    """
    check_size(path)
    if not zipfile.is_zipfile(path):
        raise fail(path, "not a zip archive; expected an Inspect .eval log (a zip)")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise fail(path, f"damaged zip archive: {exc}") from None
    if len(infos) > max_members:
        raise fail(path, f"{len(infos):,} zip members is over the limit of {max_members:,}")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > max_unzipped:
        raise fail(path, f"unpacks to {total:,} bytes, over the limit of {max_unzipped:,} "
                   "(a zip bomb?)")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > 1024 * 1024 and ratio > max_ratio:
            raise fail(path, f"zip member {info.filename!r} unpacks {ratio:,.0f}x "
                       f"({info.file_size:,} bytes), over the limit of {max_ratio}x "
                       "(a zip bomb?)")
    if total / packed > max_ratio and total > 1024 * 1024:
        raise fail(path, f"unpacks {total / packed:,.0f}x, over the limit of {max_ratio}x "
                   "(a zip bomb?)")
