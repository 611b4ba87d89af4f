"""structured_json version 2: the generated cases are reproducible, valid against their
schemas, state every expected value, and leave version 1's files untouched."""

import json
import re

from jsonschema import Draft202012Validator

from helpers import EXPERIMENTS, prompts
from pipeline.hashing import file_sha256

EXPERIMENT = "structured_json"
# Version 1's results are stored with hashes of these files (a case's hash covers its schema):
# changing one would make the store refuse version 1 and break `rerun` of its runs.
V1_FILES = {
    "cases.jsonl": "4160eff3a4de2ad5cad34ae4087b7d7b892c1b8144177eced06c0f36235a8912",
    "schemas/person.json": "e97d7d0273aae8593a01b0c44a37c8a17794e02b552933dda3288722ba1bc3c7",
    "schemas/product.json": "67ac7ad778b1bf6e46ebbad3ea87314279f6a5d18a3a48380b2bf699ba7a9712",
    "schemas/event.json": "44421f445a30d0fa09285b296b470510eb334b766b11b60488a2531bb51b4de6",
    "schemas/order.json": "f83378b885ff1b3e9643d66bf137169a7ec1b9dd7d058d71712829bda32b471c",
}
TRAP_TAGS = {"date_text", "number_text", "enum", "distractor", "nullable", "nested", "array"}


def test_version_1_files_are_unchanged():
    for name, digest in V1_FILES.items():
        assert file_sha256(EXPERIMENTS / EXPERIMENT / name) == digest, name


def test_version_2_scale_and_tags(exp):
    assert exp.spec.version == 2 and exp.spec.cases == "structured_json/cases_v2.jsonl"
    assert len(exp.cases) >= 300
    assert {v.name for v in exp.spec.variants} == {"naive", "instructed", "constrained"}
    by_schema = {}
    for case in exp.cases:
        difficulty, *traps = case.tags
        assert difficulty in ("easy", "medium", "hard"), case.id
        assert set(traps) <= TRAP_TAGS, case.id
        by_schema.setdefault(case.input["schema"], set()).add(difficulty)
    assert len(by_schema) == 10 and {"person", "product", "event", "order"} <= set(by_schema)
    assert all(levels == {"easy", "medium", "hard"} for levels in by_schema.values())
    seen = {t for c in exp.cases for t in c.tags}
    assert TRAP_TAGS <= seen


def test_easy_cases_write_values_as_json_wants_them(exp):
    for case in exp.cases:
        if case.tags[0] == "easy":
            assert not {"date_text", "number_text", "enum", "distractor"} & set(case.tags)


def test_expected_objects_validate_against_their_schemas(exp):
    for case in exp.cases:
        errors = list(Draft202012Validator(exp.schema_for(case)).iter_errors(case.expected))
        assert not errors, (case.id, [e.message for e in errors])
        assert list(case.expected) == list(exp.schema_for(case)["properties"]), case.id


def _strings(value, schema, path=""):
    """(path, string) for every free-text string: not an enum value, date or time."""
    if isinstance(value, dict):
        for key, v in value.items():
            yield from _strings(v, schema.get("properties", {}).get(key, {}), f"{path}.{key}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, schema.get("items", {}), f"{path}[{i}]")
    elif isinstance(value, str) and "enum" not in schema and "pattern" not in schema:
        yield path, value


def test_every_expected_string_is_stated_in_the_text(exp):
    for case in exp.cases:
        text = case.input["text"].casefold()
        for path, value in _strings(case.expected, exp.schema_for(case)):
            assert value.casefold() in text, (case.id, path, value)


def test_nulls_and_written_out_values_match_their_tags(exp):
    for case in exp.cases:
        flat = json.dumps(case.expected)
        assert ("null" in flat) == ("nullable" in case.tags), case.id
        dates = re.findall(r'"(\d{4}-\d{2}-\d{2})"', flat)
        if dates and "date_text" not in case.tags:
            assert any(d in case.input["text"] for d in dates), case.id


def test_max_tokens_fits_the_longest_answer(exp):
    # pretty-printed JSON is ≈ 2.7 characters a token (indents and quotes are tokens of their
    # own: with SmolLM2's tokenizer the longest, 474 characters, is 178 tokens), so 2.5 is a
    # safe estimate; 25% more leaves room for a code fence or a lead-in sentence
    longest = max(len(json.dumps(c.expected, indent=2)) for c in exp.cases)
    assert exp.spec.sampling.max_tokens >= 1.25 * longest / 2.5


def test_every_variant_renders_every_case(exp):
    for variant in exp.spec.variants:
        for case, _, user in prompts(exp, variant.name):
            assert case.input["text"] in user
