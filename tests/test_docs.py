"""Every registered component, scorer, engine and CLI command is documented in the README
(as datasette does)."""

from helpers import ROOT
from pipeline.cli import COMMANDS
from pipeline.engines import engines
from pipeline.scoring import scorers
from pipeline.site.core.components import components


def test_components_and_scorers_are_documented():
    readme = (ROOT / "README.md").read_text()
    for name in components.names():
        assert f"```{name}" in readme or f"`{name}`" in readme, f"component {name} undocumented"
    for name in scorers.names():
        if not scorers.get(name).__module__.startswith("pipeline."):
            continue  # registered by a test at its seam, not part of the package
        assert f"`{name}`" in readme, f"scorer {name} undocumented"
    for option in ("successes", "trials", "format", "columns", "ci="):
        assert option in readme


def test_writing_posts_page_shows_every_component_live():
    page = (ROOT / "posts" / "writing-posts.md").read_text()
    for name in components.names():
        assert page.count(f"```{name}") >= 2, f"component {name} not shown (source + live)"
    for kind in ("bar", "line", "scatter", "heatmap", "confusion"):
        assert kind in page


def test_engines_and_commands_are_documented():
    readme = (ROOT / "README.md").read_text()
    for name in engines.names():
        assert f"| `{name}` |" in readme, f"engine {name} missing from the engines table"
    for command in COMMANDS:
        assert f"python -m pipeline {command}" in readme, f"command {command} undocumented"
