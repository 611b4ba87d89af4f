"""sha256 in one place: the hashes that make a run's identity and trace its inputs.

Why one module: a run id, a case hash, a template hash and an adapter's hash are stored in
the results database and compared across machines and versions. Computed in several places,
they drift (a 12-character prefix here, names left out of a multi-file hash there), and a
stored run would stop matching the one that resumes it. A leaf module (standard library
only), so every layer can use it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

#: Hex digits kept by `short_hash`: what run ids, case and template hashes have always used.
SHORT = 16
_CHUNK = 1 << 20


def bytes_sha256(data: bytes) -> str:
    """sha256 (64 hex digits) of *data*."""
    return hashlib.sha256(data).hexdigest()


def chunks_sha256(chunks: Iterable[bytes]) -> str:
    """sha256 (64 hex digits) of the *chunks* one after the other, fed as they come: the
    same digest as `bytes_sha256(b"".join(chunks))` without holding them all at once."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def sha256_hex(text: str) -> str:
    """sha256 (64 hex digits) of *text* encoded as UTF-8."""
    return bytes_sha256(text.encode("utf-8"))


def short_hash(text: str) -> str:
    """The first `SHORT` hex digits of `sha256_hex(text)`: a run's, a case's or a template's
    identity (collisions are not a concern at the scale of one results database)."""
    return sha256_hex(text)[:SHORT]


def text_fingerprint(text: str | None) -> str | None:
    """`short_hash` of a text (a chat template); None when there is no text."""
    return None if not text else short_hash(text)


def file_sha256(path: Path | str) -> str:
    """sha256 (hex) of a file's bytes, read in 1 MiB chunks (weights are gigabytes)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def files_sha256(paths: Sequence[Path]) -> str | None:
    """One sha256 over several files, names included, in name order; None for no files."""
    if not paths:
        return None
    h = hashlib.sha256()
    for p in sorted(paths, key=lambda q: q.name):
        h.update(p.name.encode() + b"\0")
        with p.open("rb") as fh:
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                h.update(chunk)
    return h.hexdigest()


def copy_sha256(sources: Iterable[Path], out: BinaryIO, block: int = 8 << 20) -> tuple[str, int]:
    """Copy the *sources*' bytes, in order, into the open binary file *out*, hashing them on
    the way: the sha256 (hex) of what was written, and how many bytes. One pass over
    gigabytes of weight chunks, instead of a copy and a second read to check it."""
    digest = hashlib.sha256()
    written = 0
    buf = bytearray(block)
    view = memoryview(buf)
    for path in sources:
        with Path(path).open("rb", buffering=0) as fh:
            while n := fh.readinto(buf):
                digest.update(view[:n])
                out.write(view[:n])
                written += n
    return digest.hexdigest(), written


def sample_sha256(path: Path, size: int, sample: int = _CHUNK) -> str:
    """sha256 of a file's first, middle and last *sample* bytes (*size*: the file's size):
    enough to notice a rewritten multi-gigabyte file without reading all of it."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for offset in sorted({0, max(0, size // 2 - sample // 2), max(0, size - sample)}):
            fh.seek(offset)
            digest.update(fh.read(sample))
    return digest.hexdigest()


__all__ = ["SHORT", "bytes_sha256", "chunks_sha256", "copy_sha256", "file_sha256",
           "files_sha256", "sample_sha256", "sha256_hex", "short_hash", "text_fingerprint"]
