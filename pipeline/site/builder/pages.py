"""Pages generated from the database: models, experiments, and each experiment's cases.

They are Markdown in our own syntax (named queries + components), so their numbers go
through the same render path, cache and escaping as an author's post. Every string from the
database reaches them through autoescaped Jinja templates (`templates/pages/`) whose
`finalize` hook also neutralises Markdown, fence and template syntax; ids reach SQL as
literals that cannot end the fence they sit in, component options as JSON-quoted YAML, and
file paths as slugs (`pipeline.site.core.urls`). A model name like
`<script>…</script>` or `{{ value x.y }}` therefore shows as those characters, and an id
like `../../x` cannot choose where a page is written.

The adapter decides where they live; here they are keyed by their path relative to the docs
dir.
"""

from __future__ import annotations

import json
import re
from typing import Any

import duckdb
import jinja2
from markupsafe import Markup

from pipeline.site.builder.experiment_reference import (
    EXPERIMENT_REFERENCE_PATH,
    experiment_reference,
)
from pipeline.site.builder.reference import REFERENCE_PATH, database_reference
from pipeline.site.core.escaping import escape_text, finalize_text, scrub
from pipeline.site.core.outcomes import UNKNOWN, Outcomes, outcome_sql, outcomes_of
from pipeline.site.core.store_queries import (
    case_count,
    experiment_scorers,
    experiment_summaries,
    experiments_by_model,
    imported_tools,
    model_names,
    samples_per_case,
)
from pipeline.site.core.urls import cases_per_page, experiment_dir, model_path, slug

_SQL_PLAIN = re.compile(r"[A-Za-z0-9 ._:/@+-]*")


def sql_literal(value: str) -> str:
    """A DuckDB string literal for *value*. Plain text is quoted as usual; anything else
    (newlines, backticks, quotes, control characters) is spelled in hex, so the literal is
    one line that no Markdown fence or SQL parser can misread."""
    if _SQL_PLAIN.fullmatch(value):
        return "'" + value + "'"
    return f"decode(from_hex('{scrub(value).encode('utf-8').hex()}'))"


def _page_title(value: str) -> Markup:
    # MkDocs themes print page titles unescaped, so the title is escaped text already;
    # JSON is valid YAML, so the front matter cannot be broken out of either.
    return Markup(json.dumps(escape_text(value)))


def _trusted(value: str) -> Markup:
    """Text this module built itself (relative links, authors' page paths)."""
    return Markup(value)


_env = jinja2.Environment(
    loader=jinja2.PackageLoader("pipeline.site", "templates/pages"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    finalize=finalize_text,
)
_env.filters.update(
    page_title=_page_title,
    sql=lambda v: Markup(sql_literal(str(v))),
    yaml=lambda v: Markup(json.dumps(v)),
    model_link=lambda v: Markup(slug(str(v)) + ".md"),
    experiment_link=lambda v: Markup(slug(str(v))),
    trusted=_trusted,
)


def render_page(template: str, **ctx: Any) -> str:
    """Render a generated page's template (autoescaped, Markdown-neutralised)."""
    return _env.get_template(template).render(**ctx)


_render = render_page


def _title(label: str) -> str:
    return label[:1].upper() + label[1:]


def _outcome_columns(outcomes: Outcomes) -> list[dict[str, Any]]:
    """The experiment's outcomes as the experiment page's rate columns, primary first: the
    column name, the header (the label), the field and the SQL of the outcome per row."""
    cols = []
    for i, o in enumerate(outcomes.shown, start=1):
        join, expr = outcome_sql(o.field, f"s{i}")
        cols.append({"column": f"outcome_{i}", "title": _title(o.label), "label": o.label,
                     "field": o.field, "join": Markup(join), "sql": Markup(expr)})
    return cols


def _results_table(outcomes: Outcomes) -> dict[str, Any]:
    """The experiment page's results table: its outcome columns, headers and formats."""
    cols = _outcome_columns(outcomes)
    held = [o.label for o in outcomes.shown[1:] if o.field == outcomes.passed]
    return {"outcomes": cols, "passed_label": held[0] if held else "",
            "columns": {"model_id": "Model", "variant": "Variant", "n": "n",
                        **{c["column"]: c["title"] for c in cols}},
            "formats": {c["column"]: "percent" for c in cols}}


def _primary_outcomes(by_version: dict[tuple[str, int], Outcomes],
                      experiments: list[str]) -> list[dict[str, Markup]]:
    """The model page's rows of (experiment, version, label, field) for the primary outcome
    of every version of *experiments*, as SQL literals."""
    return [{"experiment": Markup(sql_literal(exp)), "version": Markup(str(int(version))),
             "label": Markup(sql_literal(outs.primary.label)),
             "field": Markup(sql_literal(outs.primary.field))}
            for (exp, version), outs in sorted(by_version.items()) if exp in experiments]


def generated_pages(con: duckdb.DuckDBPyConnection,
                    posts_by_experiment: dict[str, list[tuple[str, str]]],
                    claims: list[dict[str, Any]] | None = None) -> dict[str, str]:
    """All generated pages: {path: markdown}. *posts_by_experiment* maps an experiment id to
    the (title, path) of the posts whose queries name it, for back-links. *claims* (from
    `pipeline.site.builder.ledger.post_claims`) makes the claims ledger; None leaves it out."""
    pages: dict[str, str] = {}
    if claims is not None:
        from pipeline.site.builder.ledger import LEDGER_PATH, ledger_markdown

        pages[LEDGER_PATH] = ledger_markdown(claims)
    models = model_names(con)
    experiments = experiment_summaries(con)
    runs_by_model = experiments_by_model(con)
    # each experiment version's outcomes, as its scorer declares them (pipeline.site.core.outcomes)
    outcomes = {key: outcomes_of(name) for key, name in experiment_scorers(con).items()}

    pages["models/index.md"] = _render("models_index.md", models=models)
    for model_id, name in models:
        ran = runs_by_model.get(model_id, [])
        pages[model_path(model_id)] = _render(
            "model.md", model_id=model_id, name=name or model_id, experiments=ran,
            primary=_primary_outcomes(outcomes, ran))

    pages["experiments/index.md"] = _render(
        "experiments_index.md",
        experiments=[{"id": e, "title": t or e} for e, _, t, _, _ in experiments])
    for exp_id, version, title, description, older in experiments:
        folder = experiment_dir(exp_id)
        pages[f"{folder}/index.md"] = _render(
            "experiment.md", experiment_id=exp_id, version=int(version),
            title=title or exp_id, description=description or "",
            posts=posts_by_experiment.get(exp_id, []), older=[int(v) for v in older or []],
            imported=imported_tools(con, exp_id, int(version)),
            **_results_table(outcomes.get((exp_id, int(version)), UNKNOWN)))
        # The latest version's cases at cases.md; each earlier version's (whose results stay
        # in the database and in posts) under v<N>/, so every number keeps its cases.
        for v in [int(version), *(int(v) for v in older or [])]:
            sub = "" if v == version else f"v{v}/"
            n = case_count(con, exp_id, v)
            # a page holds about OUTPUTS_PER_PAGE outputs: an experiment whose cases each
            # have many outputs (models x variants x samples) gets fewer cases per page, so
            # a page's size is bounded by the values it shows, not by the lineup's size
            outputs = samples_per_case(con, exp_id, v)
            per_page = cases_per_page(outputs)
            n_pages = max(1, -(-n // per_page))
            for page in range(1, n_pages + 1):
                heading = (f"{title or exp_id}: cases" + (f" of version {v}" if sub else "")
                           + (f" (page {page})" if page > 1 else ""))
                outs = outcomes.get((exp_id, v), UNKNOWN)
                pages[f"{folder}/{sub}{_cases_name(page)}"] = _render(
                    "cases.md", experiment_id=exp_id, version=v, page=page,
                    per_page=per_page, nav=_cases_nav(page, n_pages, "../" if sub else ""),
                    heading=heading, passed=outs.passed,
                    outcomes=[{"field": o.field, "label": o.label} for o in outs.shown])
    pages[REFERENCE_PATH] = database_reference(con)
    pages[EXPERIMENT_REFERENCE_PATH] = experiment_reference()
    return pages


def _cases_name(page: int) -> str:
    return "cases.md" if page == 1 else f"cases-{page}.md"


def _cases_nav(page: int, pages: int, up: str = "") -> str:
    nav = []
    if page > 1:
        nav.append(f"[← previous page]({_cases_name(page - 1)})")
    nav.append(f"[experiment]({up}index.md)")
    if page < pages:
        nav.append(f"[next page →]({_cases_name(page + 1)})")
    return " · ".join(nav)
