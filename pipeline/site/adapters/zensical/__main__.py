"""python -m pipeline.site.adapters.zensical [-f mkdocs.yml] [--site-dir DIR] [--stage-only]
(also `python -m pipeline build --generator zensical`)"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.site.adapters.zensical import build
from pipeline.site.builder.staging import StageError


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m pipeline.site.adapters.zensical",
                                description="Build the site with Zensical (staged by the "
                                            "render core; the MkDocs plugin is not used).")
    p.add_argument("-f", "--config-file", type=Path, default=Path("mkdocs.yml"))
    p.add_argument("--site-dir", type=Path, default=None,
                   help="where the site goes (default: the config's site_dir)")
    p.add_argument("--work-dir", type=Path, default=None,
                   help="where the staged docs and config go (default: .cache/llmx/zensical)")
    p.add_argument("--stage-only", action="store_true",
                   help="render the staged docs and config only; do not run zensical")
    args = p.parse_args(argv)
    start = time.monotonic()
    try:
        built = build(args.config_file, args.site_dir, stage_only=args.stage_only,
                      work_dir=args.work_dir)
    except StageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    s = built.staged
    what = f"staged in {s.docs_dir}" if args.stage_only else f"built into {built.site_dir}"
    print(f"pipeline: {len(s.pages)} pages {what} in {time.monotonic() - start:.1f} s "
          f"({s.queries_run} queries run, {s.queries_cached} read from the cache; "
          f"{s.pages_rendered} pages rendered, {s.pages_cached} from the page cache)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
