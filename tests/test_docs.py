"""Every registered component and scorer is documented in the README (as datasette does)."""

from helpers import ROOT
from pipeline.scoring import scorers
from pipeline.site.components import components


def test_components_and_scorers_are_documented():
    readme = (ROOT / "README.md").read_text()
    for name in components.names():
        assert f"```{name}" in readme or f"`{name}`" in readme, f"component {name} undocumented"
    for name in scorers.names():
        assert f"`{name}`" in readme, f"scorer {name} undocumented"
    for option in ("successes", "trials", "format", "columns", "ci="):
        assert option in readme


def test_writing_posts_page_shows_every_component_live():
    page = (ROOT / "posts" / "writing-posts.md").read_text()
    for name in components.names():
        assert page.count(f"```{name}") >= 2, f"component {name} not shown (source + live)"
    for kind in ("bar", "line", "scatter", "heatmap", "confusion"):
        assert kind in page
