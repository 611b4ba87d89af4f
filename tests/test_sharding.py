"""Shards partition cases by id: disjoint, complete, stable under reordering."""

import pytest

from pipeline.errors import ConfigError
from pipeline.sharding import Shard, parse_shard


def test_shards_are_disjoint_and_cover_every_case():
    ids = [f"case-{i}" for i in range(500)]
    parts = [[c for c in ids if Shard(i, 4).contains(c)] for i in range(1, 5)]
    assert sorted(c for p in parts for c in p) == sorted(ids)
    assert all(60 < len(p) < 190 for p in parts)  # roughly balanced
    # membership depends on the id only, not on position or the other cases
    assert [c for c in reversed(ids) if Shard(2, 4).contains(c)] == parts[1][::-1]


@pytest.mark.parametrize("text", ["0/3", "4/3", "1-3", "a/b", "1/0"])
def test_bad_shard_specs_are_clear_errors(text):
    with pytest.raises(ConfigError, match="--shard"):
        parse_shard(text)


def test_parse():
    assert parse_shard(" 2/3 ") == Shard(2, 3) and str(Shard(2, 3)) == "2/3"
