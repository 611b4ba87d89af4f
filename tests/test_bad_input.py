"""Every file the CLI reads fails cleanly: one row per bad file, each through the real CLI.

Each row breaks one file of an otherwise good experiment (YAML, JSONL cases, a JSON Schema,
the model registry) or hands `merge`/`run` a bad database, then asserts: a non-zero exit, no
traceback, a message naming the file and the line or key, no hang (the subprocess timeout), and no
results database created or changed. Fixtures (a YAML bomb, a 10 MB line...) are written
here, never committed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from helpers import ROOT, TINY, SharedDBs
from pipeline.hashing import files_sha256

TEN_MB = 10 * 1024 * 1024
BOMB = "\n".join(
    ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
) + "\n"


@dataclass
class Case:
    argv: list[str]  # CLI arguments after `python -m pipeline`
    expect: list[str]  # substrings of stderr: the file and the line or key
    db: Path | None = None  # a database that must be left exactly as it was (or absent)


def _exp(d: Path) -> Path:
    return d / "exp" / "experiment.yaml"


# Safety nets: were a bad file ever accepted, the run stops at the unknown model id (or
# engine) instead of loading a model.
NO_MODEL = ["--models", "no-such-model"]
NO_ENGINE = ["--engine", "no-such-engine"]
_SAFETY_NETS = ("unknown model id 'no-such-model'", "unknown engine 'no-such-engine'")


def _run(d: Path, exp: Path | None = None, *more: str) -> list[str]:
    return ["run", str(exp or _exp(d)), "--limit", "1", "--no-progress",
            "--db", str(d / "results.duckdb"), *NO_MODEL, *more]


def _write(p: Path, content: str | bytes | None) -> Path:
    """*p* holding *content*: text, raw bytes, or (None) an empty directory of that name."""
    if content is None:
        p.mkdir()
    elif isinstance(content, bytes):
        p.write_bytes(content)
    else:
        p.write_text(content)
    return p


def _yaml(text: str | bytes, expect: Callable[[Path], list[str]]) -> Callable[[Path], Case]:
    """A row whose experiment YAML is replaced by *text*."""
    def make(d: Path) -> Case:
        p = _write(_exp(d), text)
        return Case(_run(d), expect(p), d / "results.duckdb")
    return make


def _edit(rel: str, old: str, new: str | bytes,
          expect: Callable[[Path], list[str]]) -> Callable[[Path], Case]:
    """A row where *old* in exp/REL is replaced by *new* (bytes: written raw)."""
    def make(d: Path) -> Case:
        p = d / "exp" / rel
        raw = p.read_bytes()
        assert old.encode() in raw, old
        p.write_bytes(raw.replace(old.encode(), new if isinstance(new, bytes) else new.encode()))
        return Case(_run(d), expect(p), d / "results.duckdb")
    return make


def _file(rel: str, content: str | bytes | None,
          expect: Callable[[Path], list[str]]) -> Callable[[Path], Case]:
    """A row where exp/REL becomes *content* (None: a directory of that name)."""
    def make(d: Path) -> Case:
        p = d / "exp" / rel
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)
        _write(p, content)
        return Case(_run(d), expect(p), d / "results.duckdb")
    return make


def _registry(text: str | bytes | None, expect: Callable[[Path], list[str]]
              ) -> Callable[[Path], Case]:
    def make(d: Path) -> Case:
        p = _write(d / "models.yaml", text)
        return Case(_run(d, None, "--registry", str(p)), expect(p), d / "results.duckdb")
    return make


REGISTRY = (ROOT / "experiments" / "models.yaml").read_text()
GOOD_YAML = TINY.read_text()
DEEP_JSON = "[" * 100_000 + "]" * 100_000
SCHEMA_LINES = ('{\n  "type": "object",\n  "properties": {"name": {"type": "string"}, '
                '"name": {"type": "integer"}},\n  "required": ["name"]\n}\n')

CLI_ROWS: dict[str, Callable[[Path], Case]] = {
    # experiment YAML
    "yaml-invalid-utf8": _edit("experiment.yaml", "Tiny JSON", b"Tiny \xff JSON",
                               lambda p: [f"{p}:3: not valid UTF-8 (byte 0xff"]),
    "yaml-binary": _yaml(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)),
                         lambda p: [f"{p}:1: binary data"]),
    "yaml-empty": _yaml("", lambda p: [f"{p}: empty file"]),
    "yaml-comments-only": _yaml("# nothing yet\n", lambda p: [f"{p}: empty file"]),
    "yaml-directory": _file("experiment.yaml", None, lambda p: [f"{p}: is a directory"]),
    "yaml-missing": lambda d: Case(_run(d, d / "nope.yaml"),
                                   [f"{d / 'nope.yaml'}: cannot read file"],
                                   d / "results.duckdb"),
    "yaml-alias-bomb": _yaml(BOMB, lambda p: [f"{p}:1: YAML anchors and aliases are not "
                                              "supported (found '&l0')"]),
    "yaml-alias-after-keys": _yaml(GOOD_YAML + "description: *desc\n",
                                   lambda p: [f"{p}:17: YAML anchors and aliases", "'*desc'"]),
    "yaml-deep-nesting": _yaml("id: x\ndescription: " + "[" * 50_000 + "]" * 50_000 + "\n",
                               lambda p: [f"{p}:2: nested more than 100 levels deep"]),
    "yaml-10mb-line": _yaml("description: " + "a" * TEN_MB + "\n",
                            lambda p: [f"{p}: 10.5 MB is too large for a file"]),
    "yaml-python-tag": _edit("experiment.yaml", "title: Tiny JSON experiment",
                             "title: !!python/object/apply:os.system ['echo pwned']",
                             lambda p: [f"{p}:3: YAML tag '!!python/object/apply:os.system' "
                                        "is not allowed"]),
    "yaml-custom-tag": _edit("experiment.yaml", "scorer: json_fields", "scorer: !env SCORER",
                             lambda p: [f"{p}:7: YAML tag '!env' is not allowed"]),
    "yaml-duplicate-key": _edit("experiment.yaml", "category: Test",
                                "category: Test\ntitle: Other title",
                                lambda p: [f"{p}:5: duplicate key 'title' (first on line 3)"]),
    "yaml-duplicate-nested-key": _edit(
        "experiment.yaml", "max_tokens: 48,", "max_tokens: 48, temperature: 1.0,",
        lambda p: [f"{p}:9: duplicate key 'sampling.temperature' (first on line 9)"]),
    "yaml-syntax-error": _edit("experiment.yaml", "models: [smollm2-135m]",
                               "models: [smollm2-135m", lambda p: [f"{p}:", "invalid YAML"]),
    "yaml-not-a-mapping": _yaml("- id: x\n- id: y\n",
                                lambda p: [f"{p}:1: expected a mapping of keys at the top "
                                           "level, found a list"]),
    "yaml-control-char": _edit("experiment.yaml", "Tiny JSON", "Tiny \x07 JSON",
                               lambda p: [f"{p}:3: control character U+0007"]),
    "yaml-bad-int-tag": _edit("experiment.yaml", "version: 1", "version: !!int one",
                              lambda p: [f"{p}:2: cannot read !!int value 'one'"]),
    "yaml-unknown-key": _edit("experiment.yaml", "max_tokens: 48", "max_tokenz: 48",
                              lambda p: [f"{p}:9: sampling.max_tokenz: unknown key. Did you mean "
                                         "'max_tokens'? Allowed: "]),
    # case file (JSONL)
    "cases-invalid-utf8": _edit("cases.jsonl", "Ben Ode", b"Ben \xc3\x28de",
                                lambda p: [f"{p}:2: not valid UTF-8 (byte 0xc3"]),
    "cases-binary": _file("cases.jsonl", b"\x00\x01\x02" * 100, lambda p: [f"{p}:1: binary"]),
    "cases-empty": _file("cases.jsonl", "", lambda p: [f"{p}: no cases"]),
    "cases-directory": _file("cases.jsonl", None, lambda p: [f"{p}: is a directory"]),
    "cases-broken-line": _edit("cases.jsonl", '"Ben Ode, aged 45', '"Ben Ode, aged 45\\q',
                               lambda p: [f"{p}:2: invalid JSON: Invalid \\escape"]),
    "cases-duplicate-key": _edit("cases.jsonl", '{"id": "p3",', '{"id": "p3", "id": "p4",',
                                 lambda p: [f"{p}:3: duplicate key 'id'"]),
    "cases-deep-nesting": _edit("cases.jsonl", '"tags": ["hard"]', f'"tags": {DEEP_JSON}',
                                lambda p: [f"{p}:3: JSON nested more than 100 levels"]),
    "cases-moderately-deep": _edit("cases.jsonl", '"tags": ["hard"]',
                                   '"tags": ' + "[" * 300 + "]" * 300,
                                   lambda p: [f"{p}:3: JSON nested more than 100 levels"]),
    "cases-10mb-line": _edit("cases.jsonl", '"Ben Ode', '"' + "x" * TEN_MB + '" "',
                             lambda p: [f"{p}:2: invalid JSON: Expecting ',' delimiter"]),
    "cases-not-an-object": _file("cases.jsonl", "".join(
        (TINY.parent / "cases.jsonl").read_text().splitlines(keepends=True)[:2]) + '["p3"]\n',
        lambda p: [f"{p}:3: Input should be a valid dictionary"]),
    # JSON Schema files
    "schema-invalid-json": _file("schemas/person.json", '{\n  "type": "object",\n  "x"\n}\n',
                                 lambda p: [f"{p}:4: invalid JSON: Expecting ':' delimiter"]),
    "schema-duplicate-key": _file("schemas/person.json", SCHEMA_LINES,
                                  lambda p: [f"{p}:3: duplicate key 'name'"]),
    "schema-binary": _file("schemas/person.json", b"\x89PNG\r\n\x1a\n\xff\xfe",
                           lambda p: [f"{p}:1: not valid UTF-8 (byte 0x89"]),
    "schema-empty": _file("schemas/person.json", "", lambda p: [f"{p}: empty file"]),
    "schema-directory": _file("schemas/person.json", None, lambda p: [f"{p}: is a directory"]),
    "schema-deep": _file("schemas/person.json", DEEP_JSON,
                         lambda p: [f"{p}:1: JSON nested more than 100 levels"]),
    "schema-not-a-schema": _file("schemas/person.json", '{"type": "objectt"}',
                                 lambda p: [f"{p}: type: not a valid JSON Schema"]),
    "schemas-folder-is-a-file": _file("schemas", "{}", lambda p: [f"{p}: not a folder"]),
    # model registry
    "registry-alias-bomb": _registry(BOMB, lambda p: [f"{p}:1: YAML anchors and aliases"]),
    "registry-duplicate-key": _registry(
        REGISTRY.replace("    kind: chat\n", "    kind: chat\n    kind: base\n", 1),
        lambda p: [f"{p}:", "duplicate key 'models.0.kind' (first on line"]),
    "registry-empty": _registry("", lambda p: [f"{p}: empty file"]),
    "registry-binary": _registry(bytes(range(256)), lambda p: [f"{p}:1: binary data"]),
    "registry-directory": _registry(None, lambda p: [f"{p}: is a directory"]),
    "registry-not-a-mapping": _registry("just text\n", lambda p: [
        f"{p}:1: expected a mapping of keys at the top level, found a str"]),
}


# -------------------------------------------------------------------------------- databases


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory, shared_dbs: SharedDBs) -> Path:
    """Good shard databases, built once; each row copies what it needs."""
    return make_dbs(tmp_path_factory.mktemp("dbs"), shared_dbs)


def make_dbs(d: Path, shared: SharedDBs) -> Path:
    """a: a good shard; b: a's run with another output for p1 (both copies of the session's
    shared DBs); newer: schema version 99; foreign: a DuckDB file that is not a results
    database."""
    one_run = {("m1", "plain"): [True, True, False]}
    shutil.copyfile(shared.get(one_run), d / "a.duckdb")
    shutil.copyfile(shared.get(one_run, outputs={"p1": "a different output"}), d / "b.duckdb")
    shutil.copyfile(d / "a.duckdb", d / "newer.duckdb")
    con = duckdb.connect(str(d / "newer.duckdb"))
    con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    con.close()
    con = duckdb.connect(str(d / "foreign.duckdb"))
    con.execute("CREATE TABLE t AS SELECT 1 AS x")
    con.close()
    return d


def _merge(shard: Callable[[Path, Path], Path], expect: Callable[[Path], list[str]],
           target: str = "existing") -> Callable[[Path, Path], Case]:
    """A merge row: a good shard plus *shard*(d, dbs) into a target that exists or not."""
    def make(d: Path, dbs: Path) -> Case:
        good = d / "good.duckdb"
        shutil.copyfile(dbs / "a.duckdb", good)
        into = d / "into.duckdb"
        if target == "existing":
            shutil.copyfile(dbs / "a.duckdb", into)
        bad = shard(d, dbs)
        return Case(["merge", str(good), str(bad), "--into", str(into)], expect(bad), into)
    return make


def _bytes(content: bytes) -> Callable[[Path, Path], Path]:
    def make(d: Path, _dbs: Path) -> Path:
        (d / "bad.duckdb").write_bytes(content)
        return d / "bad.duckdb"
    return make


def _copy(name: str) -> Callable[[Path, Path], Path]:
    def make(d: Path, dbs: Path) -> Path:
        shutil.copyfile(dbs / name, d / name)
        return d / name
    return make


def _into(content: bytes | str | None, expect: str) -> Callable[[Path, Path], Case]:
    """A merge row whose *target* is bad: raw bytes, a prepared db's name, or a directory."""
    def make(d: Path, dbs: Path) -> Case:
        good = d / "good.duckdb"
        shutil.copyfile(dbs / "a.duckdb", good)
        into = d / "into.duckdb"
        if content is None:
            into.mkdir()
        elif isinstance(content, bytes):
            into.write_bytes(content)
        else:
            shutil.copyfile(dbs / content, into)
        return Case(["merge", str(good), "--into", str(into)], [f"{into}: {expect}"], into)
    return make


def _run_db(content: bytes | str) -> Callable[[Path, Path], Case]:
    """`run` of a good experiment into a bad --db: refused before any model is loaded."""
    def make(d: Path, dbs: Path) -> Case:
        db = d / "results.duckdb"
        if isinstance(content, bytes):
            db.write_bytes(content)
        else:
            shutil.copyfile(dbs / content, db)
        expect = ("schema version 99 is newer" if content == "newer.duckdb"
                  else "not a DuckDB database file")
        return Case(["run", str(TINY), "--limit", "1", "--no-progress", "--db", str(db),
                     *NO_ENGINE], [f"{db}: ", expect], db)
    return make


DB_ROWS: dict[str, Callable[[Path, Path], Case]] = {
    "merge-missing": _merge(lambda d, _: d / "nope.duckdb",
                            lambda p: [f"{p}: results database not found"]),
    "merge-text-file": _merge(_bytes(b"id,passed\np1,true\n"),
                              lambda p: [f"{p}: cannot open results database: not a DuckDB"]),
    "merge-binary-garbage": _merge(_bytes(bytes(range(256)) * 64),
                                   lambda p: [f"{p}: cannot open results database: not a "
                                              "DuckDB"]),
    "merge-empty-file": _merge(_bytes(b""), lambda p: [f"{p}: "]),
    "merge-directory": _merge(lambda d, _: (d / "dir.duckdb").mkdir() or d / "dir.duckdb",
                              lambda p: [f"{p}: is a directory"]),
    "merge-newer-schema": _merge(_copy("newer.duckdb"), lambda p: [
        f"{p}: schema version 99 is newer than this pipeline supports"]),
    "merge-foreign-duckdb": _merge(_copy("foreign.duckdb"), lambda p: [
        f"{p}: has tables but no 'meta' table: not a results database"]),
    "merge-conflict-new-target": _merge(_copy("b.duckdb"), lambda p: [
        "merge refused: two files hold different outputs for run", "case 'p1' sample 0 (in "
        f"{p.parent / 'good.duckdb'}, {p};", "Nothing was written"], target="absent"),
    "merge-conflict-existing-target": _merge(_copy("b.duckdb"), lambda p: [
        "merge refused: two files hold different outputs", f", {p}, {p.parent / 'into.duckdb'} "
        "(the target);"]),
    "merge-into-text-file": _into(b"not a database\n", "cannot open results database: not a "
                                  "DuckDB database file"),
    "merge-into-newer-schema": _into("newer.duckdb", "schema version 99 is newer"),
    "merge-into-foreign-duckdb": _into("foreign.duckdb", "has tables but no 'meta' table"),
    "merge-into-directory": _into(None, "is a directory"),
    "run-db-text-file": _run_db(b"hello\n"),
    "run-db-newer-schema": _run_db("newer.duckdb"),
}


# ------------------------------------------------------------------------------------ the test


def _digest(p: Path) -> str | None:
    if p.is_dir():
        return "dir"
    if not p.exists():
        return None
    return files_sha256(list(p.parent.glob(p.name + "*")))  # the database and any .wal


def _check(case: Case) -> None:
    """One clear line on stderr, exit 2, the database untouched; a hang fails on the
    subprocess timeout (no wall-clock assertion: a busy machine must not fail it)."""
    before = _digest(case.db) if case.db else None
    r = subprocess.run([sys.executable, "-m", "pipeline", *case.argv], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    lines = r.stderr.strip().splitlines()
    # every problem is listed (pipeline/preflight.py): the safety nets' own lines aside,
    # the bad file gives one clear line
    assert lines[0].startswith("error: "), r.stderr[:2000]
    lines[0] = lines[0].removeprefix("error: ")
    lines = [ln for ln in lines if not any(net in ln for net in _SAFETY_NETS)] or lines
    assert len(lines) == 1, r.stderr[:2000]
    assert len(r.stderr) < 1000, r.stderr[:2000]  # never echoes a 10 MB line
    for part in case.expect:
        assert part in r.stderr, (part, r.stderr)
    if case.db is not None:
        assert _digest(case.db) == before, "the database was created or changed"


@pytest.fixture
def exp_dir(tmp_path: Path) -> Path:
    shutil.copytree(TINY.parent, tmp_path / "exp")
    return tmp_path


@pytest.mark.parametrize("row", list(CLI_ROWS))
def test_bad_file_fails_cleanly(row: str, exp_dir: Path) -> None:
    _check(CLI_ROWS[row](exp_dir))


@pytest.mark.parametrize("row", list(DB_ROWS))
def test_bad_database_fails_cleanly(row: str, tmp_path: Path, dbs: Path,
                                    ) -> None:
    _check(DB_ROWS[row](tmp_path, dbs))


# ------------------------------------------------------------------ suites with task steps
# The real suites of experiments/ (tools, conversations, languages, code), copied and broken
# one line each: refused at load, naming the file, the line and the key.


def _suite_edit(name: str, rel: str, edit: Callable[[str], tuple[str, int]],
                expect: Callable[[Path, int], list[str]]) -> Callable[[Path], Case]:
    """A row where experiments/NAME.yaml and its folder are copied, and the file REL (relative
    to experiments/) is rewritten by *edit* (text -> new text, the 1-based line it broke)."""
    def make(d: Path) -> Case:
        root = d / "suites"
        root.mkdir()
        shutil.copy(ROOT / "experiments" / f"{name}.yaml", root)
        shutil.copytree(ROOT / "experiments" / name, root / name)
        p = root / rel
        text, line = edit(p.read_text(encoding="utf-8"))
        p.write_text(text, encoding="utf-8")
        return Case(_run(d, root / f"{name}.yaml"), expect(p, line), d / "results.duckdb")
    return make


def _replace(old: str, new: str) -> Callable[[str], tuple[str, int]]:
    def edit(text: str) -> tuple[str, int]:
        assert old in text, old
        return text.replace(old, new, 1), text[:text.index(old)].count("\n") + 1
    return edit


def _case(case_id: str, change: Callable[[dict], None]) -> Callable[[str], tuple[str, int]]:
    """Change one case (a JSONL line) as a dict."""
    def edit(text: str) -> tuple[str, int]:
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line.startswith(f'{{"id": "{case_id}"'):
                case = json.loads(line)
                change(case)
                lines[i] = json.dumps(case, ensure_ascii=False)
                return "\n".join(lines), i + 1
        raise AssertionError(f"no case {case_id}")
    return edit


def _set_role(index: int, role: str) -> Callable[[dict], None]:
    def change(case: dict) -> None:
        case["input"]["messages"][index]["role"] = role
    return change


SUITE_ROWS: dict[str, Callable[[Path], Case]] = {
    "tools-case-names-a-missing-tool": _suite_edit(
        "function_calling", "function_calling/cases.jsonl",
        _replace('"tools": ["refund_order", "get_order_status"',
                 '"tools": ["refund_order", "get_order_stats"'),
        lambda p, n: [f"{p}:{n}: input.tools: case 'refund-01': names 'get_order_stats'",
                      "not in function_calling/tools.json"]),
    "tools-json-parameters-not-a-schema": _suite_edit(
        "function_calling", "function_calling/tools.json",
        _replace('"type": "object"', '"type": "objectt"'),
        lambda p, n: [f"{p}: 0.function.parameters: tool #1: (lookup_customer) not a "
                      "valid JSON Schema"]),
    "conversation-two-assistant-messages": _suite_edit(
        "multi_turn", "multi_turn/cases.jsonl", _case("options-01", _set_role(2, "assistant")),
        lambda p, n: [f"{p}:{n}: case 'options-01': input.messages[2]",
                      "a scripted assistant message must follow a user message"]),
    "conversation-opens-with-assistant": _suite_edit(
        "multi_turn", "multi_turn/cases.jsonl", _case("options-01", _set_role(0, "assistant")),
        lambda p, n: [f"{p}:{n}: case 'options-01': input.messages[0]",
                      "alternate, starting with user"]),
    "multilingual-unknown-language": _suite_edit(
        "multilingual", "multilingual/cases.jsonl",
        _replace('"language": "en", "language_name"', '"language": "xx", "language_name"'),
        lambda p, n: [f"{p}:{n}: case 'weekday-01-en-en': input.language 'xx' is not a valid "
                      "language"]),
    "code-case-without-tests": _suite_edit(
        "code_generation", "code_generation/cases.jsonl",
        _case("count-log-levels", lambda c: c["expected"].pop("tests")),
        lambda p, n: [f"{p}:{n}: expected: case 'count-log-levels': no key 'tests'; the scorer "
                      "needs an object {entry_point, tests}"]),
    "steps-generate-without-prompt": _suite_edit(
        "code_generation", "code_generation.yaml",
        _replace("steps: [prompt, generate, execute]", "steps: [generate]"),
        lambda p, n: [f"{p}:{n}: steps: 'generate' needs a 'prompt' step before it"]),
    "steps-unknown-name": _suite_edit(
        "code_generation", "code_generation.yaml",
        _replace("steps: [prompt, generate, execute]", "steps: [prompt, generate, exekute]"),
        lambda p, n: [f"{p}:{n}: steps: unknown step 'exekute'",
                      "Did you mean 'execute'?"]),
    # RAG compliance: rules, cases naming rules, guards (issue 12)
    "compliance-duplicate-rule-id": _suite_edit(
        "rag_compliance", "rag_compliance/rules.yaml",
        _replace("  - id: R02\n", "  - id: R01\n"),
        lambda p, n: [f"{p}:{n}", "'R01'", "used twice (first on line"]),
    "compliance-invalid-regex": _suite_edit(
        "rag_compliance", "rag_compliance/rules.yaml",
        _replace("'(?i)\\b(system|initial|hidden|developer)",
                 "'(?i)\\b(system|initial|hidden|developer"),
        lambda p, n: [f"{p}:", ": rule 'R01': invalid regex"]),
    "compliance-case-names-unknown-rule": _suite_edit(
        "rag_compliance", "rag_compliance/cases.jsonl",
        _case("hr-01", lambda c: c["expected"].update(violates=["R99"])),
        lambda p, n: [f"{p}:{n}: expected.violates: case 'hr-01': names 'R99', not in "
                      "rag_compliance/rules.yaml"]),
    "compliance-unknown-guard": _suite_edit(
        "rag_compliance", "rag_compliance.yaml",
        _replace("    guard: llama_guard\n", "    guard: lama_guard\n"),
        lambda p, n: [f"{p}:{n}: variants.3.guard: unknown guard 'lama_guard'",
                      "Did you mean 'llama_guard'?"]),
}


@pytest.mark.parametrize("row", list(SUITE_ROWS))
def test_bad_suite_fails_cleanly(row: str, tmp_path: Path) -> None:
    _check(SUITE_ROWS[row](tmp_path))
