"""Site stats from the database: experiments, models tested, test cases, scored outputs.

Models are base models: a fine-tuned adapter (a LoRA with its own model id) is counted apart,
"3 models + 1 fine-tuned adapter tested", not as a fourth model."""

from __future__ import annotations

from pipeline.site.core.components.base import Options, RenderState, component, render_template
from pipeline.site.core.formatting import round_down_plus
from pipeline.site.core.query import QueryScope
from pipeline.site.core.store_queries import site_stats


class StatsOptions(Options):
    pass


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def _part(n: int, one: str, many: str) -> tuple[str, str]:
    return round_down_plus(n), _plural(n, one, many)


@component("stats", StatsOptions)
def stats(o: StatsOptions, scope: QueryScope, line: int, state: RenderState) -> str:
    s = site_stats(lambda sql: scope.run(sql, line, author=False))._asdict()
    models = [_part(s["models"], "model", "models")]
    if s["adapters"]:
        models.append(_part(s["adapters"], "fine-tuned adapter", "fine-tuned adapters"))
    # each item: its key (data-stat), its (number, noun) parts joined by "+", a last word
    items = [
        ("experiments", [_part(s["experiments"], "experiment", "experiments")], ""),
        ("models", models, "tested"),
        ("cases", [_part(s["cases"], "test case", "test cases")], ""),
        ("outputs", [_part(s["outputs"], "scored output", "scored outputs")], ""),
    ]
    return render_template("stats.html", items=items, exact=s)
