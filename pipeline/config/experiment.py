"""Experiment definitions: a YAML file plus case files, like lm-evaluation-harness tasks.

This module reads and checks what the files say; it knows no registry. The names an
experiment uses (steps, scorer, case check, guards, retriever, models) are resolved by the
loading step above the registries, `pipeline.loading.load_experiment`, with the YAML line
kept here (`Experiment.lines`) for its errors.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jinja2
from pydantic import Field, field_validator, model_validator

from pipeline.config._yaml import (
    KeyPath,
    did_you_mean,
    load_yaml,
    parse_json,
    read_text,
    validate,
)
from pipeline.config.base import StrictModel
from pipeline.config.cases import Case, load_cases, load_cases_with_lines
from pipeline.config.compliance import Rule, check_compliance_cases, check_corpus, load_rules
from pipeline.config.passages import Passage, load_passages_with_lines
from pipeline.errors import ConfigError, display_path, located
from pipeline.hashing import short_hash


class Sampling(StrictModel):
    """Sampling parameters, mapped 1:1 onto every engine. temperature 0 means greedy."""

    temperature: float = Field(default=0.0, ge=0.0, le=2.0,
                               description="sampling temperature; 0 is greedy decoding")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0,
                         description="nucleus sampling: keep the smallest set of tokens "
                                     "whose probabilities add up to top_p")
    max_tokens: int = Field(default=256, gt=0, le=32768,
                            description="most tokens generated per output (per turn in a "
                                        "conversation)")
    seed: int = Field(default=0, ge=0, description="sample i of a case uses seed + i, on "
                                                   "every engine")
    n: int = Field(default=1, ge=1, le=64, description="samples per case")


class Variant(StrictModel):
    """One prompt variant. `system`/`user` are Jinja templates over the case's input fields.

    Chat models get [system?, user] messages. Base models get one plain completion prompt:
    system, user and `base_suffix` joined, so the same variant runs on both kinds.
    `constrained: true` asks the engine for schema-constrained decoding; `choices: [...]`
    constrains the output to exactly one of those strings (classification labels).
    """

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$",
                      description="the variant's id in the results (`runs.variant`)")
    description: str = Field("", description="what this variant changes, in words")
    system: str | None = Field(None, description="system message template (Jinja over the "
                               "case's input fields); none: no system message")
    user: str | None = Field(None, description="user message template (Jinja over the "
                             "case's input fields); required with a `prompt` step")
    base_suffix: str = Field("\n", description="appended after system and user in a base "
                             "model's plain prompt (e.g. 'Answer:')")
    constrained: bool = Field(False, description="schema-constrained decoding against the "
                              "case's JSON Schema (`input.schema`)")
    choices: list[str] | None = Field(default=None, min_length=2,
                                      description="the output is exactly one of these "
                                                  "strings (classification labels)")
    guard: str | None = Field(default=None, description="a registered guard (the `guard` "
                              "step applies it to the draft answer)")
    sampling: Sampling | None = Field(default=None, description="this variant's sampling, "
                                      "replacing the experiment's (e.g. greedy vs sampled)")

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
        return short_hash(json.dumps(parts))


class Retrieval(StrictModel):
    """RAG: a corpus of passages (JSONL: id, doc, title, text) searched with a registered
    retriever; the `retrieve` step puts the top `k` for `input.<query_field>` into the
    prompt's context as `passages` (a list of {id, title, text})."""

    corpus: str = Field(description="passages (JSONL), relative to the experiment YAML")
    retriever: str = Field("bm25", description="a registered retriever (`bm25`, `minilm`)")
    k: int = Field(default=4, ge=1, le=50, description="passages put into the prompt")
    query_field: str = Field("query", description="the case's input field searched for")


class ExperimentFile(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$",
                    description="the experiment's id in the results and on the site")
    version: int = Field(ge=1, description="bump it when cases, prompts or scoring change "
                         "once results exist; each version's results stay queryable")
    title: str = Field(description="human title, shown on the site")
    description: str = Field("", description="what the experiment measures, in words")
    category: str | None = Field(None, description="a category shown on the site")
    cases: str = Field(description="case file (JSONL), relative to the experiment YAML")
    schemas: str | None = Field(
        default=None, description="folder of JSON Schemas; a case's input.schema names one"
    )
    scorer: str = Field(description="the registered scorer that judges every output")
    models: list[str] = Field(min_length=1, description="model ids of the registry "
                              "(experiments/models.yaml) run by default")
    sampling: Sampling = Field(Sampling(), description="sampling of every variant that "
                               "has no `sampling:` of its own")
    variant_defaults: dict[str, Any] | None = Field(
        default=None, description="keys every variant gets unless it sets them itself (the "
                                  "shared system/user prompt of variants that differ in one "
                                  "key); YAML anchors are refused, so this is how to share")
    variants: list[Variant] = Field(min_length=1, description="the prompt variants; each "
                                    "is a run of its own per model")
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
    retrieval: Retrieval | None = Field(None, description="RAG: the corpus the `retrieve` "
                                        "step searches")
    rules: str | None = Field(
        default=None, description="compliance rules (YAML), relative to the experiment YAML; "
                                  "guards read them, cases' expected.violates names them")
    plugins: list[str] = Field(
        default=[], description="Python files, relative to the experiment YAML, imported "
                                "before any name is resolved: a scorer, step, guard or case "
                                "check they register (`@scorers.register(\"name\")`) can be "
                                "named here; each file is imported once per process")

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

    @field_validator("variants")
    @classmethod
    def _unique_variants(cls, v: list[Variant]) -> list[Variant]:
        names = [x.name for x in v]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"variant names must be unique; repeated: {', '.join(dupes)}")
        return v


class Experiment:
    """A validated experiment with its cases loaded and schemas resolved.

    `lines` maps each YAML key path to its line and `case_lines` each case id to its line in
    the case file, so that checks made after parsing (the names the loading step resolves,
    the steps' case checks) point at file:line too.
    """

    def __init__(self, spec: ExperimentFile, path: Path, cases: list[Case],
                 schemas: dict[str, dict[str, Any]],
                 tools: dict[str, dict[str, Any]] | None = None, *,
                 lines: dict[KeyPath, int] | None = None,
                 case_lines: dict[str, int] | None = None) -> None:
        self.spec = spec
        self.path = path
        self.cases = cases
        self.schemas = schemas
        self.tools = tools or {}
        self.lines = lines or {}
        self.case_lines = case_lines or {}
        self.passages: list[Passage] = []  # the corpus, when `retrieval:` is set
        self.rules: list[Rule] = []  # the compliance rules, when `rules:` is set

    @property
    def case_file(self) -> Path:
        """The case file, as the experiment names it (relative to the YAML's folder)."""
        return self.path.parent / self.spec.cases

    def line_of(self, *key: str | int) -> int | None:
        """The YAML line of a key path (the nearest enclosing key that has one)."""
        for n in range(len(key), -1, -1):
            if key[:n] in self.lines:
                return self.lines[key[:n]]
        return None

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
        raise ConfigError(located(self.path, self.line_of("variants"), "variants",
                                  f"no variant {name!r}. " + did_you_mean(
                                      name, [v.name for v in self.spec.variants], "Variants")))

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
            system = _template(variant.system).render(ctx) if variant.system else None
            user = _template(variant.user).render(ctx) if variant.user is not None else ""
        except jinja2.UndefinedError as exc:
            index = self.spec.variants.index(variant) if variant in self.spec.variants else None
            key = f"variants.{index}.user" if index is not None else None
            line = self.line_of("variants", index, "user") if index is not None else None
            raise ConfigError(located(
                self.path, line, key, f"variant {variant.name!r}, case {case.id!r} "
                f"({display_path(self.case_file)}:{self.case_lines.get(case.id, '?')}): "
                f"{exc.message}; case input keys: {', '.join(sorted(ctx))}")) from None
        return system, user


_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                          autoescape=False)


@functools.lru_cache(maxsize=512)
def _template(source: str) -> jinja2.Template:
    """A variant's template, compiled once: every case renders it (at load, in `check`'s
    estimate, in the run), and compiling costs far more than rendering."""
    return _ENV.from_string(source)


def _load_schemas(folder: Path) -> dict[str, dict[str, Any]]:
    """Every *.json in *folder*, checked as a JSON Schema now: the scorer trusts them later,
    in the middle of a run, where a bad schema would surface as a traceback."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not folder.is_dir():
        raise ConfigError(located(folder, None, None, "schemas folder not found"
                                  if not folder.exists() else
                                  "not a folder; 'schemas' names a folder of JSON files"))
    out = {}
    for f in sorted(folder.glob("*.json")):
        text = read_text(f, "JSON Schema file")
        if not text.strip():
            raise ConfigError(located(f, None, None, "empty file; expected a JSON Schema object"))
        schema = parse_json(text, str(f))
        if not isinstance(schema, dict):
            raise ConfigError(located(f, 1, None, "expected a JSON Schema object, found a "
                                      f"{type(schema).__name__}"))
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            key = ".".join(str(p) for p in exc.absolute_path) or None
            raise ConfigError(located(f, None, key, "not a valid JSON Schema: "
                                      f"{_shorten(exc.message)}")) from None
        out[f.stem] = schema
    return out


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def parse_experiment(path: Path | str) -> Experiment:
    """Read and check an experiment YAML, its cases, schemas, tools, corpus and rules.

    Only what the files say is checked here; the registered names they use are not (see
    `pipeline.loading.load_experiment`, which every caller uses).
    """
    path = Path(path)
    data, lines = load_yaml(path)
    spec: ExperimentFile = validate(ExperimentFile, data, str(path), lines)
    base = path.parent
    cases, lines_of = load_cases_with_lines(base / spec.cases)
    schemas = _load_schemas(base / spec.schemas) if spec.schemas else {}
    tools = _load_tools(base / spec.tools) if spec.tools else {}
    for case in cases:
        name = case.input.get("schema")
        if spec.schemas and name not in schemas:
            raise ConfigError(located(
                base / spec.cases, lines_of.get(case.id), "input.schema",
                f"case {case.id!r}: {name!r} is not one of the schemas in "
                f"{display_path(base / spec.schemas)}. "
                + did_you_mean(str(name), schemas, "Available")))
    exp = Experiment(spec, path, cases, schemas, tools, lines=lines, case_lines=lines_of)
    if spec.retrieval:
        exp.passages, passage_lines = load_passages_with_lines(base / spec.retrieval.corpus)
    if spec.rules:
        exp.rules = load_rules(base / spec.rules)
        if spec.retrieval:  # the compliance suite's own corpus rules (ids like D001-p1)
            check_corpus(exp.passages, base / spec.retrieval.corpus, passage_lines)
        check_compliance_cases(exp.cases, exp.rules, exp.passages, base / spec.cases, lines_of,
                               rules_name=spec.rules,
                               corpus_name=spec.retrieval.corpus if spec.retrieval else "-")
    return exp


def _load_tools(path: Path) -> dict[str, dict[str, Any]]:
    """A JSON list of OpenAI-format tool definitions, by function name. Each `parameters`
    is checked as a JSON Schema now, so a bad tool fails here, not mid-run in a scorer."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    text = read_text(path, "tools file (JSON)")
    data = parse_json(text, str(path))
    if not isinstance(data, list) or not data:
        raise ConfigError(located(path, None, None, "expected a non-empty JSON list of tool "
                                  'definitions ({"type": "function", "function": {"name", '
                                  '"parameters"}})'))
    tools: dict[str, dict[str, Any]] = {}
    for i, tool in enumerate(data):
        def refuse(key: str | None, message: str, i: int = i) -> ConfigError:
            return ConfigError(located(path, None, f"{i}.{key}" if key else str(i),
                                       f"tool #{i + 1}: {message}"))

        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(fn, dict):
            raise refuse(None, 'expected an object {"type": "function", "function": {...}}')
        name = fn.get("name")
        if not isinstance(name, str) or not name:
            raise refuse("function.name", "expected a non-empty string")
        if name in tools:
            raise refuse("function.name", f"{name!r} is defined twice")
        params = fn.get("parameters", {"type": "object", "properties": {}})
        if not isinstance(params, dict):
            raise refuse("function.parameters", f"({name}) expected a JSON Schema object")
        try:
            Draft202012Validator.check_schema(params)
        except SchemaError as exc:
            raise refuse("function.parameters", f"({name}) not a valid JSON Schema: "
                         f"{_shorten(exc.message)}") from None
        tools[name] = tool
    return tools


__all__ = ["Case", "Experiment", "ExperimentFile", "Retrieval", "Sampling", "Variant",
           "load_cases", "load_cases_with_lines", "parse_experiment"]
