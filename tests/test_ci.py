"""CI runs every test in exactly one place and skips none: the main venv's `make test` runs
pytest with `--require-all` (a skip fails) and deselects the `vllm_venv` tests, and `make vllm`
runs those, also with `--require-all`, from files it names (its venv lacks the main one's
packages, so it cannot collect the whole tree). A new `vllm_venv` file must be named there."""

import re

from helpers import ROOT

MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def recipe(target: str) -> str:
    """The commands of a Makefile target (its tab-indented lines, continuations joined)."""
    match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", MAKEFILE, re.M)
    assert match, f"Makefile has no target {target!r}"
    return match.group(1).replace("\\\n", " ")


def test_the_main_run_fails_on_skips_and_leaves_the_vllm_tests_out():
    assert re.search(r'-m pytest --require-all -m "not vllm_venv"', recipe("test"))
    assert "$(MAKE) vllm" in recipe("test")


def test_make_vllm_runs_every_file_with_vllm_venv_tests():
    run = [line for line in recipe("vllm").splitlines() if "-m pytest" in line]
    assert run and all("--require-all -m vllm_venv" in line for line in run)
    marked = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py")
                    if "vllm_venv" in p.read_text(encoding="utf-8") and p.name != "test_ci.py")
    assert "tests/finetune/test_train.py" in marked  # the trainer needs torch and peft
    assert all(path in " ".join(run) for path in marked), (marked, run)
