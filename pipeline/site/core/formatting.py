"""Number formats shared by tables, inline values and stats."""

from __future__ import annotations

import math
from typing import Any, Literal

Format = Literal["auto", "percent", "int", "float", "float1", "float2", "p", "text"]
FORMATS: tuple[str, ...] = ("auto", "percent", "int", "float", "float1", "float2", "p", "text")


def _missing(value: Any) -> bool:
    try:
        return value is None or (isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def format_value(value: Any, fmt: str = "auto") -> str:
    """Format one value. Missing values render as an em dash, never as 'nan'."""
    if _missing(value):
        return "—"
    if fmt == "percent":
        return f"{float(value) * 100:.1f}%"
    if fmt == "int":
        return f"{int(round(float(value))):,}"
    if fmt in ("float", "float2"):
        return f"{float(value):,.2f}"
    if fmt == "float1":
        return f"{float(value):,.1f}"
    if fmt == "p":  # a p-value: three decimals, and never a misleading "0.000"
        return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"
    if fmt == "auto":
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, int) or (hasattr(value, "is_integer") and
                                      isinstance(value, float) and value.is_integer()):
            return f"{int(value):,}"
        if isinstance(value, float):
            return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def format_ci(lo: float, hi: float, fmt: str = "percent") -> str:
    if _missing(lo) or _missing(hi):  # 0 of 0: no interval, one dash (not "—–—")
        return "—"
    return f"{format_value(lo, fmt).rstrip('%')}–{format_value(hi, fmt)}"


def round_down_plus(n: int) -> str:
    """'2,000+' style for site stats: exact below 1,000; else floored to 2 significant digits,
    with '+' when that floor lost something."""
    if n < 1000:
        return f"{n:,}"
    digits = len(str(n))
    step = 10 ** (digits - 2)
    floored = (n // step) * step
    return f"{floored:,}" + ("+" if floored != n else "")
