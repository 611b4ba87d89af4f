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
    user: str | None = None
    base_suffix: str = "\n"
    constrained: bool = False
    choices: list[str] | None = Field(default=None, min_length=2)
    guard: str | None = Field(default=None, description="a registered guard (the `guard` "
                              "step applies it to the draft answer)")
    sampling: Sampling | None = Field(default=None, description="this variant's sampling, "
                                      "replacing the experiment's (e.g. greedy vs sampled)")

    @field_validator("guard")
    @classmethod
    def _known_guard(cls, v: str | None) -> str | None:
        from pipeline.guards import guards  # guards import config

        if v is not None and v not in guards:
            raise ValueError(guards.unknown_message(v))
        return v

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
        if self.guard is not None:
            parts.append({"guard": self.guard})
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


class Retrieval(_Strict):
    """RAG: a corpus of passages (JSONL: id, doc, title, text) searched with a registered
    retriever; the `retrieve` step puts the top `k` for `input.<query_field>` into the
    prompt's context as `passages` (a list of {id, title, text})."""

    corpus: str = Field(description="passages (JSONL), relative to the experiment YAML")
    retriever: str = "bm25"
    k: int = Field(default=4, ge=1, le=50)
    query_field: str = "query"

    @field_validator("retriever")
    @classmethod
    def _known_retriever(cls, v: str) -> str:
        from pipeline.retrieval import retrievers

        if v not in retrievers:
            raise ValueError(retrievers.unknown_message(v))
        return v


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
    variant_defaults: dict[str, Any] | None = Field(
        default=None, description="keys every variant gets unless it sets them itself (the "
                                  "shared system/user prompt of variants that differ in one "
                                  "key); YAML anchors are refused, so this is how to share")
    variants: list[Variant] = Field(min_length=1)
    case_check: str | None = Field(
        default=None, description="a registered case check run on every case at load time"
    )
    steps: list[str] = Field(
        default=["prompt", "generate"], min_length=1,
        description="the task: registered steps run in order on every batch of cases "
                    "(pipeline/tasks/steps.py); the default is one prompt, one generation",
    )
    tools: str | None = Field(
        default=None, description="tool definitions (a JSON list, OpenAI format), relative to "
                                  "the experiment YAML; a case's input.tools names them",
    )
    retrieval: Retrieval | None = None
    rules: str | None = Field(
        default=None, description="compliance rules (YAML), relative to the experiment YAML; "
                                  "guards read them, cases' expected.violates names them")

    @model_validator(mode="before")
    @classmethod
    def _apply_variant_defaults(cls, data: Any) -> Any:
        defaults = data.get("variant_defaults") if isinstance(data, dict) else None
        if isinstance(defaults, dict) and isinstance(data.get("variants"), list):
            if "name" in defaults:
                raise ValueError("variant_defaults: 'name' must be each variant's own")
            data = {**data, "variants": [{**defaults, **v} if isinstance(v, dict) else v
                                         for v in data["variants"]]}
        return data

    @field_validator("steps")
    @classmethod
    def _known_steps(cls, v: list[str]) -> list[str]:
        from pipeline.tasks.steps import check_step_names  # tasks import this module

        check_step_names(v)
        return v

    @model_validator(mode="after")
    def _task_fits_sampling(self) -> ExperimentFile:
        if "prompt" in self.steps:
            lacking = [v.name for v in self.variants if v.user is None]
            if lacking:
                raise ValueError(f"variant(s) {', '.join(lacking)}: 'user' (the prompt "
                                 "template) is required when the task has a 'prompt' step")
        if "guard" in self.steps:
            lacking = [v.name for v in self.variants if v.guard is None]
            if lacking:
                raise ValueError(f"variant(s) {', '.join(lacking)}: 'guard' (a registered "
                                 "guard) is required when the task has a 'guard' step")
        if "retrieve" in self.steps and self.retrieval is None:
            raise ValueError("the 'retrieve' step needs a 'retrieval:' block (corpus, "
                             "retriever, k)")
        if "conversation" in self.steps and any(
                self.sampling_for(v).n != 1 for v in self.variants):
            raise ValueError("a conversation task samples one reply per turn: sampling.n must "
                             "be 1 (several samples would fork the conversation)")
        return self

    def sampling_for(self, variant: Variant) -> Sampling:
        """The sampling a variant runs with: its own `sampling:` block, else the experiment's.
        Sampling is part of a run's identity (the runs table), not of the template hash."""
        return variant.sampling or self.sampling

    def task_signature(self) -> str | None:
        """What the steps add to a run's identity; None for the default task, so runs
        recorded before tasks existed keep their ids."""
        if self.steps == ["prompt", "generate"]:
            return None
        return json.dumps(self.steps)

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
                 schemas: dict[str, dict[str, Any]],
                 tools: dict[str, dict[str, Any]] | None = None) -> None:
        self.spec = spec
        self.path = path
        self.cases = cases
        self.schemas = schemas
        self.tools = tools or {}
        self.passages: list[Any] = []  # pipeline.retrieval.Passage, when `retrieval:` is set
        self.rules: list[Any] = []  # pipeline.config.compliance.Rule, when `rules:` is set

    def tools_for(self, case: Case) -> list[dict[str, Any]]:
        """The tool definitions a case offers (input.tools names them), in its order."""
        names = case.input.get("tools") or []
        return [self.tools[n] for n in names]

    @property
    def id(self) -> str:
        return self.spec.id

    def schema_for(self, case: Case) -> dict[str, Any] | None:
        name = case.input.get("schema")
        return self.schemas.get(name) if isinstance(name, str) else None

    def case_hash(self, case: Case) -> str:
        tools = self.tools_for(case) if self.tools else None
        if tools:  # only when offered, so cases of tool-less experiments keep their hashes
            return case.content_hash({"schema": self.schema_for(case), "tools": tools})
        return case.content_hash(self.schema_for(case))

    def variant(self, name: str) -> Variant:
        for v in self.spec.variants:
            if v.name == name:
                return v
        raise ConfigError(
            f"{self.path}: no variant {name!r}; variants: "
            + ", ".join(v.name for v in self.spec.variants)
        )

    def render(self, variant: Variant, case: Case,
               extra: dict[str, Any] | None = None) -> tuple[str | None, str]:
        """Render (system, user) for *case*; `extra` adds what earlier steps produced (the
        retrieved `passages`). Template errors name the case and variant."""
        ctx = dict(case.input)
        if extra:
            ctx.update(extra)
        schema = self.schema_for(case)
        if schema is not None:
            ctx["schema_json"] = json.dumps(schema, indent=2)
        try:
            system = _ENV.from_string(variant.system).render(ctx) if variant.system else None
            user = _ENV.from_string(variant.user).render(ctx) if variant.user is not None else ""
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
    return load_cases_with_lines(path)[0]


def load_cases_with_lines(path: Path) -> tuple[list[Case], dict[str, int]]:
    """:func:`load_cases`, plus each case's line number (for errors found later)."""
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
    return cases, seen


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
    cases, lines_of = load_cases_with_lines(base / spec.cases)
    schemas = _load_schemas(base / spec.schemas) if spec.schemas else {}
    tools = _load_tools(base / spec.tools) if spec.tools else {}
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
    exp = Experiment(spec, path, cases, schemas, tools)
    if spec.retrieval:
        from pipeline.retrieval.corpus import load_passages

        exp.passages = load_passages(base / spec.retrieval.corpus)
    if spec.rules:
        from pipeline.config.compliance import check_compliance_cases, load_corpus, load_rules

        exp.rules = load_rules(base / spec.rules)
        corpus = load_corpus(base / spec.retrieval.corpus) if spec.retrieval else []
        check_compliance_cases(exp.cases, exp.rules, corpus, base / spec.cases, lines_of,
                               rules_name=spec.rules,
                               corpus_name=spec.retrieval.corpus if spec.retrieval else "-")
    from pipeline.tasks.steps import check_cases  # tasks import this module

    check_cases(exp, base / spec.cases, lines_of)
    return exp


def _load_tools(path: Path) -> dict[str, dict[str, Any]]:
    """A JSON list of OpenAI-format tool definitions, by function name. Each `parameters`
    is checked as a JSON Schema now, so a bad tool fails here, not mid-run in a scorer."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    text = read_text(path, "tools file (JSON)")
    data = parse_json(text, str(path))
    if not isinstance(data, list) or not data:
        raise ConfigError(f"{path}: expected a non-empty JSON list of tool definitions "
                          '({"type": "function", "function": {"name", "parameters"}})')
    tools: dict[str, dict[str, Any]] = {}
    for i, tool in enumerate(data):
        where = f"{path}: tool #{i + 1}"
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
            raise ConfigError(f"{where}: expected an object "
                              '{"type": "function", "function": {...}}')
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{where}: key function.name: expected a non-empty string")
        if name in tools:
            raise ConfigError(f"{where}: function.name {name!r} is defined twice")
        params = fn.get("parameters", {"type": "object", "properties": {}})
        if not isinstance(params, dict):
            raise ConfigError(f"{where} ({name}): key function.parameters: expected a JSON "
                              "Schema object")
        try:
            Draft202012Validator.check_schema(params)
        except SchemaError as exc:
            raise ConfigError(f"{where} ({name}): key function.parameters is not a valid JSON "
                              f"Schema: {_shorten(exc.message)}") from None
        tools[name] = tool
    return tools
