"""The site package's three layers import one way: core < builder < adapters.

Why: the render core must stay usable by any generator (it never imports MkDocs, Zensical or
the build), the build session by both adapters (it never imports either), and each adapter
stands alone. Every import is read with the walker of tests/test_imports.py (lazy and
type-checking ones included), so a planted upward import fails here with file:line.
"""

from __future__ import annotations

from pathlib import Path

from test_imports import ROOT, imports_of

SITE = ROOT / "pipeline" / "site"
# low to high; the package's own __init__ (lazy names for callers) sits above all three
ORDER = {"core": 0, "builder": 1, "adapters.mkdocs": 2, "adapters.zensical": 2,
         "adapters": 2, "__init__": 3}
GENERATORS = ("mkdocs", "zensical", "material")


def unit(module: str) -> str:
    parts = module.split(".")[2:]  # after pipeline.site
    if not parts:
        return "__init__"
    if parts[0] == "adapters" and len(parts) > 1:
        return f"adapters.{parts[1]}"
    return parts[0]


def module_of(path: Path, base: Path) -> str:
    parts = path.relative_to(base).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def problems(root: Path = SITE, base: Path = ROOT) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        module = module_of(path, base)
        rel = path.relative_to(base)
        src = unit(module)
        for imp in imports_of(source, module, path.name == "__init__.py", "pipeline.site",
                              str(rel)):
            dst = unit(imp.target)
            if src == dst or dst == "adapters" and src.startswith("adapters."):
                continue
            if dst not in ORDER or src not in ORDER:
                out.append(f"{imp.file}:{imp.line}: {imp.target}: in no layer of the site")
            elif ORDER[dst] >= ORDER[src] and src != "__init__":
                out.append(f"{imp.file}:{imp.line}: {module} ({src}) imports {imp.target} "
                           f"({dst}), not a layer below it")
        if src in ("core", "builder"):  # neither imports a site generator
            for gen in GENERATORS:
                for imp in imports_of(source, module, path.name == "__init__.py", gen,
                                      str(rel)):
                    out.append(f"{imp.file}:{imp.line}: {module} ({src}) imports {gen}")
    return out


def test_core_builder_adapters_import_one_way() -> None:
    assert problems() == []


def test_a_planted_upward_import_fails(tmp_path) -> None:
    fake = tmp_path / "pipeline" / "site"
    (fake / "core").mkdir(parents=True)
    (fake / "core" / "x.py").write_text(
        "def f():\n    from pipeline.site.builder.session import BuildSession\n"
        "    import mkdocs.plugins\n")
    found = problems(fake, tmp_path)
    assert any("core/x.py:2:" in p and "(builder)" in p for p in found), found
    assert any("core/x.py:3:" in p and "imports mkdocs" in p for p in found), found
