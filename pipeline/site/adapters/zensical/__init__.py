"""Zensical adapter: stage the site with the generator-independent core, then `zensical build`.

Zensical reads mkdocs.yml, runs Python-Markdown and has its own blog and RSS, but runs no
MkDocs plugin (it skips ours silently) and has no public module API yet. So the site is
rendered first (`pipeline.site.builder.staging`: the same build session as the MkDocs plugin) into
`.cache/llmx/zensical/docs/`, next to a copy of the config that drops the `pipeline` plugin,
points at that folder and adds our styles and scripts; Zensical builds that, and the result
is moved to the config's `site_dir` (or `--site-dir`).

    python -m pipeline.site.adapters.zensical [-f mkdocs.yml] [--site-dir DIR] [--stage-only]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.site.builder.staging import (
    EXTRA_CSS,
    EXTRA_JAVASCRIPT,
    Staged,
    StageError,
    dump_site_config,
    load_site_config,
    stage,
)

STAGE_DIR = ".cache/llmx/zensical"


@dataclass
class Built:
    staged: Staged
    site_dir: Path
    config_file: Path


def staged_config(cfg: dict[str, Any], root: Path) -> dict[str, Any]:
    """The config Zensical builds: the project's own, on the staged docs, without our plugin
    (its work is done), with our assets, and with the theme overrides found from anywhere."""
    out = dict(cfg)
    out["docs_dir"] = "docs"
    out["site_dir"] = "site"
    theme = cfg.get("theme")
    if isinstance(theme, dict) and theme.get("custom_dir"):
        out["theme"] = {**theme, "custom_dir": str((root / str(theme["custom_dir"])).resolve())}
    plugins = cfg.get("plugins") or []
    if isinstance(plugins, dict):
        out["plugins"] = {k: v for k, v in plugins.items() if k != "pipeline"}
    else:
        out["plugins"] = [p for p in plugins
                          if p != "pipeline" and not (isinstance(p, dict) and "pipeline" in p)]
    out["extra_css"] = [*(cfg.get("extra_css") or []), *EXTRA_CSS]
    out["extra_javascript"] = [*(cfg.get("extra_javascript") or []), *EXTRA_JAVASCRIPT]
    return out


def build(config_file: Path, site_dir: Path | None = None, stage_only: bool = False,
          quiet: bool = False, work_dir: Path | None = None) -> Built:
    """Stage the site of *config_file* in *work_dir* (default: .cache/llmx/zensical next to
    it), build it with Zensical and move the result to *site_dir* (default: the config's)."""
    config_file = config_file.resolve()
    root = config_file.parent
    cfg = load_site_config(config_file)
    work = (work_dir or root / STAGE_DIR).resolve()
    work.mkdir(parents=True, exist_ok=True)
    staged = stage(config_file, work / "docs", links_from="source")
    zconfig = work / "mkdocs.yml"
    zconfig.write_text(dump_site_config(staged_config(cfg, root)), encoding="utf-8")
    target = (site_dir or root / str(cfg.get("site_dir", "site"))).resolve()
    if stage_only:
        return Built(staged, target, zconfig)
    built = work / "site"
    if built.exists():
        shutil.rmtree(built)
    r = subprocess.run([sys.executable, "-m", "zensical", "build", "--clean", "--strict", "-f",
                        str(zconfig)],
                       cwd=work, capture_output=True, text=True)
    if r.returncode != 0 or not built.is_dir():
        tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ["no output"]
        raise StageError(f"zensical build failed (exit {r.returncode}): {tail[0]}\n"
                         f"  config: {zconfig}")
    if not quiet and r.stdout.strip():
        print(r.stdout.strip(), file=sys.stderr)
    if target.exists():
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(built), str(target))
    return Built(staged, target, zconfig)
