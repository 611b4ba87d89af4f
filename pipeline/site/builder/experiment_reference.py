"""The experiment-file reference page (`docs/experiment-file.md`), generated at every build
from the pydantic models that validate an experiment file (`pipeline/config/experiment.py`)
and its cases (`pipeline/config/cases.py`): every key with its type, default, whether it is
required and what it means, then the names the registries know.

Why generated: a hand-written list of keys falls behind the first new field; this page is
the model itself, so a key the loader accepts is a key the reference lists
(tests/test_docs.py walks the models and checks every key is here). It links to no other
page and needs no Markdown extension, so it builds in any project with the `pipeline` plugin.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from pipeline.config._yaml import model_in

EXPERIMENT_REFERENCE_PATH = "docs/experiment-file.md"

# The case model lives in config/cases.py without descriptions; its keys' meaning is here.
CASE_KEYS: dict[str, str] = {
    "id": "the case's id, unique in the file; results, posts and the cases pages name it",
    "input": "the fields the prompt templates read (`{{ quantity }}` reads `input.quantity`); "
             "some steps read named fields (`input.schema`, `input.tools`, `input.messages`)",
    "expected": "what the scorer judges the output against; its shape is the scorer's "
                "(`answer_match`: the answer, or `{answer, aliases, reject}`)",
    "tags": "free labels, stored with the case (`cases.tags`) for posts to group by",
}


def _type_name(annotation: Any) -> str:
    """A reader's name for a field's type: `string`, `list of strings`, `mapping`, ..."""
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, types.UnionType):
        inner = " or ".join(_type_name(a) for a in args)
        return inner
    if origin is list:
        return f"list of {_plural(_type_name(args[0]))}" if args else "list"
    if origin is dict:
        return "mapping"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "mapping"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        annotation, "any")


def _plural(name: str) -> str:
    return {"mapping": "mappings", "string": "strings", "integer": "integers",
            "number": "numbers", "boolean": "booleans"}.get(name, name)


def _constraints(field: FieldInfo) -> str:
    words = []
    items = "characters" if field.annotation is str else "items"
    for m in field.metadata:
        for attr, text in (("ge", "≥ {}"), ("gt", "> {}"), ("le", "≤ {}"), ("lt", "< {}"),
                           ("min_length", "at least {} " + items),
                           ("pattern", "matches `{}`")):
            value = getattr(m, attr, None)
            if value is not None:
                words.append(text.format(value))
    return "; ".join(words)


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "—"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "(all defaults)"
    if value is None:
        return "none"
    if isinstance(value, str):
        return "`" + value.encode("unicode_escape").decode() + "`" if value else '`""`'
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def key_paths(model: type[BaseModel], prefix: str = "") -> list[tuple[str, FieldInfo]]:
    """Every key of *model*, nested models' keys included, as dotted paths (`[]` for a
    list's items): the rows of the reference, and what tests/test_docs.py checks."""
    out: list[tuple[str, FieldInfo]] = []
    for name, field in model.model_fields.items():
        out.append((prefix + name, field))
        inner = model_in(field.annotation)
        if inner is not None:
            is_list = typing.get_origin(field.annotation) is list or any(
                typing.get_origin(a) is list for a in typing.get_args(field.annotation))
            out += key_paths(inner, f"{prefix}{name}{'[]' if is_list else ''}.")
    return out


def _table(model: type[BaseModel], prefix: str, descriptions: dict[str, str] | None = None,
           ) -> list[str]:
    rows = ["| key | type | default | required | meaning |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        meaning = (descriptions or {}).get(name) or field.description or ""
        limits = _constraints(field)
        if limits:
            meaning += f" ({limits})"
        kind = _type_name(field.annotation)
        inner = model_in(field.annotation)
        if inner is not None:
            kind += ", keys below"
        rows.append(f"| `{prefix}{name}` | {kind} | {_default(field)} | "
                    f"{'yes' if field.is_required() else 'no'} | {_cell(meaning)} |")
    return [*rows, ""]


def _sections(model: type[BaseModel], prefix: str) -> list[str]:
    out: list[str] = []
    for name, field in model.model_fields.items():
        inner = model_in(field.annotation)
        if inner is None:
            continue
        is_list = "list of" in _type_name(field.annotation)
        key = f"{prefix}{name}{'[]' if is_list else ''}"
        doc = " ".join((inner.__doc__ or "").split())
        out += [f"## `{key}`", ""]
        if doc:
            out += [doc, ""]
        if is_list:
            out += [f"`{prefix}{name}` is a list; each item takes these keys.", ""]
        out += _table(inner, key + ".")
        out += _sections(inner, key + ".")
    return out


def _registered() -> list[str]:
    from pipeline.guards import guards
    from pipeline.retrieval import retrievers
    from pipeline.scoring import scorers
    from pipeline.scoring.case_checks import case_checks
    from pipeline.tasks.steps import steps

    out = ["## Registered names", "",
           "The names these keys take, as registered when this site was built; a file "
           "under `plugins:` can register more (see \"Add a scorer, step, guard or component\" "
           "in these docs). An unknown name "
           "is refused at load with its line and a \"did you mean\".", "",
           "| key | registry | names |", "|---|---|---|"]
    for key, registry in (("scorer", scorers), ("steps", steps), ("case_check", case_checks),
                          ("variants[].guard", guards),
                          ("retrieval.retriever", retrievers)):
        names = ", ".join(f"`{n}`" for n in registry.names())
        out.append(f"| `{key}` | {registry.kind} | {names} |")
    return [*out, ""]


def experiment_reference() -> str:
    """The reference page, as Markdown, from the config models."""
    from pipeline.config.cases import Case
    from pipeline.config.experiment import ExperimentFile

    out = ["---", "title: The experiment file", "---", "", "# The experiment file", "",
           "Generated from the models that validate it (`pipeline/config/experiment.py`) "
           "when this site was built. An experiment is a YAML file plus a case file (JSONL, "
           "one case a line). Paths in it are relative to the YAML file. An unknown key is "
           "refused with its file, line and the nearest valid key; "
           "`python -m pipeline check EXPERIMENT.yaml` checks a file and its cases without "
           "loading a model.", "",
           "## Top-level keys", ""]
    out += _table(ExperimentFile, "")
    out += _sections(ExperimentFile, "")
    out += ["## The case file", "",
            "One JSON object a line, named by `cases:`. Blank lines are skipped; an error "
            "names the file and line.", ""]
    out += _table(Case, "", CASE_KEYS)
    out += _registered()
    return "\n".join(out)


__all__ = ["CASE_KEYS", "EXPERIMENT_REFERENCE_PATH", "experiment_reference", "key_paths"]
