"""Pages generated from the database: models, experiments, and each experiment's cases.

They are plain Markdown in our own syntax (named queries + components), so they go through
the same render path, cache and escaping as an author's post. The adapter decides where they
live; here they are keyed by their path relative to the docs dir.
"""

from __future__ import annotations

import duckdb

CASES_PER_PAGE = 25


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def model_page(model_id: str, name: str) -> str:
    q = _quote(model_id)
    return f"""# {name}

```sql model
SELECT model_id, name, family, params, kind, quantization, license FROM models
WHERE model_id = {q}
```

```table
query: model
columns: {{model_id: Id, family: Family, params: Parameters, kind: Kind,
          quantization: Quantization, license: License}}
format: {{params: int}}
```

## Every experiment it took part in

```sql model_results
SELECT e.title AS experiment, o.experiment_id, o.variant, count(*) AS n,
       count(*) FILTER (WHERE o.passed) AS passed, avg(o.passed::INT) AS pass_rate
FROM outcomes o JOIN experiments e
  ON e.experiment_id = o.experiment_id AND e.version = o.experiment_version
WHERE o.model_id = {q}
GROUP BY ALL ORDER BY experiment, variant
```

```table
query: model_results
columns: {{experiment: Experiment, variant: Variant, n: n, pass_rate: Passed}}
format: {{pass_rate: percent}}
successes: passed
trials: n
```

"""


def _quote_yaml(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def generated_pages(con: duckdb.DuckDBPyConnection,
                    posts_by_experiment: dict[str, list[tuple[str, str]]]) -> dict[str, str]:
    """All generated pages: {path: markdown}. *posts_by_experiment* maps an experiment id to
    the (title, path) of the posts whose queries name it, for back-links."""
    pages: dict[str, str] = {}
    models = con.execute("SELECT model_id, name FROM models ORDER BY model_id").fetchall()
    experiments = con.execute(
        "SELECT experiment_id, max(version), any_value(title), any_value(description) "
        "FROM experiments GROUP BY 1 ORDER BY 1").fetchall()
    runs_by_model = dict(con.execute(
        "SELECT model_id, list(DISTINCT experiment_id ORDER BY experiment_id) FROM runs "
        "GROUP BY 1").fetchall())

    pages["models/index.md"] = _models_index() + "\n".join(
        f"- [{name}]({model_id}.md)" for model_id, name in models) + "\n"
    for model_id, name in models:
        body = model_page(model_id, name)
        exps = runs_by_model.get(model_id, [])
        scope = ("```scope\nexperiments: [" + ", ".join(_quote_yaml(e) for e in exps)
                 + f"]\nmodels: [{_quote_yaml(model_id)}]\n```\n") if exps else "No runs yet.\n"
        body += "\n## Scope\n\n" + scope
        pages[f"models/{model_id}.md"] = body

    pages["experiments/index.md"] = _experiments_index() + "\n".join(
        f"- [{title}]({exp_id}/index.md) · [cases]({exp_id}/cases.md)"
        for exp_id, _, title, _ in experiments) + "\n"
    for exp_id, version, title, description in experiments:
        n = con.execute("SELECT count(*) FROM cases WHERE experiment_id = ? AND "
                        "experiment_version = ?", [exp_id, version]).fetchall()[0][0]
        n_pages = max(1, -(-n // CASES_PER_PAGE))
        posts = posts_by_experiment.get(exp_id, [])
        pages[f"experiments/{exp_id}/index.md"] = _experiment_page(
            exp_id, version, title, description or "", n, posts)
        for page in range(1, n_pages + 1):
            pages[f"experiments/{exp_id}/{_cases_name(page)}"] = _cases_page(
                exp_id, title, version, page, n_pages)
    return pages


def _cases_name(page: int) -> str:
    return "cases.md" if page == 1 else f"cases-{page}.md"


def _models_index() -> str:
    return """# Models

```sql models_tested
SELECT m.model_id, m.name, m.family, m.params, m.kind, m.quantization,
       count(DISTINCT r.experiment_id) AS experiments, count(res.run_id) AS outputs
FROM models m LEFT JOIN runs r USING (model_id)
LEFT JOIN results res ON res.run_id = r.run_id
GROUP BY ALL ORDER BY m.params, m.model_id
```

```table
query: models_tested
columns: {model_id: Id, name: Model, family: Family, params: Parameters, kind: Kind,
          quantization: Quantization, experiments: Experiments, outputs: Scored outputs}
format: {params: int, outputs: int}
```

Every experiment each model took part in:

"""


def _experiments_index() -> str:
    return """# Experiments

```sql experiments_run
SELECT e.experiment_id, e.version, e.title, e.category,
       count(DISTINCT c.case_id) AS cases,
       (SELECT count(DISTINCT model_id) FROM runs r WHERE r.experiment_id = e.experiment_id
          AND r.experiment_version = e.version) AS models
FROM experiments e LEFT JOIN cases c
  ON c.experiment_id = e.experiment_id AND c.experiment_version = e.version
GROUP BY ALL ORDER BY e.experiment_id, e.version
```

```table
query: experiments_run
columns: {experiment_id: Id, version: Version, title: Title, category: Category,
          cases: Cases, models: Models}
```
"""


def _experiment_page(exp_id: str, version: int, title: str, description: str, n_cases: int,
                     posts: list[tuple[str, str]]) -> str:
    q = _quote(exp_id)
    post_links = "\n".join(f"- [{t}](../../{p})" for t, p in posts) or "- none yet"
    return f"""# {title}

{description}

[Every case, with every model's output →](cases.md)

## Results by model and variant

```sql experiment_results
SELECT model_id, variant, count(*) AS n, count(*) FILTER (WHERE passed) AS passed,
       avg(passed::INT) AS pass_rate
FROM outcomes WHERE experiment_id = {q} AND experiment_version = {version}
GROUP BY ALL ORDER BY model_id, variant
```

```table
query: experiment_results
columns: {{model_id: Model, variant: Variant, n: n, pass_rate: Passed}}
format: {{pass_rate: percent}}
successes: passed
trials: n
```

## Posts that use it

{post_links}

## Scope

```scope
experiments: [{_quote_yaml(exp_id)}]
```
"""


def _cases_page(exp_id: str, title: str, version: int, page: int, pages: int) -> str:
    nav = []
    if page > 1:
        nav.append(f"[← previous page]({_cases_name(page - 1)})")
    nav.append("[experiment](index.md)")
    if page < pages:
        nav.append(f"[next page →]({_cases_name(page + 1)})")
    links = " · ".join(nav)
    return f"""# {title}: cases{f" (page {page})" if page > 1 else ""}

{links}

```cases
experiment: {_quote_yaml(exp_id)}
version: {version}
page: {page}
per_page: {CASES_PER_PAGE}
```

{links}
"""
