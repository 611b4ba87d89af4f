"""The MkDocs adapter: the `pipeline` plugin (`plugin.py`, entry point in pyproject.toml).
Hooks only; the work is the build session's (`pipeline.site.builder.session`)."""
