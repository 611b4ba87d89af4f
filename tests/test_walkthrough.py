"""posts/docs/first-experiment.md, followed literally: its files are read from the page
(each fence after a "File: `PATH`" line) and written into a fresh project, and its commands
(every `python -m pipeline ...` line of its bash fences) are run there in order: `check`,
`run` on the real CPU model (llama.cpp, SmolLM2 135M, `--limit 2`) and `build` (MkDocs,
strict). The built post must show the numbers stored in the database, recomputed here.

The project is what a newcomer's checkout holds for this: the model registry, mkdocs.yml
(without the nav of this repository's pages), the theme overrides and the home page."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, query, require_models
from pipeline.loading import load_experiment
from pipeline.site.core.formatting import format_ci, format_value
from pipeline.stats import wilson_interval

PAGE = ROOT / "posts" / "docs" / "first-experiment.md"
FENCE = re.compile(r"^File: `(?P<path>[^`]+)`\n\n(?P<fence>`{3,})[a-z]*\n"
                   r"(?P<body>.*?)\n(?P=fence)$", re.M | re.S)
BASH = re.compile(r"^```bash\n(?P<body>.*?)\n```$", re.M | re.S)


def page_files() -> dict[str, str]:
    """{path: content} of every file the page shows."""
    return {m["path"]: m["body"] + "\n" for m in FENCE.finditer(PAGE.read_text())}


def page_commands() -> list[list[str]]:
    """Every `python -m pipeline ...` command of the page, in order, as argv."""
    out = []
    for m in BASH.finditer(PAGE.read_text()):
        for line in m["body"].splitlines():
            if line.startswith("python -m pipeline "):
                out.append(shlex.split(line.split("  #")[0]))
    return out


def project(tmp_path: Path) -> Path:
    """A fresh blog project: registry, mkdocs.yml without this repo's nav, theme overrides,
    home page; then the page's files."""
    root = tmp_path / "blog"
    (root / "experiments").mkdir(parents=True)
    shutil.copy(ROOT / "experiments" / "models.yaml", root / "experiments" / "models.yaml")
    shutil.copytree(ROOT / "site_overrides", root / "site_overrides")
    (root / "posts").mkdir()
    shutil.copy(ROOT / "posts" / "index.md", root / "posts" / "index.md")
    config = (ROOT / "mkdocs.yml").read_text()
    config = re.sub(r"^nav:\n(?:[ \t]+.*\n?)*", "", config, flags=re.M)
    (root / "mkdocs.yml").write_text(config)
    for path, content in page_files().items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    return root


def test_the_page_shows_its_files_and_commands(tmp_path):
    files = page_files()
    assert set(files) == {"experiments/unit_conversions.yaml",
                          "experiments/unit_conversions/cases.jsonl",
                          "posts/posts/unit-conversions.md"}
    assert len(files["experiments/unit_conversions/cases.jsonl"].splitlines()) == 2
    verbs = [argv[3] for argv in page_commands()]
    assert verbs == ["check", "run", "build"]
    run = page_commands()[1]
    assert "--limit" in run and run[run.index("--models") + 1] == "smollm2-135m"
    exp = load_experiment(project(tmp_path) / "experiments" / "unit_conversions.yaml")
    assert [c.id for c in exp.cases] == ["km-m", "h-min"]


@pytest.mark.slow
def test_the_first_experiment_page_followed_literally(tmp_path):
    require_models()
    root = project(tmp_path)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("LLMX_MOCK_SCRIPT", None)
    for argv in page_commands():
        assert argv[:3] == ["python", "-m", "pipeline"]
        done = subprocess.run([sys.executable, *argv[1:]], cwd=root, env=env,
                              capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{shlex.join(argv)}:\n{done.stdout}\n{done.stderr}"

    rows = query(root / "results.duckdb",
                 "SELECT count(*), count(*) FILTER (WHERE passed) FROM outcomes "
                 "WHERE experiment_id = 'unit_conversions' AND model_id = 'smollm2-135m'")
    n, passed = rows[0]
    assert n == 2
    html = (root / "site" / "unit-conversions" / "index.html").read_text()
    shown = (f"{format_value(passed / n, 'percent')} (95% CI "
             f"{format_ci(*wilson_interval(passed, n))}, n={n})")
    assert shown in html, shown
    for case_id in ("km-m", "h-min"):  # the cases page lists both, with their outputs
        assert case_id in (root / "site" / "experiments" / "unit_conversions" / "cases"
                           / "index.html").read_text()
