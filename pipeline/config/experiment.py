"""Experiment definitions: a YAML file plus case files, like lm-evaluation-harness tasks."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jinja2
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from pipeline.config._yaml import (
    format_validation_error,
    load_yaml,
    parse_json,
    read_text,
    validate,
)
from pipeline.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sampling(_Strict):
    """Sampling parameters, mapped 1:1 onto every engine. temperature 0 means greedy."""

    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(default=256, gt=0, le=32768)
    seed: int = Field(default=0, ge=0)
    n: int = Field(default=1, ge=1, le=64, description="samples per case")


class Variant(_Strict):
    """One prompt variant. `system`/`user` are Jinja templates over the case's input fields.

    Chat models get [system?, user] messages. Base models get one plain completion prompt:
    system, user and `base_suffix` joined, so the same variant runs on both kinds.
    `constrained: true` asks the engine for schema-constrained decoding; `choices: [...]`
    constrains the output to exactly one of those strings (classification labels).
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    system: str | None = None
    user: str
    base_suffix: str = "\n"
    constrained: bool = False
    choices: list[str] | None = Field(default=None, min_length=2)

    @field_validator("system", "user")
    @classmethod
    def _compiles(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                _ENV.parse(v)
            except jinja2.TemplateSyntaxError as exc:
                raise ValueError(f"invalid template (line {exc.lineno}): {exc.message}") from None
        return v

    @model_validator(mode="after")
    def _one_constraint(self) -> Variant:
        if self.constrained and self.choices:
            raise ValueError("a variant takes 'constrained: true' or 'choices', not both")
        return self

    def template_hash(self) -> str:
        """Hash of everything that shapes the prompt text; part of a run's identity."""
        parts: list[Any] = [self.system, self.user, self.base_suffix, self.constrained]
        if self.choices is not None:  # only when set, so older runs keep their identity
            parts.append(self.choices)
        blob = json.dumps(parts)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class Case(_Strict):
    id: str = Field(min_length=1)
    input: dict[str, Any]
    expected: Any = None
    tags: list[str] = []

    def content_hash(self, schema: dict[str, Any] | None = None) -> str:
        """Identity of what the model is asked and judged against, schema included."""
        blob = json.dumps([self.model_dump(), schema], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


class ExperimentFile(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    version: int = Field(ge=1)
    title: str
    description: str = ""
    category: str | None = None
    cases: str = Field(description="case file (JSONL), relative to the experiment YAML")
    schemas: str | None = Field(
        default=None, description="folder of JSON Schemas; a case's input.schema names one"
    )
    scorer: str
    models: list[str] = Field(min_length=1)
    sampling: Sampling = Sampling()
    variants: list[Variant] = Field(min_length=1)
    case_check: str | None = Field(
        default=None, description="a registered case check run on every case at load time"
    )

    @field_validator("case_check")
    @classmethod
    def _known_case_check(cls, v: str | None) -> str | None:
        from pipeline.scoring.case_checks import case_checks  # scoring imports this module

        if v is not None and v not in case_checks:
            raise ValueError(case_checks.unknown_message(v))
        return v

    @field_validator("variants")
    @classmethod
    def _unique_variants(cls, v: list[Variant]) -> list[Variant]:
        names = [x.name for x in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"variant names must be unique; repeated: {', '.join(dupes)}")
        return v


class Experiment:
    """A validated experiment with its cases loaded and schemas resolved."""

    def __init__(self, spec: ExperimentFile, path: Path, cases: list[Case],
                 schemas: dict[str, dict[str, Any]]) -> None:
        self.spec = spec
        self.path = path
        self.cases = cases
        self.schemas = schemas

    @property
    def id(self) -> str:
        return self.spec.id

    def schema_for(self, case: Case) -> dict[str, Any] | None:
        name = case.input.get("schema")
        return self.schemas.get(name) if isinstance(name, str) else None

    def case_hash(self, case: Case) -> str:
        return case.content_hash(self.schema_for(case))

    def variant(self, name: str) -> Variant:
        for v in self.spec.variants:
            if v.name == name:
                return v
        raise ConfigError(
            f"{self.path}: no variant {name!r}; variants: "
            + ", ".join(v.name for v in self.spec.variants)
        )

    def render(self, variant: Variant, case: Case) -> tuple[str | None, str]:
        """Render (system, user) for *case*. Template errors name the case and variant."""
        ctx = dict(case.input)
        schema = self.schema_for(case)
        if schema is not None:
            ctx["schema_json"] = json.dumps(schema, indent=2)
        try:
            system = _ENV.from_string(variant.system).render(ctx) if variant.system else None
            user = _ENV.from_string(variant.user).render(ctx)
        except jinja2.UndefinedError as exc:
            raise ConfigError(
                f"{self.path}: variant {variant.name!r}, case {case.id!r}: {exc.message}; "
                f"case input keys: {', '.join(sorted(ctx))}"
            ) from None
        return system, user


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                          autoescape=False)


def load_cases(path: Path) -> list[Case]:
    """Load a JSONL case file; errors name file:line and the bad key.

    One JSON object per line, so a broken line is reported by its own number while the
    others stay readable; blank lines are skipped.
    """
    cases: list[Case] = []
    seen: dict[str, int] = {}
    # split on \n only: str.splitlines() also breaks at U+2028 & co, valid inside JSON strings
    lines = read_text(path, "case file (JSONL)").split("\n")
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        raw = parse_json(line, str(path), lineno)
        try:
            case = Case.model_validate(raw)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, f"{path}:{lineno}")) from None
        if case.id in seen:
            raise ConfigError(f"{path}:{lineno}: duplicate case id {case.id!r} "
                              f"(first on line {seen[case.id]})")
        seen[case.id] = lineno
        cases.append(case)
    if not cases:
        raise ConfigError(f"{path}: no cases (an empty case file)")
    return cases


def _load_schemas(folder: Path) -> dict[str, dict[str, Any]]:
    """Every *.json in *folder*, checked as a JSON Schema now: the scorer trusts them later,
    in the middle of a run, where a bad schema would surface as a traceback."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not folder.is_dir():
        raise ConfigError(f"{folder}: schemas folder not found" if not folder.exists()
                          else f"{folder}: not a folder; 'schemas' names a folder of JSON files")
    out = {}
    for f in sorted(folder.glob("*.json")):
        text = read_text(f, "JSON Schema file")
        if not text.strip():
            raise ConfigError(f"{f}: empty file; expected a JSON Schema object")
        schema = parse_json(text, str(f))
        if not isinstance(schema, dict):
            raise ConfigError(f"{f}:1: expected a JSON Schema object, found a "
                              f"{type(schema).__name__}")
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
            raise ConfigError(f"{f}: not a valid JSON Schema at {where}: "
                              f"{_shorten(exc.message)}") from None
        out[f.stem] = schema
    return out


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def load_experiment(path: Path | str) -> Experiment:
    """Load and validate an experiment YAML, its cases and schemas."""
    path = Path(path)
    data, lines = load_yaml(path)
    spec: ExperimentFile = validate(ExperimentFile, data, str(path), lines)
    base = path.parent
    cases = load_cases(base / spec.cases)
    schemas = _load_schemas(base / spec.schemas) if spec.schemas else {}
    for i, case in enumerate(cases):
        name = case.input.get("schema")
        if spec.schemas and name not in schemas:
            raise ConfigError(
                f"{base / spec.cases}: case {case.id!r} (#{i + 1}): input.schema {name!r} is not "
                f"one of the schemas in {base / spec.schemas}: {', '.join(sorted(schemas))}"
            )
    if spec.case_check:
        from pipeline.scoring.case_checks import run_case_check

        run_case_check(spec.case_check, base / spec.cases, cases)
    return Experiment(spec, path, cases, schemas)
