"""What one `run` should do, validated once: `RunOptions`.

The command line (`pipeline run`), the Ray launcher, `rerun`, the bench scripts and the tests
all build one `RunOptions` and hand it to `pipeline.runner.run_experiment` /
`run_experiments`; nothing after construction re-checks it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError
from pipeline.sharding import Shard

if TYPE_CHECKING:
    from pipeline.config.models import ModelSpec
    from pipeline.engines import Engine

EngineLoader = Callable[[str, "ModelSpec"], "Engine"]


def log_to_stderr(line: str) -> None:
    """The default `RunOptions.log`: one line per run on stderr."""
    print(line, file=sys.stderr)


@dataclass(frozen=True, kw_only=True)
class RunOptions:
    """Which models, variants and cases to run, on which engine, and how.

    Construction validates every field and raises `ConfigError` (printed by the CLI without a
    traceback) on a bad one, so a caller holding a `RunOptions` may rely on:

    - `models`, `variants`: None, or a non-empty tuple of strings (a list is copied into a
      tuple; an empty one becomes None). None means every model / variant the experiment
      names. Whether the ids exist is checked against the registry and the experiment, by the
      runner, before any model loads.
    - `engine`: a non-empty engine name, or "auto" (vLLM when it is installed and an NVIDIA
      GPU is present, else llama.cpp).
    - `limit`: None (all cases) or an int >= 1: the first `limit` cases of the experiment.
    - `case_ids`: None, or a tuple of case ids (possibly empty: then no case runs); only these
      cases run (after `limit`). Unknown ids are refused by the runner.
    - `shard`: None, or a valid `Shard` (only the cases that hash into it run).
    - `sample`: None, or an int >= 1: a seeded random sample of that many of the selected
      cases (the same `sample_seed` picks the same cases on every machine, whatever their
      order in the file).
    - `sample_seed`: the int seed of that sample (default 0).
    - `repeat`: 0 (a measurement) or an int >= 1: the k-th repeat of the same runs, stored
      as runs of their own (`runs.repeat`, joining the run id) that `outcomes` leaves out and
      the `repeats` view pairs with the measurement: the noise floor of the engine.
    - `retry_errors`: a bool; True generates again the samples stored as engine errors.
    - `batch_size`: None (the engine's preferred size) or an int >= 1: cases per committed
      batch.
    - `progress`: None (bars on a terminal only), True or False.
    - `log`: a callable given one line per finished run (default: stderr).
    - `engine_loader`: None (the registered engine named by `engine`, with a check that
      every model's weights can be found before the first loads) or a callable
      `(engine name, ModelSpec) -> Engine` (tests, benchmarks: no such check).

    The object is frozen; derive a variant with `dataclasses.replace` (which validates
    again). Only `repeat` joins a run's id (when non-zero); the others act through what they
    select (engine, cases): the same options give the same run ids.
    """

    models: Sequence[str] | None = None
    variants: Sequence[str] | None = None
    engine: str = "auto"
    limit: int | None = None
    case_ids: Sequence[str] | None = None
    shard: Shard | None = None
    sample: int | None = None
    sample_seed: int = 0
    repeat: int = 0
    retry_errors: bool = False
    batch_size: int | None = None
    progress: bool | None = None
    log: Callable[[str], None] = log_to_stderr
    engine_loader: EngineLoader | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise in place during construction only
        for name in ("models", "variants"):
            ids = _ids(name, getattr(self, name))
            set_(self, name, ids or None)
        set_(self, "case_ids", _ids("case_ids", self.case_ids))
        if not isinstance(self.engine, str) or not self.engine:
            raise ConfigError(f"engine must be a non-empty name, got {self.engine!r}")
        _at_least_one("--limit", self.limit)
        _at_least_one("--batch-size", self.batch_size)
        _at_least_one("--sample", self.sample)
        for flag, value in (("--sample-seed", self.sample_seed), ("--repeat", self.repeat)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ConfigError(f"{flag} must be a whole number >= 0, got {value!r}")
        if self.shard is not None and not isinstance(self.shard, Shard):
            raise ConfigError(f"shard must be a Shard (e.g. parse_shard('1/3')), "
                              f"got {self.shard!r}")
        if not isinstance(self.retry_errors, bool):
            raise ConfigError(f"retry_errors must be True or False, got {self.retry_errors!r}")
        if self.progress is not None and not isinstance(self.progress, bool):
            raise ConfigError(f"progress must be None, True or False, got {self.progress!r}")
        if not callable(self.log):
            raise ConfigError(f"log must be callable, got {self.log!r}")
        if self.engine_loader is not None and not callable(self.engine_loader):
            raise ConfigError(f"engine_loader must be callable, got {self.engine_loader!r}")


def _ids(name: str, value: Sequence[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    try:
        items = None if isinstance(value, str) else tuple(value)
    except TypeError:
        items = None
    if items is None or not all(isinstance(v, str) for v in items):
        raise ConfigError(f"{name} must be a list of ids, got {value!r}")
    return items


def _at_least_one(flag: str, value: int | None) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"{flag} must be a whole number, got {value!r}")
    if value < 1:
        raise ConfigError(f"{flag} must be at least 1, got {value}")
