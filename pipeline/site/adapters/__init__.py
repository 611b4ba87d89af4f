"""Thin adapters of the build session to site generators: `mkdocs/` (the `pipeline`
plugin) and `zensical/` (stage, then `zensical build`)."""
