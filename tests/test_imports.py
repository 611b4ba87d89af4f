"""The package's imports run one way: lower layers never import higher ones.

Why a test: an upward import is one line, often lazy (inside a function, "to dodge the
loop") or behind `if TYPE_CHECKING:`, and nothing else notices it until the circle it closes
costs an `Any` type or a check made at the wrong time. So every import of every module of
`pipeline` is read with `ast` (top-level, in-function and type-checking ones, relative ones
resolved, `importlib.import_module("pipeline...")` with a literal name too) and checked
against `LAYERS`, the documented order (README.md, "Layers"), and for circles.

A unit is a top-level module (`pipeline/runner.py`: `runner`) or a subpackage
(`pipeline/config/`: `config`; `site` counts as one unit here). Imports inside a unit are
its own business; between units they must go strictly down the layers (units of one layer
do not import each other).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The layers of `pipeline`, low to high: (layer name, its units).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("errors", ("errors",)),
    ("hashing", ("hashing",)),
    ("leaves", ("registry", "sharding", "progress", "stats")),
    ("adapter_manifest", ("adapter_manifest",)),
    ("config", ("config",)),
    ("sandbox", ("sandbox",)),
    ("engines", ("engines",)),
    ("retrieval", ("retrieval",)),
    ("guards", ("guards",)),
    ("tasks", ("tasks",)),
    ("scoring", ("scoring",)),
    ("importers", ("importers",)),
    ("store", ("store",)),
    ("loading", ("loading",)),
    ("finetune", ("finetune",)),
    ("run_options", ("run_options",)),
    ("preflight", ("preflight",)),
    ("runner", ("runner",)),
    ("launchers", ("provenance", "ray_launcher")),
    ("check", ("check",)),
    ("exporters", ("exporters",)),
    ("site", ("site",)),
    ("tools", ("tools",)),
    ("cli", ("cli",)),
    ("entry", ("__main__", "__init__")),
]


@dataclass(frozen=True)
class Import:
    """One import of a module of the package: where it is and what it names."""

    file: str  # relative to the walked root's parent: "pipeline/config/experiment.py"
    line: int
    importer: str  # "pipeline.config.experiment"
    target: str  # "pipeline.guards" (the module named, not the names taken from it)


def module_name(path: Path, root: Path) -> str:
    """The dotted name of *path*, a .py file under the package folder *root*."""
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str, is_package: bool, package: str,
               file: str = "<string>") -> list[Import]:
    """Every import of *package* in one module's *source*, wherever it sits in the file."""
    base = module if is_package else module.rpartition(".")[0]
    out: list[Import] = []
    for node in ast.walk(ast.parse(source)):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base.split(".")
                parts = parts[:len(parts) - node.level + 1]
                origin = ".".join(parts + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from pipeline import config` names a submodule: count it as one
            targets = [f"{origin}.{a.name}" if origin == package else origin
                       for a in node.names]
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
              and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            targets = [node.args[0].value]
        for target in dict.fromkeys(targets):  # `from m import a, b` is one import of m
            if target == package or target.startswith(package + "."):
                out.append(Import(file, node.lineno, module, target))
    return out


def walk_package(root: Path) -> list[Import]:
    """Every import between modules of the package in folder *root*."""
    out: list[Import] = []
    for path in sorted(root.rglob("*.py")):
        out += imports_of(path.read_text(encoding="utf-8"), module_name(path, root),
                          path.name == "__init__.py", root.name,
                          str(path.relative_to(root.parent)))
    return out


def unit_of(module: str) -> str:
    """The unit a module belongs to: its subpackage or top-level module under the package;
    the package's own `__init__` is the unit `__init__`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def layer_problems(imports: Iterable[Import],
                   layers: Sequence[tuple[str, Sequence[str]]] = LAYERS) -> list[str]:
    """`file:line: ...` for each import that does not go down the layers, and for each unit
    missing from them."""
    rank = {unit: (i, name) for i, (name, units) in enumerate(layers) for unit in units}
    problems: list[str] = []
    missing: set[str] = set()
    for imp in imports:
        src, dst = unit_of(imp.importer), unit_of(imp.target)
        if src == dst:
            continue
        for unit, imp_ in ((src, imp), (dst, imp)):
            if unit not in rank and unit not in missing:
                missing.add(unit)
                problems.append(f"{imp_.file}:{imp_.line}: unit {unit!r} is in no layer: add "
                                "it to LAYERS in tests/test_imports.py and to README.md")
        if src not in rank or dst not in rank:
            continue
        (i, src_layer), (j, dst_layer) = rank[src], rank[dst]
        if j >= i:
            how = "a layer above it" if j > i else "the same layer (units of a layer are " \
                  "independent)"
            problems.append(f"{imp.file}:{imp.line}: {imp.importer} (layer {src_layer!r}) "
                            f"imports {imp.target} (layer {dst_layer!r}), {how}")
    return problems


def circles(imports: Iterable[Import]) -> list[str]:
    """One line per circle between units (a strongly connected set of two or more), with an
    import of each edge as file:line."""
    edges: dict[str, dict[str, Import]] = {}
    for imp in imports:
        src, dst = unit_of(imp.importer), unit_of(imp.target)
        if src != dst:
            edges.setdefault(src, {}).setdefault(dst, imp)
            edges.setdefault(dst, {})
    # Tarjan's strongly connected components
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    out = []
    for component in found:
        inside = [edges[a][b] for a in component for b in sorted(edges[a]) if b in component]
        out.append(f"circle between {', '.join(component)}: "
                   + "; ".join(f"{e.file}:{e.line} {e.importer} -> {e.target}" for e in inside))
    return out


# --------------------------------------------------------------------------------- the tests


def test_the_package_has_no_circle_between_units() -> None:
    problems = circles(walk_package(ROOT / "pipeline"))
    assert not problems, "\n".join(problems)


def test_every_import_goes_down_the_layers() -> None:
    problems = layer_problems(walk_package(ROOT / "pipeline"))
    assert not problems, "\n".join(problems)


def test_every_unit_has_a_layer() -> None:
    root = ROOT / "pipeline"
    units = {unit_of(module_name(p, root)) for p in root.rglob("*.py")}
    placed = {u for _, us in LAYERS for u in us}
    assert units <= placed, f"units in no layer: {sorted(units - placed)}"


def test_the_walker_sees_every_kind_of_import() -> None:
    source = (
        "from __future__ import annotations\n"
        "import pipeline.errors\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from pipeline.engines import Engine\n"
        "def f():\n"
        "    from ..guards import guards\n"
        "    from . import _yaml\n"
        "    importlib.import_module('pipeline.tasks.steps')\n"
        "from pipeline import runner\n"
    )
    got = sorted((i.line, i.target) for i in imports_of(source, "pipeline.config.experiment",
                                                        False, "pipeline"))
    assert got == [(2, "pipeline.errors"), (5, "pipeline.engines"), (7, "pipeline.guards"),
                   (8, "pipeline.config"), (9, "pipeline.tasks.steps"), (10, "pipeline.runner")]


def _fake_package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "fakepkg"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


FAKE_LAYERS = [("base", ("low",)), ("middle", ("mid",)), ("top", ("high", "__init__"))]


def test_a_planted_upward_import_fails_naming_file_line_and_both_layers(tmp_path) -> None:
    root = _fake_package(tmp_path, {
        "low/__init__.py": "",
        "low/parse.py": ("from __future__ import annotations\n\n"
                         "def resolve(name):\n"
                         "    from fakepkg.high import REGISTRY  # a lazy upward import\n"
                         "    return REGISTRY[name]\n"),
        "mid.py": "from fakepkg.low import parse\n",
        "high.py": "from fakepkg import mid\nREGISTRY = {}\n",
    })
    problems = layer_problems(walk_package(root), FAKE_LAYERS)
    assert problems == ["fakepkg/low/parse.py:4: fakepkg.low.parse (layer 'base') imports "
                        "fakepkg.high (layer 'top'), a layer above it"]
    assert circles(walk_package(root)) == [
        "circle between high, low, mid: fakepkg/high.py:1 fakepkg.high -> fakepkg.mid; "
        "fakepkg/low/parse.py:4 fakepkg.low.parse -> fakepkg.high; "
        "fakepkg/mid.py:1 fakepkg.mid -> fakepkg.low"]


def test_type_checking_and_relative_upward_imports_fail_too(tmp_path) -> None:
    root = _fake_package(tmp_path, {
        "low/__init__.py": "",
        "low/types.py": ("from typing import TYPE_CHECKING\n"
                         "if TYPE_CHECKING:\n"
                         "    from ..mid import Thing\n"),
        "mid.py": "Thing = int\n",
    })
    assert layer_problems(walk_package(root), FAKE_LAYERS) == [
        "fakepkg/low/types.py:3: fakepkg.low.types (layer 'base') imports fakepkg.mid "
        "(layer 'middle'), a layer above it"]


def test_a_unit_in_no_layer_fails(tmp_path) -> None:
    root = _fake_package(tmp_path, {"new.py": "from fakepkg import low\n", "low.py": ""})
    assert layer_problems(walk_package(root), FAKE_LAYERS) == [
        "fakepkg/new.py:1: unit 'new' is in no layer: add it to LAYERS in "
        "tests/test_imports.py and to README.md"]
