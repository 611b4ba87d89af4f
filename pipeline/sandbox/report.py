"""Reading a sandboxed program's report: the last stdout line tagged with a secret nonce.

Why a nonce: the program under test shares stdout with the harness that reports on it, and
may print anything, a fake report included; only the harness knows the nonce, drawn afresh
for each run, so only its line is believed. The caller checks the report's shape.
"""

from __future__ import annotations

import json
from typing import Any


def tagged_json(stdout: str, nonce: str) -> Any | None:
    """The JSON value after `nonce + " "` on the last line that starts with it, or None when
    there is no such line or it does not parse."""
    tag = nonce + " "
    for line in reversed(stdout.split("\n")):
        if line.startswith(tag):
            try:
                return json.loads(line[len(tag):])
            except ValueError:
                return None
    return None


__all__ = ["tagged_json"]
