"""Checks on an adapter model before anything loads: is the adapter there, was it trained on
this base, and did it never see the cases it is about to be judged on?

Why before loading: a vLLM load costs about a minute here, and a run of a wrong or leaky
adapter produces numbers that look fine. Each check fails with a ConfigError naming the
registry entry, the file and what was expected.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pipeline.adapter_manifest import MANIFEST, REQUIRED, read_manifest
from pipeline.config.experiment import Case
from pipeline.config.models import ModelSpec
from pipeline.errors import ConfigError
from pipeline.finetune.dataset import (
    case_key,
    load_training_set,
    overlap,
    training_set_sha256,
)


def _local(path: str) -> Path | None:
    """A registry path that names a local folder or file (hub ids are left to the engine)."""
    p = Path(os.path.expandvars(os.path.expanduser(path)))
    if p.is_absolute() or path.startswith((".", "~", "$")) or p.exists() \
            or len(p.parts) != 2:
        return p
    return None


def check_adapter(model: ModelSpec, cases: Sequence[Case], engine: str) -> None:
    """Raise ConfigError when `model`'s adapter is missing, trained on another base, or
    trained on any of `cases` (by `case_key`). Models without an adapter pass."""
    adapter = model.adapter
    if adapter is None:
        return
    where = model.where()
    if engine == "llama_cpp" and adapter.llama_cpp:
        gguf = Path(os.path.expandvars(os.path.expanduser(adapter.llama_cpp)))
        if not gguf.is_file():
            raise ConfigError(f"{where}: adapter.llama_cpp: LoRA file {gguf} not found")
        folder = gguf.parent
    else:
        if not adapter.vllm:
            return  # the engine names what is missing for its own kind
        local = _local(adapter.vllm)
        if local is None:
            return  # a hub id: fetched and hashed by the engine
        if not local.is_dir():
            raise ConfigError(f"{where}: adapter.vllm: adapter folder {local} not found "
                              "(train it with `python -m pipeline train <train.yaml>`)")
        missing = [n for n in REQUIRED if not (local / n).is_file()]
        if missing:
            raise ConfigError(f"{where}: adapter.vllm: {local} lacks {', '.join(missing)} "
                              "(an incomplete or interrupted training; train it again)")
        folder = local
    manifest = read_manifest(folder)
    if manifest is None:
        return  # an adapter from elsewhere: nothing recorded to check against
    trained_on = manifest.get("base_model")
    if adapter.base is not None and trained_on != adapter.base:
        raise ConfigError(f"{where}: adapter.base is {adapter.base!r} but the adapter in "
                          f"{folder} was trained on {trained_on!r} ({folder / MANIFEST}); an "
                          "adapter only fits the weights it was trained on")
    _check_disjoint(where, folder, manifest, cases)


def _check_disjoint(where: str, folder: Path, manifest: dict[str, object],
                    cases: Sequence[Case]) -> None:
    code_cases = [c for c in cases if {"signature", "prompt"} <= set(c.input)]
    if not code_cases or not manifest.get("training_set"):
        return
    path = Path(str(manifest["training_set"]))
    if not path.is_file():
        raise ConfigError(f"{where}: the adapter's training set {path} (named in "
                          f"{folder / MANIFEST}) is missing; cannot check it against the "
                          "test cases")
    recorded = manifest.get("training_set_sha256")
    if recorded and training_set_sha256(path) != recorded:
        raise ConfigError(f"{where}: {path} changed since the adapter was trained (sha256 "
                          f"differs from {folder / MANIFEST}); train the adapter again")
    keys = [case_key(e.input.signature, e.input.prompt) for e in load_training_set(path)]
    leaked = overlap(keys, code_cases)
    if leaked:
        shown = ", ".join(leaked[:5]) + (f" and {len(leaked) - 5} more" if len(leaked) > 5
                                         else "")
        raise ConfigError(f"{where}: {len(leaked)} test case(s) are also in the adapter's "
                          f"training set {path}: {shown}. An adapter judged on its training "
                          "data measures memory; remove them from one side")
