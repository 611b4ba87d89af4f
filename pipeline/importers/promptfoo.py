"""Reader for promptfoo's eval output: the JSON that `promptfoo eval -o out.json` writes.

What promptfoo writes: `{evalId, results: {version, timestamp, prompts, results, stats}, config,
metadata, runtimeOptions, ...}`. An eval crosses every prompt with every provider; each
(prompt, provider) pair is a column of promptfoo's table, with its own aggregate `metrics`
under `results.prompts[i]` (`results.table.head.prompts` in version 2). One column is one run
here, so a file becomes one `ImportedLog` per column: a run is one task on one model.

Why no promptfoo code: promptfoo is a Node package with no Python reader, and its output is
plain JSON, parsed here through the project's safety guards and loose pydantic models (the
outer fields are unversioned and grow every release; only what is read is checked), so a
hostile or broken file becomes one clear error naming the file and the result.

Format versions (`results.version`, the format's own number, not promptfoo's):
- 3 (promptfoo 0.107 onwards; the fixture is 0.121.20): results carry `testIdx`, `promptIdx`,
  `testCase` and `failureReason` (1 a failed assertion, 2 an error); the file's
  `metadata.promptfooVersion` names the tool version.
- 2 (the fixture is 0.91.3): results have none of those and are in completion order; each is
  matched to its column by prompt label and provider (label, else id), to its test by `vars`;
  the file does not name promptfoo's version, so `tool_version` is 'unknown'.
Anything else, or a file without `results`, is refused.

Mapping (one column):
- case id: `vars.id` when the test has one, else the test's `description`, else `test-<n>`
  (n: the 0-based index of the test's distinct `vars` in the column); the case's input is its
  `vars`, expected is `vars.target`, else the first assertion's (rendered) value; a list of
  strings under the test's `metadata.tags` becomes the case's tags.
- order and sample_idx: results sort by `testIdx`; version 2 has no index and writes results
  in completion order, so they sort by their test's place in `config.tests`, then file order.
  sample_idx is the repeat (`--repeat N`): the n-th result of one case in that order. Two
  results of one id with other `vars`, or more results than the run's repeat count
  (`runtimeOptions.repeat`, or a test's own `options.repeat`), are a duplicate case id: an
  error. A version 2 file does not say its repeat count: there, only other `vars` are.
- prompt: the rendered prompt as promptfoo sent it (`prompt.raw`; for a chat prompt file, a
  JSON list of messages, which with the reply is also the transcript); raw_output: the
  response's `output` (JSON text when not a string, '' for an error).
- passed: promptfoo's `success` (every assertion passed, or the test's threshold met);
  scores: `score` (the test's weighted score), `assert.<i>.<type>` (each component's score)
  and `assert.<i>.<type>.pass` (1/0: in 0.121 a weight-0 assertion passes whatever its
  score), and `named.<metric>` (the test's named scores).
- an error result (failureReason 2; in version 2 a response with `error`) has failure_mode
  'error' and the message; a failed assertion has failure_mode `assert:<type>` of the first
  failing component. A graded result without `gradingResult` is refused.
- headline: the column's own `metrics` as written (`score` is a sum over results, as are the
  counts, `totalLatencyMs` and `tokenUsage.*`), plus `results.stats` successes, failures and
  errors when the file has one column (they count the whole eval). promptfoo's `namedScores`
  totals are weighted by assertion weight in version 3 and are not repeated as headline; each
  result's named scores are in its scores. Cost and request counts are not imported.
- status: always 'complete': the file marks no eval as cut short (a provider's errors are
  results with failure_mode 'error').
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.importers.records import ImportedCase, ImportedLog, ImportedSample
from pipeline.importers.safety import fail, read_json, sha256_of

TOOL = "promptfoo"
SUPPORTED_VERSIONS = (2, 3)
#: promptfoo's ResultFailureReason (version 3): 0 none, 1 an assertion failed, 2 an error.
_FAILURE_ERROR = 2
#: The column metrics a headline takes, when the file has them (all sums over the column).
_METRICS = ("score", "testPassCount", "testFailCount", "testErrorCount", "assertPassCount",
            "assertFailCount", "totalLatencyMs")
_TOKEN_METRICS = ("prompt", "completion", "total")
_STATS = ("successes", "failures", "errors")
_SAMPLING = {"temperature": "temperature", "top_p": "top_p", "max_tokens": "max_tokens",
             "max_completion_tokens": "max_tokens", "seed": "seed"}


class _Loose(BaseModel):
    """promptfoo adds fields every release: only the ones read here are checked."""

    model_config = ConfigDict(extra="allow", strict=True)


class _Column(_Loose):
    raw: str = ""
    label: str = ""
    id: str | None = None
    provider: str
    metrics: dict[str, Any] | None = None


class _ProviderRef(_Loose):
    id: str
    label: str | None = None


class _RenderedPrompt(_Loose):
    raw: str
    label: str = ""


class _Component(_Loose):
    pass_: bool | None = Field(default=None, alias="pass")
    score: float | None = None
    assertion: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None


class _Grading(_Loose):
    score: float | None = None
    componentResults: list[_Component] | None = None  # noqa: N815 (promptfoo's name)


class _Result(_Loose):
    provider: _ProviderRef | str
    prompt: _RenderedPrompt
    vars: dict[str, Any] = {}
    response: dict[str, Any] | None = None
    success: bool
    score: float | None = None
    latencyMs: float | None = None  # noqa: N815
    error: str | None = None
    gradingResult: _Grading | None = None  # noqa: N815
    namedScores: dict[str, float] = {}  # noqa: N815
    testIdx: int | None = None  # noqa: N815
    promptIdx: int | None = None  # noqa: N815
    promptId: str | None = None  # noqa: N815
    testCase: dict[str, Any] | None = None  # noqa: N815
    failureReason: int | None = None  # noqa: N815


class _Results(_Loose):
    version: int
    timestamp: str | None = None
    prompts: list[_Column] | None = None
    results: list[dict[str, Any]]
    stats: dict[str, Any] | None = None
    table: dict[str, Any] | None = None


class _File(_Loose):
    evalId: str | None = None  # noqa: N815
    results: _Results
    config: dict[str, Any] = {}
    metadata: dict[str, Any] | None = None
    runtimeOptions: dict[str, Any] | None = None  # noqa: N815


def _why(exc: ValidationError, prefix: str) -> tuple[str, str]:
    """(key, message) of a ValidationError's first problem, the key as a JSON path."""
    err = exc.errors()[0]
    key = prefix
    for part in err["loc"]:
        key += f"[{part}]" if isinstance(part, int) else f".{part}"
    return key.lstrip("."), f"{err['msg']} (got {_short(err.get('input'))})"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def read(path: Path) -> list[ImportedLog]:
    """Every (prompt, provider) column of a promptfoo eval output file, as one log each."""
    path = Path(path)
    data = read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("results"), dict):
        raise fail(path, "not a promptfoo eval output: no 'results' object at the top level "
                   "(expected the JSON that `promptfoo eval -o out.json` writes)")
    version = data["results"].get("version")
    if version not in SUPPORTED_VERSIONS or isinstance(version, bool):
        raise fail(path, f"unsupported promptfoo results version {_short(version)}; this "
                   "importer reads versions 2 and 3 (promptfoo 0.91 to 0.121)",
                   key="results.version")
    try:
        doc = _File.model_validate(data)
    except ValidationError as exc:
        key, msg = _why(exc, "")
        raise fail(path, msg, key=key) from None
    columns = _columns(path, doc)
    results = [_result(path, i, raw) for i, raw in enumerate(doc.results.results)]
    by_column: dict[int, list[tuple[int, _Result]]] = {i: [] for i in range(len(columns))}
    for i, res in enumerate(results):
        by_column[_column_of(path, columns, i, res)].append((i, res))
    sha = sha256_of(path)
    return [_log(path, doc, columns, c, rows, sha) for c, rows in by_column.items() if rows]


def _columns(path: Path, doc: _File) -> list[_Column]:
    """The (prompt, provider) columns: `results.prompts` (v3) or the table's head (v2)."""
    if doc.results.prompts is not None:
        return doc.results.prompts
    head = (doc.results.table or {}).get("head")
    prompts = head.get("prompts") if isinstance(head, dict) else None
    if not isinstance(prompts, list):
        raise fail(path, "no prompts: neither results.prompts nor results.table.head.prompts "
                   "is a list", key="results")
    columns = []
    for n, prompt in enumerate(prompts):
        try:
            columns.append(_Column.model_validate(prompt))
        except ValidationError as exc:
            key, msg = _why(exc, f"results.table.head.prompts[{n}]")
            raise fail(path, msg, key=key) from None
    return columns


def _result(path: Path, i: int, raw: dict[str, Any]) -> _Result:
    try:
        return _Result.model_validate(raw)
    except ValidationError as exc:
        key, msg = _why(exc, f"results.results[{i}]")
        vars_ = raw.get("vars") if isinstance(raw, dict) else None
        vid = vars_.get("id") if isinstance(vars_, dict) else None
        who = f"test {vid!r}: " if isinstance(vid, str | int) else ""
        raise fail(path, who + msg, key=key) from None


def _provider_key(res: _Result) -> str:
    """The provider as a column names it: its label, else its id."""
    if isinstance(res.provider, str):
        return res.provider
    return res.provider.label or res.provider.id


def _provider_id(res: _Result) -> str:
    return res.provider if isinstance(res.provider, str) else res.provider.id


def _column_of(path: Path, columns: list[_Column], i: int, res: _Result) -> int:
    key = f"results.results[{i}]"
    if res.promptIdx is not None:
        if not 0 <= res.promptIdx < len(columns):
            raise fail(path, f"promptIdx {res.promptIdx} is not one of the file's "
                       f"{len(columns)} prompt columns", key=key)
        col = columns[res.promptIdx]
        if col.provider not in (_provider_key(res), _provider_id(res)):
            raise fail(path, f"provider {_provider_key(res)!r} is not column {res.promptIdx}'s "
                       f"provider {col.provider!r}", key=key)
        return res.promptIdx
    hits = [c for c, col in enumerate(columns)
            if col.provider == _provider_key(res)
            and (col.id == res.promptId if res.promptId and col.id else
                 col.label == res.prompt.label)]
    if len(hits) != 1:
        what = "no" if not hits else f"{len(hits)}"
        raise fail(path, f"{what} prompt columns match prompt {res.prompt.label!r} on provider "
                   f"{_provider_key(res)!r}", key=key)
    return hits[0]


def _config_tests(doc: _File) -> list[dict[str, Any]]:
    tests = doc.config.get("tests")
    return [t for t in tests if isinstance(t, dict)] if isinstance(tests, list) else []


def _vars_key(vars_: dict[str, Any]) -> str:
    """A test's vars as one comparable string (results and tests are matched by their vars)."""
    return json.dumps(vars_, sort_keys=True, default=str)


def _test_places(doc: _File) -> dict[str, tuple[int, dict[str, Any]]]:
    """vars -> (place, test) of the config's tests (first of equal vars), for version 2,
    whose results name neither their test nor its index."""
    places: dict[str, tuple[int, dict[str, Any]]] = {}
    for n, test in enumerate(_config_tests(doc)):
        if isinstance(test.get("vars"), dict):
            places.setdefault(_vars_key(test["vars"]), (n, test))
    return places


def _asserts(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _repeats(doc: _File, test: dict[str, Any]) -> int | None:
    """How many results one test may have in a column; None where the file does not say."""
    counts = []
    for holder in (doc.runtimeOptions, doc.config.get("evaluateOptions"), test.get("options")):
        if isinstance(holder, dict) and isinstance(holder.get("repeat"), int):
            counts.append(holder["repeat"])
    return max(counts) if counts else None


def _log(path: Path, doc: _File, columns: list[_Column], c: int,
         rows: list[tuple[int, _Result]], sha: str) -> ImportedLog:
    col = columns[c]
    places = _test_places(doc)
    keyed = [(i, res, _vars_key(res.vars)) for i, res in rows]

    def order(row: tuple[int, _Result, str]) -> tuple[int, int]:
        # v3: testIdx; v2 (completion order): the test's place in the config, then the file's
        i, res, vkey = row
        if res.testIdx is not None:
            return res.testIdx, i
        return places.get(vkey, (len(places), {}))[0], i

    keyed.sort(key=order)
    first = keyed[0][1]
    defaults = _asserts(_default_test(doc).get("assert"))
    cases: dict[str, ImportedCase] = {}
    case_vars: dict[str, str] = {}
    distinct: dict[str, int] = {}
    seen: dict[str, int] = {}
    samples: list[ImportedSample] = []
    test_asserts: dict[str, list[Any]] = {}
    for i, res, vkey in keyed:
        key = f"results.results[{i}]"
        test = res.testCase if res.testCase is not None else places.get(vkey, (0, {}))[1]
        case_id = _case_id(res, test, distinct.setdefault(vkey, len(distinct)))
        if case_id in cases:
            if case_vars[case_id] != vkey:
                raise fail(path, f"duplicate case id {case_id!r} on prompt {col.label!r}, "
                           f"provider {col.provider!r}: another test, with other vars, has "
                           "this id too", key=key)
        else:
            cases[case_id] = _case(case_id, res, test)
            case_vars[case_id] = vkey
            own = [a for a in _asserts(test.get("assert")) if a not in defaults]
            if own:
                test_asserts[case_id] = own
        idx = seen.get(case_id, 0)
        limit = _repeats(doc, test)
        if limit is not None and idx >= limit:
            raise fail(path, f"duplicate case id {case_id!r} #{idx} on prompt {col.label!r}, "
                       f"provider {col.provider!r}: {idx + 1} results for a test run "
                       f"{limit} time(s)", key=key)
        seen[case_id] = idx + 1
        samples.append(_sample(path, key, case_id, idx, res))
    try:
        return ImportedLog(
            tool=TOOL, tool_version=str((doc.metadata or {}).get("promptfooVersion") or
                                        "unknown"),
            format_version=str(doc.results.version), source_file=str(path), source_sha256=sha,
            source_key=f"{doc.evalId or ''} {col.id or col.label} {col.provider}".strip(),
            task=str(doc.config.get("description") or doc.evalId or "promptfoo eval"),
            task_params=_task_params(doc, col, test_asserts), model=_provider_id(first),
            created_at=_created_at(path, doc), primary_metric="success",
            sampling=_sampling(doc, col, first), headline=_headline(doc, col, len(columns)),
            cases=list(cases.values()), samples=samples)
    except ValidationError as exc:
        raise fail(path, exc.errors()[0]["msg"]) from None


def _case_id(res: _Result, test: dict[str, Any], n: int) -> str:
    vid = res.vars.get("id")
    if isinstance(vid, str | int) and not isinstance(vid, bool) and str(vid):
        return str(vid)
    desc = test.get("description")
    if isinstance(desc, str) and desc:
        return desc
    return f"test-{n}"


def _case(case_id: str, res: _Result, test: dict[str, Any]) -> ImportedCase:
    expected = res.vars.get("target")
    if expected is None:
        expected = _first_assert_value(res, test)
    meta = test.get("metadata") if isinstance(test.get("metadata"), dict) else {}
    tags = meta.get("tags") if isinstance(meta, dict) else None
    tags = list(tags) if isinstance(tags, list) and all(isinstance(t, str) for t in tags) \
        else []
    extra: dict[str, Any] = {}
    if isinstance(test.get("description"), str):
        extra["description"] = test["description"]
    if meta:
        extra["metadata"] = meta
    return ImportedCase(case_id=case_id, input=res.vars, expected=expected, tags=tags,
                        metadata=extra)


def _first_assert_value(res: _Result, test: dict[str, Any]) -> Any:
    comps = (res.gradingResult.componentResults if res.gradingResult else None) or []
    if comps:
        rendered = (comps[0].metadata or {}).get("renderedAssertionValue")
        if rendered is not None:
            return rendered
        if comps[0].assertion:
            return comps[0].assertion.get("value")
    asserts = _asserts(test.get("assert"))
    return asserts[0].get("value") if asserts and isinstance(asserts[0], dict) else None


def _is_error(res: _Result) -> bool:
    if res.failureReason is not None:
        return res.failureReason == _FAILURE_ERROR
    return bool((res.response or {}).get("error")) or (res.response is None and not res.success)


def _sample(path: Path, key: str, case_id: str, idx: int, res: _Result) -> ImportedSample:
    response = res.response or {}
    error = _is_error(res)
    if res.gradingResult is None and not error:
        raise fail(path, f"test {case_id!r}: no gradingResult on a result that is not an "
                   "error; promptfoo writes one for every graded test", key=key)
    output = response.get("output")
    raw = "" if output is None else output if isinstance(output, str) else json.dumps(output)
    scores: dict[str, float] = {}
    score = res.score if res.score is not None else (
        res.gradingResult.score if res.gradingResult else None)
    if score is not None:
        scores["score"] = float(score)
    mode = None
    for n, comp in enumerate((res.gradingResult.componentResults or [])
                             if res.gradingResult else []):
        kind = str((comp.assertion or {}).get("type") or "component")
        passed = bool(comp.pass_)
        scores[f"assert.{n}.{kind}"] = float(comp.score if comp.score is not None else passed)
        scores[f"assert.{n}.{kind}.pass"] = float(passed)
        if not passed and mode is None:
            mode = f"assert:{kind}"
    for name, value in res.namedScores.items():
        scores[f"named.{name}"] = float(value)
    message = None
    if error:
        mode = "error"
        message = str(response.get("error") or res.error or "error")
    elif not res.success and mode is None:
        mode = "failed"
    usage = response.get("tokenUsage") if isinstance(response.get("tokenUsage"), dict) else {}
    transcript = _transcript(res.prompt.raw, output)
    try:
        return ImportedSample(
            case_id=case_id, sample_idx=idx, prompt=res.prompt.raw, raw_output=raw,
            transcript=transcript, passed=res.success, scores=scores,
            failure_mode=None if res.success else mode, error=message,
            prompt_tokens=_int(usage.get("prompt")),
            completion_tokens=_int(usage.get("completion")),
            latency_ms=res.latencyMs,
            finish_reason=response.get("finishReason")
            if isinstance(response.get("finishReason"), str) else None)
    except ValidationError as exc:
        k, msg = _why(exc, key)
        raise fail(path, f"test {case_id!r}: {msg}", key=k) from None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _transcript(raw: str, output: Any) -> list[dict[str, Any]] | None:
    """The messages sent, when the rendered prompt is a chat (a JSON list of role/content),
    and the reply; None for a plain-text prompt."""
    try:
        messages = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not (isinstance(messages, list) and messages
            and all(isinstance(m, dict) and "role" in m for m in messages)):
        return None
    return [*messages, {"role": "assistant", "content": output}]


def _default_test(doc: _File) -> dict[str, Any]:
    dt = doc.config.get("defaultTest")
    return dt if isinstance(dt, dict) else {}


def _provider_config(doc: _File, col: _Column, res: _Result) -> dict[str, Any]:
    """The config of the column's provider in the file's config (matched by label, else id)."""
    providers = doc.config.get("providers")
    entries: list[dict[str, Any]] = []
    for p in providers if isinstance(providers, list) else []:
        if isinstance(p, dict) and isinstance(p.get("id"), str):
            entries.append(p)
        elif isinstance(p, dict) and len(p) == 1:  # {provider id: {config...}}
            (pid, body), = p.items()
            if isinstance(body, dict):
                entries.append({"id": pid, **body})
    for e in entries:
        if e.get("label") and e["label"] == col.provider:
            return e.get("config") if isinstance(e.get("config"), dict) else {}
    for e in entries:
        if e["id"] == _provider_id(res) and not e.get("label"):
            return e.get("config") if isinstance(e.get("config"), dict) else {}
    return {}


def _sampling(doc: _File, col: _Column, res: _Result) -> dict[str, Any]:
    config = _provider_config(doc, col, res)
    return {ours: config[theirs] for theirs, ours in _SAMPLING.items()
            if theirs in config and isinstance(config[theirs], int | float)}


def _task_params(doc: _File, col: _Column, test_asserts: dict[str, list[Any]]
                 ) -> dict[str, Any]:
    """What decides the run besides the model: the prompt template and the assertions."""
    params: dict[str, Any] = {"prompt": col.raw, "prompt_label": col.label,
                              "provider": col.provider,
                              "defaultTest.assert": _asserts(_default_test(doc).get("assert"))}
    if test_asserts:
        params["tests.assert"] = test_asserts
    repeat = (doc.runtimeOptions or {}).get("repeat")
    if isinstance(repeat, int):
        params["repeat"] = repeat
    return params


def _created_at(path: Path, doc: _File) -> datetime:
    for key, value in (("results.timestamp", doc.results.timestamp),
                       ("metadata.evaluationCreatedAt",
                        (doc.metadata or {}).get("evaluationCreatedAt"))):
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                raise fail(path, f"not an ISO time: {_short(value)}", key=key) from None
    raise fail(path, "no creation time (results.timestamp)", key="results")


def _headline(doc: _File, col: _Column, n_columns: int) -> dict[str, float]:
    metrics = col.metrics or {}
    out: dict[str, float] = {}
    for name in _METRICS:
        value = metrics.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = float(value)
    usage = metrics.get("tokenUsage")
    for name in _TOKEN_METRICS:
        value = usage.get(name) if isinstance(usage, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            out[f"tokenUsage.{name}"] = float(value)
    if n_columns == 1:
        for name in _STATS:
            value = (doc.results.stats or {}).get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[f"stats.{name}"] = float(value)
    return out


__all__ = ["SUPPORTED_VERSIONS", "read"]
