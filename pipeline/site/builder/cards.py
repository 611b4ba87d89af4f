"""What an archive card says about its post that the post's front matter does not: the day its
data was last run.

Every post carries the date the blog plugins sort and file it by (front matter `date`), but
the numbers on it are as old as the runs behind them, which a rerun changes. So the card shows
the day the latest run of the post's experiments (front matter `experiments`) finished, read
from the database at build time: "data run 5 Dec 2026". The MkDocs adapter computes it in a
template filter, the staging step (Zensical) into the front matter (`llmx_data_date`).
"""

from __future__ import annotations

from typing import Any


def data_date(experiments: Any, run_dates: dict[str, str]) -> str:
    """The day (ISO, yyyy-mm-dd) the latest run of *experiments* finished, from *run_dates*
    ({experiment id: ISO day}, `store_queries.experiment_run_dates`); "" when the post names
    no experiment or none of them has a finished run."""
    if isinstance(experiments, str):
        experiments = [experiments]
    if not isinstance(experiments, list):
        return ""
    return max((run_dates[e] for e in experiments if isinstance(e, str) and e in run_dates),
               default="")
