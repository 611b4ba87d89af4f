"""When two numbers count as the same value: the one rule every scorer uses.

A gold value is an exact number typed in a case file; the model's is a JSON number or a number
read from its text. Both end up as floats, so the same written value can differ in its last
bits (`0.1 + 0.2`, `1299` vs `1299.0`, a value read through a unit or currency), and nothing
else should count as equal: a model that rounds 3.14159 to 3.1416 did not give the value. So
the tolerance is float rounding only, relative 1e-9 (about a million times the rounding of one
float operation, far below any digit a case writes), with an absolute 1e-9 so that values near
zero compare too. One rule, so the same answer cannot pass one task and fail another (the
JSON-schema scorer once allowed a relative 1e-6).
"""

from __future__ import annotations

import math
from typing import Any

REL_TOL = 1e-9
ABS_TOL = 1e-9


def numbers_equal(expected: float, actual: float) -> bool:
    """Whether *actual* is the number *expected*, up to float rounding (REL_TOL, ABS_TOL)."""
    return math.isclose(float(expected), float(actual), rel_tol=REL_TOL, abs_tol=ABS_TOL)


def verdict_by_type(expected: Any, actual: Any) -> bool | None:
    """The verdict on a JSON value as far as its type settles it: null and booleans match
    only themselves (1 is not true), numbers by `numbers_equal` (a boolean is not a number),
    and a string, list or object never matches a value of another type (nor a list one of
    another length). None when the type does not settle it (a string against a string, a list
    or an object against its like): the caller's own rule decides. Shared by the JSON-field
    and function-call scorers, so both judge a number, a flag or a wrong type alike."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, (int, float)):
        return (not isinstance(actual, bool) and isinstance(actual, (int, float))
                and numbers_equal(expected, actual))
    for kind in (str, list, dict):
        if isinstance(expected, kind) and not isinstance(actual, kind):
            return False
    if isinstance(expected, list) and len(actual) != len(expected):
        return False
    return None
