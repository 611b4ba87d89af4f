"""The experiments' case-file tests share one kit (tests/helpers.py): `committed(id)` loads an
experiment once per session through the real loader, `assert_wiring` checks what its file
promises, `refusal` loads a broken copy and returns the error. Here: the `exp` fixture, the
experiment the test module names in `EXPERIMENT` (a module that covers several experiments
parametrises its own `exp` over `committed`)."""

from __future__ import annotations

import pytest

from helpers import committed
from pipeline.config.experiment import Experiment


@pytest.fixture(scope="module")
def exp(request: pytest.FixtureRequest) -> Experiment:
    return committed(request.module.EXPERIMENT)
