"""`RunOptions`: one frozen, typed object for a run, validated at construction."""

import dataclasses
import pickle
import re

import pytest

from pipeline.errors import ConfigError
from pipeline.run_options import RunOptions, log_to_stderr
from pipeline.sharding import Shard


def test_defaults_and_normalised_ids():
    o = RunOptions()
    assert (o.models, o.variants, o.engine, o.limit, o.case_ids, o.shard, o.retry_errors,
            o.batch_size, o.progress, o.log, o.engine_loader) == (
        None, None, "auto", None, None, None, False, None, None, log_to_stderr, None)
    o = RunOptions(models=["a", "b"], variants=[], case_ids=[], shard=Shard(2, 3), limit=5)
    assert o.models == ("a", "b") and o.variants is None  # empty: the experiment's list
    assert o.case_ids == ()  # empty: no case at all
    assert o == pickle.loads(pickle.dumps(o))  # a Ray task gets it whole


def test_frozen_and_keyword_only():
    o = RunOptions(limit=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.limit = 4  # type: ignore[misc]
    with pytest.raises(TypeError):
        RunOptions(["m"])  # type: ignore[misc]
    assert dataclasses.replace(o, models=["m"]).models == ("m",)


@pytest.mark.parametrize(("kw", "message"), [
    ({"limit": 0}, "--limit must be at least 1, got 0"),
    ({"limit": True}, "--limit must be a whole number, got True"),
    ({"batch_size": 0}, "--batch-size must be at least 1, got 0"),
    ({"batch_size": 2.5}, "--batch-size must be a whole number, got 2.5"),
    ({"models": "smollm2-135m"}, "models must be a list of ids, got 'smollm2-135m'"),
    ({"case_ids": [1]}, "case_ids must be a list of ids, got [1]"),
    ({"engine": ""}, "engine must be a non-empty name, got ''"),
    ({"shard": "1/3"}, "shard must be a Shard"),
    ({"retry_errors": "yes"}, "retry_errors must be True or False"),
    ({"progress": 1}, "progress must be None, True or False"),
    ({"log": None}, "log must be callable"),
    ({"engine_loader": "vllm"}, "engine_loader must be callable"),
])
def test_bad_options_are_refused_at_construction(kw, message):
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        RunOptions(**kw)
    with pytest.raises(ConfigError):  # replace() validates again
        dataclasses.replace(RunOptions(), **kw)
