"""The one strict base model for everything an author writes.

Why strict: an unknown key is almost always a typo (`temprature: 0.7`) that would otherwise be
dropped without a word and leave the default in force; a frozen object cannot be changed
after it was validated, so code after load may trust it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """A pydantic model that refuses unknown keys and cannot be changed once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


__all__ = ["StrictModel"]
