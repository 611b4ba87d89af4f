"""Colours for charts: one fixed colour per model across the whole site.

A reader who has seen SmolLM2 drawn in blue on one chart should find it blue on every chart
of every post, whatever the chart's query calls it ("smollm2-135m", "SmolLM2 135M Instruct",
"smollm2-135m · engine v1"). So a model's colour comes from the site's model registry (the
database's `models` table), not from the order a query happens to return its rows in:
base models take the colours of `MODEL_COLOURS` in model-id order, an adapter takes its base
model's colour, and a label that names a model plus something else (a setup, a guard, an
adapter) is drawn in a shade of that model's colour, so variants of one model read as a family.

Labels that name no model (outcomes, metrics, tiers) take `OTHER_COLOURS`, a palette chosen
apart from the model colours so that a metric is never mistaken for a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.hashing import sha256_hex

# Okabe–Ito-derived, colour-blind-safe, strong hues: one per base model
MODEL_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
                 "#8C6D31", "#7B4FA0", "#2F4B7C", "#A05195")
# For everything that is not a model: greys and muted hues, distinct from the model colours
OTHER_COLOURS = ("#4C566A", "#88C0D0", "#B48EAD", "#A3BE8C", "#EBCB8B", "#BF616A",
                 "#5E81AC", "#D08770", "#8FBCBB", "#6B7B8C", "#C9A227", "#9A8C98")
# Outcomes that mean success: always this green (from OTHER_COLOURS, never a model's)
SUCCESS_LABELS = frozenset({"pass", "passed", "correct", "ok", "success", "succeeded"})
SUCCESS_COLOUR = "#A3BE8C"
# Lightness offsets for the variants of one model (the first variant keeps the base colour)
SHADES = (0.0, 0.22, -0.16, 0.34, -0.26, 0.12, 0.44)
# Bar patterns for the variants beyond what a shade can tell apart
PATTERNS = ("", "/", ".", "x", "\\", "+", "-")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", " ", text.lower()).strip()


def shade(hex_colour: str, offset: float) -> str:
    """*hex_colour* mixed toward white (offset > 0) or black (offset < 0) by |offset|:
    the hue stays, so the shades of one model still read as that model."""
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    target = 255 if offset > 0 else 0
    mixed = [round(c + (target - c) * min(abs(offset) * 1.5, 0.8)) for c in rgb]
    return "#{:02X}{:02X}{:02X}".format(*mixed)


@dataclass(frozen=True)
class Model:
    model_id: str
    name: str
    base: str | None = None  # an adapter's base model id


@dataclass
class Palette:
    """The site's colours: built once per build from the registered models."""

    models: Sequence[Model] = ()
    _colour: dict[str, str] = field(default_factory=dict, init=False)
    # (normalised alias, the model it colours as, whether it names that model itself)
    _aliases: list[tuple[str, str, bool]] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        bases = sorted(m.model_id for m in self.models if not m.base)
        for i, model_id in enumerate(bases):
            self._colour[model_id] = MODEL_COLOURS[i % len(MODEL_COLOURS)]
        for m in self.models:
            root = m.base if m.base in self._colour else None
            self._colour.setdefault(m.model_id, self._colour.get(root or "", MODEL_COLOURS[0]))
            # an alias (id, name, name without its "(base)"-style note) names the model's
            # root: an adapter's own name is matched first (longest alias first)
            for alias in {m.model_id, m.name, re.sub(r"\s*\(.*?\)", "", m.name)}:
                if _norm(alias):
                    self._aliases.append((_norm(alias), root or m.model_id, root is None))
        self._aliases.sort(key=lambda a: -len(a[0]))

    @property
    def digest(self) -> str:
        """Changes when a model's colour could: part of a cached chart's key."""
        text = "\n".join(sorted(f"{m.model_id}\t{m.name}\t{m.base}" for m in self.models))
        return sha256_hex(text)[:16]

    def colour_of(self, model_id: str) -> str:
        """A registered model's own colour (an adapter: its base model's)."""
        return self._colour[model_id]

    def model_of(self, label: str) -> str | None:
        """The model a label names (an adapter: its base model), or None."""
        text = f" {_norm(label)} "
        for alias, model_id, _ in self._aliases:
            if f" {alias} " in text:
                return model_id
        return None

    def colours(self, labels: Iterable[str]) -> dict[str, dict[str, str]]:
        """{label: {"color": hex, "pattern": shape}} for the labels of one chart.

        Labels naming the same model get shades (and, past the shades, patterns) of its
        colour in the order given; a label that *is* the model (or its adapter-free name)
        keeps the pure colour. Other labels take the muted palette in the order given.
        """
        labels = list(dict.fromkeys(labels))
        out: dict[str, dict[str, str]] = {}
        by_model: dict[str, list[str]] = {}
        others: list[str] = []
        for label in labels:
            model_id = self.model_of(label)
            if model_id is None:
                others.append(label)
            else:
                by_model.setdefault(model_id, []).append(label)
        for model_id, group in by_model.items():
            base = self._colour[model_id]
            own = {a for a, m, itself in self._aliases if m == model_id and itself}
            exact = [g for g in group if _norm(g) in own]
            ordered = exact + [g for g in group if g not in exact]
            for i, label in enumerate(ordered):
                out[label] = {"color": shade(base, SHADES[i % len(SHADES)]) if i else base,
                              "pattern": PATTERNS[(i // len(SHADES)) % len(PATTERNS)]}
        # an outcome that means success is green wherever it is drawn; the rest take the
        # other colours, and past them repeat with a pattern (bars) so none look alike
        rest = [c for c in OTHER_COLOURS if c != SUCCESS_COLOUR]
        i = 0
        for label in others:
            if label.strip().lower() in SUCCESS_LABELS:
                out[label] = {"color": SUCCESS_COLOUR, "pattern": ""}
                continue
            out[label] = {"color": rest[i % len(rest)],
                          "pattern": PATTERNS[(i // len(rest)) % len(PATTERNS)]}
            i += 1
        return out
