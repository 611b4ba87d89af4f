"""Deterministic case partitions for `--shard i/N`.

A case belongs to shard i when a hash of its id says so, not its position: adding, removing
or reordering cases never moves the other cases between shards, and every machine computes
the same partition without talking to the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.errors import ConfigError
from pipeline.hashing import sha256_hex


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count`, 1-based as written on the command line (`--shard 2/3`)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise ConfigError(f"--shard {self.index}/{self.count}: need 1 <= i <= N")

    def contains(self, case_id: str) -> bool:
        # the first 8 bytes of the case id's sha256, as a big-endian number
        return int(sha256_hex(case_id)[:16], 16) % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not m:
        raise ConfigError(f"--shard {text!r}: expected i/N, e.g. 1/3")
    return Shard(int(m.group(1)), int(m.group(2)))
