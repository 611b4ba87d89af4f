"""pipeline.site.core.store_queries is the one place of the site that knows the store's schema:
its statements run on a real store, and no other module of pipeline/site/ holds SQL that
names the store's tables or views or reads the schema catalog."""

import re

import duckdb
import pytest

from helpers import CTX, ROOT, model, row, run_spec
from pipeline.config.models import Adapter
from pipeline.site.builder.cards import data_date
from pipeline.site.core import store_queries as sq
from pipeline.site.core.render import render_markdown
from pipeline.store import Store
from pipeline.store.schema import DDL_V1, MIGRATIONS

SITE = ROOT / "pipeline" / "site"
# every table and view the store's schema has ever created, migrations included
RELATIONS = sorted(set(re.findall(r"CREATE (?:TABLE|VIEW|OR REPLACE VIEW) (\w+)",
                                  DDL_V1 + "\n".join(MIGRATIONS.values()))))
# SQL keywords in capitals, as the site writes them (prose "read from results" is no match);
# a name may be qualified and quoted ("{db}".main."runs")
STORE_SQL = re.compile(
    rf"\b(?:FROM|JOIN)\s+(?:\"?[\w{{}}]+\"?\.)*\"?(?:{'|'.join(RELATIONS)})\b"
    r"|information_schema|duckdb_(?:columns|constraints|views|tables)\(\)")
# The query cache lists every relation to fingerprint it, whatever the schema: no knowledge
# of the store's tables, so it may read the catalog itself.
GENERIC_CATALOG = {"cache.py": {"duckdb_tables()", "duckdb_views()"}}


@pytest.fixture(scope="module")
def con(shared_dbs):
    db = shared_dbs.get({("m1", "plain"): [True, False, True], ("m2", "plain"): [True, True, True]})
    con = duckdb.connect(str(db), read_only=True)
    yield con
    con.close()


def test_catalog(con):
    assert {"experiments", "models", "runs", "cases", "results", "scores",
            "outcomes"} <= sq.relation_names(con)
    columns = sq.relation_columns(con)
    assert {"run_id", "experiment_id", "model_id"} <= columns["runs"]
    assert [c for c, _, _ in sq.schema_columns(con)["models"]][0] == "model_id"
    assert sq.primary_keys(con)["models"] == ("model_id",)
    assert "outcomes" in sq.view_names(con) and "runs" not in sq.view_names(con)


def test_experiments_models_runs(con):
    assert sq.experiment_ids(con) == ["tiny_json"]
    assert sq.latest_version(con, "tiny_json") == 1
    assert sq.latest_version(con, "nope") is None
    [summary] = sq.experiment_summaries(con)
    assert (summary.experiment_id, summary.version, summary.older_versions) == (
        "tiny_json", 1, None)
    assert summary.title
    assert sq.model_names(con) == [("m1", "m1"), ("m2", "m2")]
    assert sq.experiments_by_model(con) == {"m1": ["tiny_json"], "m2": ["tiny_json"]}
    keys = sq.run_keys(con)
    assert sorted(k.model_id for k in keys) == ["m1", "m2"]
    assert all(k.experiment_version == "1" for k in keys)  # text, as the lineage wants
    assert sq.experiments_of_runs(con, [k.run_id for k in keys]) == ["tiny_json"]
    assert sq.experiments_of_runs(con, ["no-such-run"]) == []
    runs = sq.run_provenance(con, ["tiny_json"])
    assert list(runs["model"]) == ["m1", "m2"]
    assert list(runs["outputs"]) == [3, 3] and list(runs["total_cases"]) == [3, 3]
    m1 = sq.run_provenance(con, ["tiny_json"], models=["m1"])
    assert list(m1["model"]) == ["m1"]
    one = sq.run_provenance(con, ["tiny_json"], run_ids=[keys[0].run_id])
    assert len(one) == 1


def test_cases_and_outputs(con):
    assert sq.case_count(con, "tiny_json", 1) == 3
    assert sq.case_count(con, "tiny_json", 2) == 0
    assert sq.samples_per_case(con, "tiny_json", 1) == 2
    assert sq.samples_per_case(con, "tiny_json", 2) == 0
    page = sq.case_page(con, "tiny_json", 1, page=2, per_page=2)
    assert list(page["position"]) == [2]
    first = sq.case_page(con, "tiny_json", 1, page=1, per_page=2)
    outputs = sq.case_outputs(con, "tiny_json", 1, list(first["case_id"]))
    assert len(outputs) == 4  # two cases x two models
    assert list(outputs["model_id"]) == ["m1", "m1", "m2", "m2"]
    assert set(outputs["case_id"]) == set(first["case_id"])


def test_outcome_fields(con):
    assert sq.experiment_scorer(con, "tiny_json", 1) == "json_fields"
    assert sq.experiment_scorer(con, "nope", 1) is None
    assert sq.experiment_scorers(con) == {("tiny_json", 1): "json_fields"}
    outputs = sq.case_outputs(con, "tiny_json", 1, ["p2"], ["field_accuracy", "parses"])
    assert [sorted((d["metric"], d["value"]) for d in s) for s in outputs["scores"]] == [
        [("field_accuracy", 0.5), ("parses", 1.0)], [("field_accuracy", 1.0), ("parses", 1.0)]]
    assert sq.outcome_sql("passed", "s1") == ("", "coalesce(o.passed, false)")
    join, expr = sq.outcome_sql("parses", "s1", "x")
    rows = con.execute(f"SELECT x.case_id, {expr} FROM outcomes x {join} "
                       "WHERE x.model_id = 'm1' ORDER BY 1").fetchall()
    assert rows == [("p1", True), ("p2", True), ("p3", True)]


def test_site_stats(con):
    stats = sq.site_stats(lambda sql: con.execute(sql).df())
    assert stats == sq.SiteStats(experiments=1, models=2, cases=3, outputs=6, adapters=0)


def _adapter(model_id: str, base: str):
    return model(model_id).model_copy(update={"adapter": Adapter(name="lora", base=base)})


def test_site_stats_count_an_adapter_apart_from_the_base_models(results_db):
    """A fine-tuned LoRA adapter is its own model id (models.spec.adapter names its base): the
    stats line counts base models and the adapter apart, "2 models + 1 fine-tuned adapter
    tested", not "3 models". A registered adapter without outputs is not counted."""
    db = results_db({("m1", "plain"): [True, False, True], ("m2", "plain"): [True, True, True]},
                    write=True)
    store = Store(db)
    store.sync_model(_adapter("m1-lora", "m1"))
    store.sync_model(_adapter("m2-lora", "m2"))  # registered, never run
    run_id = store.start_run(run_spec("m1-lora", "plain"), CTX)
    store.write_results(run_id, [row(c, True) for c in ("p1", "p2", "p3")])
    store.refresh_status(run_id)
    con = duckdb.connect(str(db), read_only=True)
    try:
        stats = sq.site_stats(lambda sql: con.execute(sql).df())
        assert stats == sq.SiteStats(experiments=1, models=2, cases=3, outputs=9, adapters=1)
        html = render_markdown("```stats\n```\n", con).markdown
    finally:
        con.close()
    models = re.search(r'<span class="llmx-stat" data-stat="models"[^>]*>(.*?)</span>', html)
    assert re.sub(r"<[^>]+>", "", models.group(1)) == "2 models + 1 fine-tuned adapter tested"
    assert 'data-exact="2"' in models.group(0) and 'data-adapters="1"' in models.group(0)


def test_a_posts_data_date_is_its_experiments_latest_finished_run(results_db):
    db = results_db({("m1", "plain"): [True, False, True]}, write=True)
    con = duckdb.connect(str(db))
    con.execute("UPDATE runs SET finished_at = TIMESTAMP '2026-12-05 23:10:00'")
    # a second experiment's run, earlier, and one that never finished (no date of its own)
    for exp, finished in (("other", "TIMESTAMP '2026-11-02 08:00:00'"), ("open", "NULL")):
        con.execute(f"""INSERT INTO runs SELECT * REPLACE ('{exp}' AS experiment_id,
                        'r-{exp}' AS run_id, {finished} AS finished_at) FROM runs LIMIT 1""")
        con.execute(f"""INSERT INTO results SELECT * REPLACE ('r-{exp}' AS run_id)
                        FROM results LIMIT 1""")
    dates = sq.experiment_run_dates(con)
    con.close()
    assert dates == {"tiny_json": "2026-12-05", "other": "2026-11-02"}
    assert data_date(["other", "tiny_json"], dates) == "2026-12-05"
    assert data_date(["other", "open"], dates) == "2026-11-02"
    assert data_date(["open"], dates) == data_date(None, dates) == ""


def test_shadow_experiments(results_db):
    db = results_db({("m1", "plain"): [True, False, True]})
    con = duckdb.connect(str(db), read_only=True)
    try:
        sq.shadow_experiments(con, ["other"])
        for table in sq.EXPERIMENT_PARTITIONED:
            assert con.execute(f"SELECT count(*) FROM {table}").fetchall() == [(0,)]
        assert con.execute("SELECT count(*) FROM outcomes").fetchall() == [(0,)]
        sq.drop_experiment_shadows(con)
        assert sq.case_count(con, "tiny_json", 1) == 3
    finally:
        con.close()


def test_no_other_site_module_queries_the_store():
    assert {"runs", "results", "scores", "cases", "models", "experiments",
            "outcomes"} <= set(RELATIONS)
    offenders = []
    for path in sorted(SITE.rglob("*.py")):
        if path.name == "store_queries.py":
            continue
        text = path.read_text(encoding="utf-8")
        allowed = GENERIC_CATALOG.get(path.name, set())
        for m in STORE_SQL.finditer(text):
            if m.group(0) in allowed:
                continue
            line = text.count("\n", 0, m.start()) + 1
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {m.group(0)}")
    assert not offenders, ("SQL against the store belongs in pipeline/site/core/store_queries.py:\n"
                           + "\n".join(offenders))


def test_the_check_sees_what_it_should():
    assert STORE_SQL.search('"SELECT count(*) FROM cases WHERE x"')
    assert STORE_SQL.search("FROM results r JOIN runs ru USING (run_id)")
    assert STORE_SQL.search("SELECT table_name FROM information_schema.tables")
    assert STORE_SQL.search('SELECT run_id FROM "{db}".main.runs WHERE')
    assert not STORE_SQL.search("the runs the page's queries read from results")
