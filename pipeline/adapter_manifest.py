"""An adapter folder's identity: which files make it, their hash, and its training manifest.

The engines and the trainer must agree on which files define an adapter (PEFT's config and
weights, not the manifest or a model card), or a trained adapter's hash would not match the
one recorded with its runs. No torch here: the main venv reads manifests too. A leaf module
(errors and hashing only): the engines read manifests and the trainer writes them, and
neither may import the other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.hashing import files_sha256

#: The manifest the trainer writes next to the adapter's files.
MANIFEST = "training.json"
#: The files PEFT needs to load an adapter.
REQUIRED = ("adapter_config.json", "adapter_model.safetensors")


def adapter_files(folder: Path) -> list[Path]:
    """The files that define the adapter: `adapter_config.json` and `adapter_model*`."""
    return sorted(p for p in folder.iterdir() if p.is_file()
                  and (p.name.startswith("adapter_model") or p.name == "adapter_config.json"))


def adapter_files_sha256(folder: Path) -> str:
    """One sha256 over the adapter's files (names included, in name order)."""
    sha = files_sha256(adapter_files(folder))
    if sha is None:
        raise ConfigError(f"{folder}: no adapter files ({', '.join(REQUIRED)})")
    return sha


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's training manifest, or None when the adapter came from elsewhere."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: not a readable training manifest ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a training manifest is a JSON object")
    return data
