"""Fingerprints for run provenance, shared by every engine so they agree on one template."""

from __future__ import annotations

import hashlib
from pathlib import Path


def text_fingerprint(text: str | None) -> str | None:
    """sha256 prefix of a text (a chat template); None when there is no text."""
    return None if not text else hashlib.sha256(text.encode()).hexdigest()[:16]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
