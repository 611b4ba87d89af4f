"""Benchmark: our build vs the same posts done by hand, and how both grow with posts and rows.

    python bench/site_build.py [--sizes 10x1000000,100x1000000,1000x1000000] [--edits 3]

Each size is POSTSxROWS: that many posts over a generated results DB of that many result rows
(the rows are split evenly between the posts' experiments).

Generated pages (models, experiments, paged cases, the changes page) and the "Run this query"
files are switched off for the comparison: the by-hand site has no equivalent of them (100k
cases would be 4,000 cases pages).

By hand = a script that runs the same SQL with duckdb and writes Plotly divs (plotly.js in
one shared script tag) and Markdown tables into plain Markdown, then a plain mkdocs-material
build of the same theme and plugins without ours. Prints times and ratios against the
targets of issues 4, 14 and 21, the peak memory (VmHWM) of each build, and one summary
line per size at the end; it asserts nothing (timings belong here, not in tests).
The DB is synthetic (generated here), never results.duckdb.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import plotly.io as pio

from pipeline.store import open_write

ROOT = Path(__file__).resolve().parents[1]
MODELS = ["model-a", "model-b", "model-c", "model-d", "model-e"]
VARIANTS = ["naive", "instructed"]


def make_db(path: Path, rows: int, posts: int) -> None:
    con = open_write(path)
    cases = max(rows // (posts * len(MODELS) * len(VARIANTS)), 10)
    con.execute("BEGIN")
    for i, m in enumerate(MODELS):
        con.execute("INSERT INTO models VALUES (?, ?, 'Bench', ?, 'chat', NULL, NULL, '{}')",
                    [m, m, (i + 1) * 100_000_000])
    for e in range(posts):
        exp = f"exp{e:04d}"
        con.execute("INSERT INTO experiments VALUES (?, 1, ?, '', 'Bench', 'json_fields', '{}', "
                    "now())", [exp, f"Experiment {e}"])
        con.execute(f"""INSERT INTO cases SELECT '{exp}', 1, 'c' || i, i, '{{}}', 'null',
                        ['easy'], 'h' FROM range({cases}) r(i)""")
        for m in MODELS:
            for v in VARIANTS:
                run = f"{exp}-{m}-{v}"
                con.execute("""INSERT INTO runs (run_id, experiment_id, experiment_version,
                    model_id, variant, engine, engine_version, temperature, top_p, max_tokens,
                    seed, n_samples, constrained, prompt_template_hash, hardware, started_at,
                    status) VALUES (?, ?, 1, ?, ?, 'bench', '0', 0, 1, 64, 0, 1, false, 'h',
                    'bench', now(), 'complete')""", [run, exp, m, v])
                con.execute(f"""INSERT INTO results SELECT '{run}', 'c' || i, 0, 'prompt',
                    'output ' || i, NULL, hash(i, '{run}') % 100 < 40 + {MODELS.index(m)} * 8,
                    NULL, NULL, 20, 30, 5.0, 'stop', now(), NULL FROM range({cases}) r(i)""")
    con.execute("COMMIT")
    con.close()


FIRST_DAY = date(2026, 1, 1)
LINE_CHART = """```chart
query: by_bucket
type: line
x: bucket
color: model_id
successes: passed
trials: n
```
"""


def post_source(e: int, charts: int = 3) -> str:
    exp = f"exp{e:04d}"
    extra = "".join("\n" + LINE_CHART.replace("```\n", f"title: Extra chart {k}\n```\n", 1)
                    for k in range(charts - 3))
    return textwrap.dedent(f"""\
    ---
    date: {FIRST_DAY + timedelta(days=e)}
    slug: post-{e:04d}
    experiments: [{exp}]
    ---

    # Post {e}

    Some prose about experiment {e}.

    <!-- more -->

    ```sql rates
    SELECT model_id, variant, count(*) AS n, count(*) FILTER (WHERE passed) AS passed,
           avg(passed::INT) AS pass_rate
    FROM outcomes WHERE experiment_id = '{exp}' GROUP BY ALL ORDER BY ALL
    ```

    ```sql by_bucket
    SELECT o.model_id, (c.position * 10 // (SELECT max(position) + 1 FROM cases
                        WHERE experiment_id = '{exp}')) AS bucket,
           count(*) AS n, count(*) FILTER (WHERE o.passed) AS passed
    FROM outcomes o JOIN cases c USING (experiment_id, case_id)
    WHERE o.experiment_id = '{exp}' AND o.variant = 'naive' GROUP BY ALL ORDER BY ALL
    ```

    The best model passed
    {{{{ value rates.pass_rate model_id=model-e variant=instructed format=percent ci=passed/n }}}};
    the worst {{{{ value rates.pass_rate model_id=model-a variant=naive format=percent }}}}.

    ```chart
    query: rates
    x: variant
    color: model_id
    successes: passed
    trials: n
    ```

    LINE_CHART
    ```chart
    query: rates
    type: heatmap
    x: variant
    y: model_id
    z: pass_rate
    ```
    EXTRA_CHARTS
    ```table
    query: rates
    format: {{pass_rate: percent}}
    ```
    """).replace("LINE_CHART", LINE_CHART).replace("EXTRA_CHARTS", extra)


MKDOCS = """site_name: Bench
docs_dir: posts
theme: {{name: material, font: false}}
plugins:
{ours}  - blog:
      blog_dir: .
      post_url_format: "{{slug}}"
      authors: false
markdown_extensions: [tables, pymdownx.superfences]
"""


def by_hand(db: Path, src: Path, out: Path) -> None:
    """The same posts without our plugin: run the SQL, write divs and tables into Markdown."""
    import re

    con = duckdb.connect(str(db), read_only=True)
    for post in sorted(src.glob("*.md")):
        text = post.read_text()
        queries = dict(re.findall(r"```sql (\w+)\n(.*?)```", text, re.S))
        frames = {}
        for name, sql in queries.items():
            frames[name] = con.execute(sql).df()
            con.register(name, frames[name])
        r = frames["rates"]
        b = frames["by_bucket"]
        figs = []
        bar = go.Figure([go.Bar(x=g["variant"], y=g["pass_rate"], name=m)
                         for m, g in r.groupby("model_id")])
        figs.append(bar)
        n_line = text.count("type: line")
        for _ in range(n_line):
            figs.append(go.Figure([go.Scatter(x=g["bucket"], y=g["passed"] / g["n"], name=m)
                                   for m, g in b.groupby("model_id")]))
        figs.append(go.Figure(go.Heatmap(z=r.pivot(index="model_id", columns="variant",
                                                   values="pass_rate").values)))
        best = r[(r.model_id == "model-e") & (r.variant == "instructed")].pass_rate.iloc[0]
        worst = r[(r.model_id == "model-a") & (r.variant == "naive")].pass_rate.iloc[0]
        head = text.split("<!-- more -->")[0]
        body = [head, "<!-- more -->", f"Best {best:.1%}, worst {worst:.1%}.", ""]
        body += [pio.to_html(f, include_plotlyjs=False, full_html=False) for f in figs]
        body += ["", r.to_markdown(index=False) if hasattr(r, "to_markdown") else r.to_html()]
        (out / post.name).write_text("\n".join(body))
        for name in frames:
            con.unregister(name)
    con.close()


@dataclass
class Timed:
    """One child process: its wall time, its peak memory and what it wrote to stderr."""

    seconds: float
    max_rss_mb: float
    stderr: str


# Runs a module or script and, at exit, writes its peak memory (VmHWM: the high-water mark of
# the process's own memory since exec). Not getrusage: a child's ru_maxrss on Linux starts at
# the RSS of the parent it was forked from, which here holds a generated database.
HWM_PRELUDE = """
import atexit, runpy, sys
def _hwm():
    try:
        with open("/proc/self/status") as f:
            kb = next(line.split()[1] for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return
    sys.stderr.write(f"\\nllmx-bench-hwm-kb {kb}\\n")
atexit.register(_hwm)
target = sys.argv[1]
sys.argv = sys.argv[1:]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
"""


def timed(args: list[str], cwd: Path) -> Timed:
    """Run `python -m MODULE ...` or `python SCRIPT ...` (*args*) and measure that process
    alone: its wall time and its peak memory (NaN where /proc is not there)."""
    cmd = [sys.executable, "-c", HWM_PRELUDE, *args]
    with tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err, text=True,
                           env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        seconds = time.perf_counter() - t
        err.seek(0)
        text = err.read()
    if r.returncode:
        sys.exit(f"{' '.join(args)} failed in {cwd}:\n{text}")
    import re

    hwm = re.search(r"llmx-bench-hwm-kb (\d+)", text)
    return Timed(seconds, int(hwm.group(1)) / 1024 if hwm else float("nan"), text)


def build(project: Path) -> Timed:
    return timed(["mkdocs", "build"], project)


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


@dataclass
class Row:
    posts: int
    rows: int
    cold: Timed
    prerender: Timed
    plain: Timed
    prose: float
    plain_again: float
    rendered: str


def measure(work: Path, posts: int, rows: int, edits: int, weigh: bool) -> Row:
    """Everything for one size: cold, by hand, prose edits, a 1% data change."""
    db = work / "results.duckdb"
    t = time.perf_counter()
    make_db(db, rows, posts)
    n = duckdb.connect(str(db), read_only=True).execute("SELECT count(*) FROM results"
                                                         ).fetchall()[0][0]
    print(f"\n== {posts} posts, {n:,} result rows (generated in {time.perf_counter() - t:.1f} s)")

    ours = work / "ours"
    (ours / "posts" / "posts").mkdir(parents=True)
    (ours / "mkdocs.yml").write_text(MKDOCS.format(
        ours="  - pipeline:\n      db: ../results.duckdb\n      generated_pages: false\n"
             # the by-hand site has no "Run this query" files either: like with like
             "      browser_sql: false\n"))
    (ours / "posts" / "index.md").write_text("# Bench\n")
    for e in range(posts):
        (ours / "posts" / "posts" / f"post-{e:04d}.md").write_text(post_source(e))
    (ours / "posts" / "posts" / "five-charts.md").write_text(
        post_source(0, charts=5).replace("slug: post-0000", "slug: five-charts"))

    hand = work / "hand"
    (hand / "posts" / "posts").mkdir(parents=True)
    (hand / "mkdocs.yml").write_text(MKDOCS.format(ours="") + textwrap.dedent("""\
        extra_javascript: [plotly.min.js]
        """))
    (hand / "posts" / "index.md").write_text("# Bench\n")
    shutil.copy(Path(pio.__file__).parents[1] / "package_data" / "plotly.min.js",
                hand / "posts" / "plotly.min.js")

    cold = build(ours)
    prerender = timed([__file__, "--by-hand", str(db),
                       str(ours / "posts" / "posts"), str(hand / "posts" / "posts")], work)
    plain = build(hand)

    # median of the prose edits (a new one each time) and of as many plain builds: a single
    # build of about a second moves by 10-20% on a shared machine
    post = ours / "posts" / "posts" / "post-0003.md"
    prose_times, plain_times = [], []
    for k in range(edits):
        post.write_text(post.read_text().replace("Some ", f"Some edited{k} ", 1))
        prose_times.append(build(ours).seconds)
        plain_times.append(build(hand).seconds)

    con = duckdb.connect(str(db))
    changed = con.execute("""UPDATE results SET passed = NOT passed WHERE run_id IN (
        SELECT run_id FROM runs WHERE experiment_id = 'exp0004') AND hash(case_id) % 10 = 0
        """).fetchall()[0][0]
    con.close()
    after = build(ours)
    import re

    stats = re.search(r"pipeline: (\d+) queries run, (\d+) read from the cache; (\d+) "
                      r"pages rendered, (\d+) from the page cache", after.stderr)
    rendered = "?"
    if stats:
        run, cached, again, reused = map(int, stats.groups())
        rendered = f"{again}/{again + reused}"
        print(f"1% data change ({changed:,} rows of one experiment's results): {again} of "
              f"{again + reused} pages rendered again ({run} queries run, {cached} read from "
              f"the cache) in {after.seconds:.2f} s")
    row = Row(posts, n, cold, prerender, plain, median(prose_times), median(plain_times),
              rendered)
    hand_total = prerender.seconds + plain.seconds
    print(f"cold build, ours: {cold.seconds:.2f} s, {cold.max_rss_mb:.0f} MB | by hand: "
          f"{prerender.seconds:.2f} s pre-render ({prerender.max_rss_mb:.0f} MB) + "
          f"{plain.seconds:.2f} s mkdocs ({plain.max_rss_mb:.0f} MB) = {hand_total:.2f} s")
    print(f"  ratio ours / by-hand total = {cold.seconds / hand_total:.2f}  (target <= 1.3)")
    print(f"prose-only edit, ours: {row.prose:.2f} s | plain mkdocs build: "
          f"{row.plain_again:.2f} s (medians of {edits})")
    print(f"  ratio = {row.prose / row.plain_again:.2f}  (target <= 1.1)")
    if weigh:
        page = ours / "site" / "five-charts" / "index.html"
        assets = ours / "site" / "assets" / "llmx"
        parts = [page, assets / "plotly.min.js", assets / "charts.js", assets / "results.css"]
        raw = sum(p.stat().st_size for p in parts)
        gz = sum(len(gzip.compress(p.read_bytes(), 6)) for p in parts)
        print(f"5-chart post: HTML {page.stat().st_size / 1e3:.0f} kB; with plotly.js "
              f"(partial bundle), charts.js and css: {raw / 1e6:.2f} MB uncompressed, "
              f"{gz / 1e6:.2f} MB transferred gzipped (target <= 0.6 MB transferred)")
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10x1000000",
                    help="comma-separated POSTSxROWS, e.g. 10x1000000,100x1000000,1000x1000000")
    ap.add_argument("--edits", type=int, default=3, help="prose edits per size (median)")
    ap.add_argument("--keep", action="store_true", help="keep the work folders (for profiling)")
    ap.add_argument("--by-hand", nargs=3, metavar=("DB", "SRC", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.by_hand:
        by_hand(*(Path(a) for a in args.by_hand))
        return
    try:
        sizes = [tuple(int(x) for x in s.lower().split("x")) for s in args.sizes.split(",")]
        if any(len(s) != 2 or min(s) < 1 for s in sizes):
            raise ValueError
    except ValueError:
        sys.exit(f"--sizes: expected POSTSxROWS[,POSTSxROWS...] with positive numbers, "
                 f"got {args.sizes!r}")
    rows = []
    for i, (posts, n_rows) in enumerate(sizes):
        work = Path(tempfile.mkdtemp(prefix="llmx-bench-"))
        try:
            rows.append(measure(work, posts, n_rows, args.edits, weigh=i == 0))
        finally:
            if args.keep:
                print(f"kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    print("\nposts | result rows | cold ours s (MB) | by hand s | ratio | prose edit s | "
          "plain mkdocs s (MB) | ratio | pages re-rendered after 1% change")
    for r in rows:
        hand = r.prerender.seconds + r.plain.seconds
        print(f"{r.posts} | {r.rows:,} | {r.cold.seconds:.1f} ({r.cold.max_rss_mb:.0f}) | "
              f"{hand:.1f} | {r.cold.seconds / hand:.2f} | {r.prose:.1f} | "
              f"{r.plain_again:.1f} ({r.plain.max_rss_mb:.0f}) | "
              f"{r.prose / r.plain_again:.2f} | {r.rendered}")


if __name__ == "__main__":
    main()
