"""The docs (posts/docs/, a section of the site itself) carry a newcomer: every registered
component, scorer, engine and CLI command is documented (as datasette does), the generated
experiment-file reference lists every key of every config model, every docs page is in the
nav, and the README stays a short entry point whose links into the docs resolve."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from helpers import ROOT
from pipeline.cli import COMMANDS
from pipeline.config.cases import Case
from pipeline.config.experiment import ExperimentFile
from pipeline.engines import engines
from pipeline.scoring import scorers
from pipeline.site.builder.changes import CHANGES_PATH
from pipeline.site.builder.experiment_reference import (
    CASE_KEYS,
    EXPERIMENT_REFERENCE_PATH,
    experiment_reference,
    key_paths,
)
from pipeline.site.builder.ledger import LEDGER_PATH
from pipeline.site.builder.reference import REFERENCE_PATH
from pipeline.site.core.components import components

DOCS = ROOT / "posts" / "docs"
README = ROOT / "README.md"
# pages the build generates (pipeline/site/builder/pages.py), not files in posts/
GENERATED = {EXPERIMENT_REFERENCE_PATH, REFERENCE_PATH, LEDGER_PATH, CHANGES_PATH,
             "models/index.md", "experiments/index.md"}


def docs_text() -> str:
    """Everything a reader can read: the README, the docs pages and the authors' guide."""
    pages = [README, ROOT / "posts" / "writing-posts.md", *sorted(DOCS.glob("*.md"))]
    return "\n".join(p.read_text() for p in pages)


def test_components_and_scorers_are_documented():
    text = docs_text()
    for name in components.names():
        assert f"```{name}" in text or f"`{name}`" in text, f"component {name} undocumented"
    for name in scorers.names():
        if not scorers.get(name).__module__.startswith("pipeline."):
            continue  # registered by a test at its seam, not part of the package
        assert f"`{name}`" in text, f"scorer {name} undocumented"
    for option in ("successes", "trials", "format", "columns", "ci="):
        assert option in text


def test_writing_posts_page_shows_every_component_live():
    page = (ROOT / "posts" / "writing-posts.md").read_text()
    for name in components.names():
        assert page.count(f"```{name}") >= 2, f"component {name} not shown (source + live)"
    for kind in ("bar", "line", "scatter", "heatmap", "confusion"):
        assert kind in page


def test_engines_and_commands_are_documented():
    text = docs_text()
    for name in engines.names():
        assert f"| `{name}` |" in text, f"engine {name} missing from the engines table"
    readme = README.read_text()
    for command in COMMANDS:
        assert f"python -m pipeline {command}" in readme, f"command {command} not in README"


def test_the_experiment_file_reference_lists_every_key():
    page = experiment_reference()
    paths = key_paths(ExperimentFile)
    assert {"plugins", "variants[].base_suffix", "sampling.max_tokens",
            "retrieval.k"} <= {p for p, _ in paths}
    for path, field in paths:
        assert f"| `{path}` |" in page, f"key {path} missing from the reference"
        assert field.description, f"key {path} has no description (Field(description=...))"
    for path, _ in key_paths(Case):
        assert f"| `{path}` |" in page and CASE_KEYS.get(path), f"case key {path} undocumented"
    assert page.startswith("---\ntitle: ")


def _nav_files(nav: list) -> list[str]:
    out = []
    for item in nav:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                out += _nav_files(value) if isinstance(value, list) else [value]
    return out


def _nav() -> list[str]:
    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml may hold !!python/name tags (none today); read it as plain data
    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    return _nav_files(yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=Loader)["nav"])


def test_every_docs_page_is_in_the_nav_and_every_nav_page_exists():
    nav = _nav()
    pages = {f"docs/{p.name}" for p in DOCS.glob("*.md")} | {EXPERIMENT_REFERENCE_PATH}
    missing = sorted(pages - set(nav))
    assert not missing, f"docs pages not in mkdocs.yml's nav: {missing}"
    for entry in nav:
        assert entry in GENERATED or (ROOT / "posts" / entry).is_file(), \
            f"nav entry {entry} is no file in posts/ and no generated page"
    for page in DOCS.glob("*.md"):
        assert re.match(r"---\ntitle: \S", page.read_text()), f"{page.name}: no title:"


def test_readme_is_short_and_its_links_into_the_docs_resolve():
    text = README.read_text()
    assert len(text.splitlines()) <= 160
    assert "make site" in text and "make test" in text
    links = re.findall(r"\]\(([^)#]+\.md)(?:#[^)]*)?\)", text)
    assert any(link.startswith("posts/docs/") for link in links)
    for link in links:
        assert (ROOT / link).is_file(), f"README links to {link}, which does not exist"


def test_docs_links_to_other_pages_resolve():
    """Relative links between docs pages (MkDocs checks them too, but only when the whole
    site builds); the generated pages count as present."""
    for page in DOCS.glob("*.md"):
        for link in re.findall(r"\]\(([^)#:]+\.md)(?:#[^)]*)?\)", page.read_text()):
            target = (Path("docs") / link).as_posix()
            resolved = Path(*[p for p in Path(target).parts]).as_posix()
            normal = re.sub(r"[^/]+/\.\./", "", resolved)
            assert normal in GENERATED or (ROOT / "posts" / normal).is_file(), \
                f"{page.name} links to {link}"
