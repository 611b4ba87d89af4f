from pathlib import Path

import pytest

from helpers import ROOT, TINY
from pipeline.config import load_model_registry
from pipeline.errors import ConfigError
from pipeline.loading import load_experiment


def test_seed_experiment_loads_with_enough_cases():
    exp = load_experiment(ROOT / "experiments" / "structured_json.yaml")
    assert len(exp.cases) >= 60
    assert {v.name for v in exp.spec.variants} >= {"naive", "instructed"}
    assert all(exp.schema_for(c) is not None for c in exp.cases)
    registry = load_model_registry(ROOT / "experiments" / "models.yaml")
    for model_id in exp.spec.models:
        assert registry.get(model_id).id == model_id


def test_render_puts_schema_and_text_in_prompt():
    exp = load_experiment(TINY)
    system, user = exp.render(exp.variant("constrained"), exp.cases[0])
    assert system == "Reply with one JSON object only."
    assert "Ada Park is 31 years old." in user


def _write(tmp_path: Path, text: str) -> Path:
    for f in ("cases.jsonl",):
        (tmp_path / f).write_text((TINY.parent / f).read_text())
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "person.json").write_text(
        (TINY.parent / "schemas" / "person.json").read_text())
    p = tmp_path / "exp.yaml"
    p.write_text(text)
    return p


def test_bad_key_names_file_line_and_key(tmp_path):
    text = TINY.read_text().replace("sampling: {temperature: 0.0", "sampling: {temperatur: 0.0")
    p = _write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_experiment(p)
    msg = str(err.value)
    assert f"{p}:9" in msg and "sampling.temperatur" in msg and "unknown key" in msg


def test_wrong_type_says_what_was_expected(tmp_path):
    p = _write(tmp_path, TINY.read_text().replace("version: 1", "version: one"))
    with pytest.raises(ConfigError, match=r"exp.yaml:2: version: .*integer"):
        load_experiment(p)


def test_bad_case_line_is_named(tmp_path):
    p = _write(tmp_path, TINY.read_text())
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": {"schema": "person"}}\n{"id": 5')
    with pytest.raises(ConfigError, match=r"cases.jsonl:2: invalid JSON"):
        load_experiment(p)


def test_case_with_unknown_schema_is_refused(tmp_path):
    p = _write(tmp_path, TINY.read_text())
    (tmp_path / "cases.jsonl").write_text('{"id": "a", "input": {"schema": "nope"}}\n')
    with pytest.raises(ConfigError,
                       match=r"cases.jsonl:1: input.schema: case 'a': 'nope' is not one"):
        load_experiment(p)


def test_unknown_model_id_lists_known_ids():
    registry = load_model_registry(ROOT / "experiments" / "models.yaml")
    with pytest.raises(ConfigError, match=r"unknown model id 'gpt-5'.*smollm2-135m"):
        registry.get("gpt-5")


def test_template_syntax_error_is_reported(tmp_path):
    p = _write(tmp_path, TINY.read_text().replace("{{ text }}\"\n  - name: constrained",
                                                  "{{ text }\"\n  - name: constrained"))
    with pytest.raises(ConfigError, match=r"variants.0.user.*invalid template"):
        load_experiment(p)


def test_variant_defaults_are_shared_and_a_variant_may_override_them():
    exp = load_experiment(ROOT / "experiments" / "rag_compliance.yaml")
    prompts = {(v.system, v.user, v.base_suffix) for v in exp.spec.variants}
    assert len(prompts) == 1 and len(exp.spec.variants) == 5  # written once, shared by all
    assert {v.guard for v in exp.spec.variants} == {v.name for v in exp.spec.variants}


def test_variant_defaults_cannot_name_a_variant(tmp_path):
    text = TINY.read_text().replace("variants:", "variant_defaults:\n  name: x\nvariants:", 1)
    bad = tmp_path / TINY.name
    bad.write_text(text)
    for item in TINY.parent.iterdir():
        if item.name != TINY.name:
            (tmp_path / item.name).symlink_to(item)
    with pytest.raises(ConfigError, match="variant_defaults: 'name' must be each variant"):
        load_experiment(bad)
